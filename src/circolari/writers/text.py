"""The document tree as plain text: for diffs, tests and search."""

from __future__ import annotations

from typing import assert_never

from circolari.document.tree import (Break, Columns, Document, Field, Group, ListBlock, PageBreak, Paragraph, Run,
                        Table)


def inline_text(inlines, fields: dict[str, int] | None = None) -> str:
    out = []
    for item in inlines:
        match item:
            case Run():
                out.append(item.text)
            case Break():
                out.append("\n")
            case Field():
                out.append(item.text(fields[item.kind]) if fields and item.kind in fields else "#")
            case _:
                assert_never(item)
    return "".join(out)


def _marker(kind: str, n: int) -> str:
    if kind == "bullet":
        return "-"
    return f"{chr(ord('a') + n - 1)}." if kind == "alpha" else f"{n}."


def block_lines(blocks, indent: str = "", fields=None) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        match block:
            case Paragraph():
                lines += [indent + line for line in inline_text(block.inlines, fields).split("\n")]
            case ListBlock():
                for n, item in enumerate(block.items, start=block.start):
                    inner = block_lines(item, indent + "   ", fields)
                    marker = _marker(block.kind, n)
                    if inner:
                        inner[0] = indent + marker + " " + inner[0][len(indent) + 3:]
                    lines += inner
            case Table():
                if block.title:
                    lines.append(indent + block.title)
                lines.append(indent + " | ".join(inline_text(c.header) for c in block.columns))
                lines += [indent + " | ".join(inline_text(cell) for cell in row) for row in block.rows]
            case Group():
                lines += block_lines(block.blocks, indent, fields)
            case Columns():
                for column in block.columns:
                    lines += block_lines(column, indent, fields)
            case PageBreak():
                lines.append("")
            case _:
                assert_never(block)
    return lines


def write_text(doc: Document, fields: dict[str, int] | None = None) -> str:
    """Header, body and footer, one paragraph a line."""
    parts = [block_lines(doc.first_header or doc.header, fields=fields), block_lines(doc.body, fields=fields),
             block_lines(doc.footer, fields=fields)]
    return "\n\n".join("\n".join(p) for p in parts if p) + "\n"
