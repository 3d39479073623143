"""Reviewing acts and templates: checks, previews, diffs, review packs and approvals."""
