"""The recipient registry: loading and checks, in-place edits, IndicePA import, PEC addresses."""
