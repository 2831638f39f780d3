"""Random, never-repeating status list index allocation (Bitstring Status List v1.0 §2.1 ``statusListIndex``:
indexes SHOULD be assigned randomly; §6.5 Decoy Values; draft-ietf-oauth-status-list-14 §13.2-§13.3: no double
allocation; HAIP 1.0: unique, unpredictable ``idx`` per credential).

The store keeps one counter per list and hands out ``0, 1, 2, ...`` atomically; the published index is
``IndexPermutation(key, size).index(counter)``, a keyed pseudo-random permutation of ``[0, size)``. Because it
is a permutation, distinct counters never share an index; without the per-list key the sequence of indexes
is unpredictable. When the counter reaches ``size`` the list is full and a new list (with a new key) is needed.

Construction: an alternating Feistel network over ``b``-bit values (``2**b >= size``), halves of ``u = b // 2``
and ``v = b - u`` bits, combined with addition modulo ``2**m`` (the structure of NIST SP 800-38G FF1, radix 2),
with keyed BLAKE2b as the round function, and cycle-walking from ``[0, 2**b)`` down to ``[0, size)``.
Pure: the key and the counter come from the caller.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = ["KEY_BYTES", "IndexPermutation", "ListFullError", "derive_list_key", "is_full"]

KEY_BYTES = 32  # size of a fresh per-list key (the caller draws it from its Randomness)
_ROUNDS = 10
_PERSON_ROUND = b"oid4vc-status-pr"  # BLAKE2b personalization (16 bytes): round function
_PERSON_DERIVE = b"oid4vc-status-lk"  # BLAKE2b personalization (16 bytes): list key derivation


class ListFullError(Exception):
    """Every index of the list has been allocated: start a new list."""


def is_full(counter: int, size: int) -> bool:
    """The roll-over rule: a list of ``size`` entries can hand out counters ``0 .. size - 1``."""
    return counter >= size


def derive_list_key(master_key: bytes, list_id: str) -> bytes:
    """A per-list key from one server secret, for stores that keep a master key rather than a key per list."""
    if not 16 <= len(master_key) <= 64:
        raise ValueError("master key must be 16 to 64 bytes")
    return hashlib.blake2b(
        list_id.encode("utf-8"), key=master_key, digest_size=KEY_BYTES, person=_PERSON_DERIVE
    ).digest()


@dataclass(frozen=True, slots=True)
class IndexPermutation:
    """A keyed bijection of ``[0, size)``: ``index`` maps an allocation counter to a status list index."""

    key: bytes = field(repr=False)
    size: int
    _bits: tuple[int, int] = field(init=False, repr=False, compare=False)
    _prf: hashlib.blake2b = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 16 <= len(self.key) <= 64:
            raise ValueError("key must be 16 to 64 bytes")
        if isinstance(self.size, bool) or self.size < 1:
            raise ValueError("size must be positive")
        b = max(2, (self.size - 1).bit_length())
        object.__setattr__(self, "_bits", (b // 2, b - b // 2))
        # The keyed state is built once and copied per call (half the cost of re-keying); the domain size is
        # part of every input, so permutations of different sizes under one key are unrelated.
        prf = hashlib.blake2b(key=self.key, digest_size=8, person=_PERSON_ROUND)
        prf.update(self.size.to_bytes(8, "big"))
        object.__setattr__(self, "_prf", prf)

    def _round(self, i: int, half: int, width: int) -> int:
        h = self._prf.copy()
        h.update(bytes([i]) + half.to_bytes(8, "big"))
        return int.from_bytes(h.digest(), "big") & ((1 << width) - 1)

    def _encrypt(self, x: int) -> int:
        u, v = self._bits
        a, b = x >> v, x & ((1 << v) - 1)
        for i in range(_ROUNDS):
            m = u if i % 2 == 0 else v
            a, b = b, (a + self._round(i, b, m)) & ((1 << m) - 1)
        return (a << v) | b

    def _decrypt(self, y: int) -> int:
        u, v = self._bits
        a, b = y >> v, y & ((1 << v) - 1)
        for i in reversed(range(_ROUNDS)):
            m = u if i % 2 == 0 else v
            a, b = (b - self._round(i, a, m)) & ((1 << m) - 1), a
        return (a << v) | b

    def index(self, counter: int) -> int:
        """The index for allocation number ``counter``. Raises ListFullError once the list is used up."""
        if isinstance(counter, bool) or counter < 0:
            raise ValueError("counter must be a non-negative integer")
        if is_full(counter, self.size):
            raise ListFullError("status list is full")
        # Cycle-walking: the walk stays inside the cycle of `counter`, so it ends on a value below `size`.
        y = self._encrypt(counter)
        while y >= self.size:
            y = self._encrypt(y)
        return y

    def counter(self, index: int) -> int:
        """The inverse of ``index``: which allocation number produced ``index``."""
        if isinstance(index, bool) or not 0 <= index < self.size:
            raise ValueError("index out of range")
        x = self._decrypt(index)
        while x >= self.size:
            x = self._decrypt(x)
        return x
