"""Injected randomness (STYLE rule 5): secrets in production, seeded sources in tests."""

from __future__ import annotations

import secrets
import string
from typing import Protocol

__all__ = ["Randomness", "SystemRandomness", "uuid4_str"]

_TEXT_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


def uuid4_str() -> str:
    """A random (version 4) UUID in its string form (RFC 9562 §5.4), formatted without building a ``uuid.UUID``."""
    b = bytearray(secrets.token_bytes(16))
    b[6] = (b[6] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # variant 10xx
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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
        return f"urn:uuid:{uuid4_str()}"

    def bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)
