"""Typed, validated models of the input data (acts, registry, letterhead profiles)."""
