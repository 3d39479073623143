"""Signatures: PAdES signing, CAdES (.p7m) envelopes, verification and the verdict."""
