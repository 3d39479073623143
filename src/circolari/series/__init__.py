"""Letter series: one circolare, one letter per body with its own figures from a table.

``detect`` (is an act a series?), ``model`` (the ``serie:`` block), ``table`` (CSV, YAML, XLSX rows with their cells' places),
``checks`` (table against registry and act), ``letters`` (the act of one letter),
``render`` (parallel, resumable rendering), ``progress``, ``manifest`` (the series folder),
``sign`` (signing and verifying a series folder), ``mail`` (one prepare per letter).
"""
