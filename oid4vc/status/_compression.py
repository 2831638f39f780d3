"""Bounded compression helpers shared by the two status list formats (GZIP, RFC 1952; ZLIB, RFC 1950).

Decompression never produces more than ``max_bytes`` (a status list is attacker-supplied input once fetched:
a few KB of DEFLATE can expand to gigabytes), and refuses truncated streams and trailing bytes.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["GZIP_WBITS", "ZLIB_WBITS", "gzip_compress", "inflate", "zlib_compress"]

GZIP_WBITS = 16 + zlib.MAX_WBITS  # accept only the GZIP wrapper
ZLIB_WBITS = zlib.MAX_WBITS  # accept only the ZLIB wrapper

# RFC 1952 §2.3: ID1 ID2, CM=8 (deflate), FLG=0 (no name/extra/comment), MTIME=0 (none), XFL=0, OS=3 (Unix).
# A fixed header keeps the output identical on every platform (zlib's own OS byte varies); it is the header
# of the W3C Bitstring Status List v1.0 examples.
_GZIP_HEADER = bytes([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03])


def gzip_compress(data: bytes) -> bytes:
    """One GZIP member: fixed header, raw DEFLATE at level 9, CRC-32 and ISIZE (RFC 1952 §2.3.1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    return _GZIP_HEADER + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def zlib_compress(data: bytes) -> bytes:
    """DEFLATE with the ZLIB format at the highest level (draft-ietf-oauth-status-list-14 §4.1 step 4)."""
    return zlib.compress(data, 9)


def inflate(data: bytes, *, wbits: int, max_bytes: int) -> bytes:
    """Decompress exactly one complete stream of at most ``max_bytes`` bytes. Raises ValueError."""
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError("compressed data is corrupt") from exc
    if len(out) > max_bytes or decompressor.unconsumed_tail:
        raise ValueError(f"decompressed data exceeds {max_bytes} bytes")
    if not decompressor.eof:
        raise ValueError("compressed data is truncated")
    if decompressor.unused_data:
        raise ValueError("trailing data after the compressed stream")
    return out
