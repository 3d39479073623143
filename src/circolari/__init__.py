"""circolari: official acts of Regione Lombardia from YAML data.

See ``docs/design.md`` for the pipeline (one intermediate document, many writers).
"""

__version__ = "0.1.0"
