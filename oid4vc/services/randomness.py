"""Injected randomness (STYLE rule 5): secrets in production, seeded sources in tests."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Protocol

__all__ = ["Randomness", "SystemRandomness"]

_TEXT_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


class Randomness(Protocol):
    def token(self, nbytes: int = 32) -> str:
        """URL-safe, unguessable."""
        ...

    def code(self, length: int, input_mode: str) -> str:
        """A Transaction Code a person can type: digits, or unambiguous upper-case letters and digits."""
        ...

    def uuid_urn(self) -> str: ...

    def bytes(self, n: int) -> bytes: ...


class SystemRandomness:
    def token(self, nbytes: int = 32) -> str:
        return secrets.token_urlsafe(nbytes)

    def code(self, length: int, input_mode: str) -> str:
        alphabet = string.digits if input_mode == "numeric" else _TEXT_ALPHABET
        return "".join(secrets.choice(alphabet) for _ in range(length))

    def uuid_urn(self) -> str:
        return f"urn:uuid:{uuid.uuid4()}"

    def bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)
