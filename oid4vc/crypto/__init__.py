"""Crypto ports (base) and adapters: cryptography (keys, keystore)."""
