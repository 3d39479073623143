"""The templates, registry and example act shipped with circolari.

They are used wherever a project folder does not provide its own. The repository's top-level
``templates/``, ``recipients/`` and ``examples/`` are their only source: the wheel build
(``setup.py``) copies them into ``circolari/defaults/``; a checkout or an editable install reads
them where they are.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parents[1] / "defaults"  # circolari/defaults/
CHECKOUT = Path(__file__).resolve().parents[3]
EXAMPLE = "nota-plasma-iperimmune-2020.yaml"


def folder(name: str) -> Path:
    """The shipped ``templates``, ``recipients`` or ``examples`` folder."""
    packaged = PACKAGED / name
    return packaged if packaged.is_dir() else CHECKOUT / name


def example_act() -> Path:
    """The reference act copied into a new office folder by ``circolari init``."""
    return folder("examples") / EXAMPLE
