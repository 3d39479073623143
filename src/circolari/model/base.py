"""Shared field types and the base model of every input file."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

# XML 1.0 (and so DOCX) cannot hold C0 controls other than tab and newline.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _no_control_chars(value: str) -> str:
    match = CONTROL_CHARS.search(value)
    if match:
        raise ValueError(
            f"contiene il carattere di controllo U+{ord(match.group()):04X}, "
            "che un documento Word non può contenere: toglierlo dal testo"
        )
    return value.replace("\r\n", "\n").replace("\r", "\n")


Text = Annotated[str, StringConstraints(min_length=1), AfterValidator(_no_control_chars)]
"""Any text the clerk writes: not empty, no control characters."""

Markdown = Text
"""Free text in Markdown (paragraphs, **bold**, *italic*, lists, a. b. c. lists)."""

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
"""A stable identifier: lowercase letters, digits and hyphens."""


class Model(BaseModel):
    """Base of every input model: unknown fields are errors, values are frozen."""

    # defer_build: a model's validator is built when first used, so a command pays only for
    # the kinds it reads (a DGR never builds the circolare's, nor the registry's)
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)
