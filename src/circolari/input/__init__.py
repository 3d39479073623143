"""What an act is made of, read and validated: YAML with lines, the act models' errors, tables, project folders, letterheads."""
