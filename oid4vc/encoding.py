"""Byte encodings used across the specs: base64url without padding (RFC 7515 §2), base58btc and
multibase (W3C Controller Documents §2.4 Multibase), unsigned varints for multicodec prefixes, and JSON text
(RFC 8259).

JSON on the request path goes through ``json_dumps`` / ``json_loads``: orjson where it gives the same result as the
standard library, the standard library where it would not. orjson turns integers beyond 64 bits into floats, so a
text with a run of 19 or more digits is parsed by the standard library, as is anything orjson refuses (NaN, lone
surrogates), which then parses or fails as before; text nested too deeply to parse is a ValueError, never a
RecursionError. Output that orjson cannot produce (non-string keys, huge integers, lone surrogates) falls back to
the standard library's ASCII form. Texts whose exact bytes are specified elsewhere keep their own encoder
(``canonical_json`` for thumbprints, SD-JWT Disclosures, did:jwk).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import orjson

__all__ = [
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "json_dumps",
    "json_loads",
    "multibase_decode",
    "multibase_encode",
    "varint_decode",
    "varint_encode",
]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    if not isinstance(text, str) or "=" in text or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


# base58btc texts here are keys and signatures (a 4096-bit RSA key is about 700 characters). Decoding is quadratic
# in the length (one big-integer step per character), so a longer text is refused before any work: a 700 KB
# did:key in a key proof would otherwise cost a minute of CPU.
MAX_B58_LENGTH = 2048


def b58decode(text: str) -> bytes:
    """base58btc (no checksum); raises ValueError for other characters or more than ``MAX_B58_LENGTH`` of them."""
    if len(text) > MAX_B58_LENGTH:
        raise ValueError("base58btc text is too long")
    n = 0
    for c in text:
        if c not in _B58_INDEX:
            raise ValueError("not base58btc")
        n = n * 58 + _B58_INDEX[c]
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def multibase_encode(data: bytes) -> str:
    """base58btc multibase (``z`` prefix)."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("only base58btc multibase ('z') is supported")
    return b58decode(text[1:])


def varint_encode(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes) -> tuple[int, int]:
    """Return (value, bytes consumed)."""
    n = shift = 0
    for i, byte in enumerate(data[:9]):
        n |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return n, i + 1
        shift += 7
    raise ValueError("bad varint")


def canonical_json(value: Any) -> bytes:
    """Compact, key-sorted JSON (the RFC 7638 thumbprint input form for JWK members)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


_LONG_INTEGER = re.compile(r"[0-9]{19}")
_LONG_INTEGER_BYTES = re.compile(rb"[0-9]{19}")


def json_dumps(value: Any) -> str:
    """Compact JSON text (no whitespace, UTF-8 characters unescaped)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def json_loads(text: str | bytes) -> Any:
    """Parse JSON text as ``json.loads`` does; raises ValueError for anything that is not JSON, including text
    nested too deeply to parse (where ``json.loads`` raises RecursionError), so untrusted input never gets past the
    caller's error handling."""
    long_integer = _LONG_INTEGER.search(text) if isinstance(text, str) else _LONG_INTEGER_BYTES.search(text)
    if long_integer is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON text nested too deeply") from None
