"""Helpers shared by test modules (no test module imports from another test module)."""
