"""Decentralized identifiers: did:key, did:jwk (resolved offline) and did:web (document building, resolution URL)."""
