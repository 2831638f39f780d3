"""Random index allocation: the keyed permutation is a bijection of [0, size) (exhaustively for small sizes,
no repeats over 20,000 draws of a 131,072-entry list), is invertible, rolls over at capacity, and its output
looks unpredictable (not sequential, adjacent counters land far apart, buckets fill evenly, keys matter)."""

from __future__ import annotations

import itertools
import statistics

import pytest

from oid4vc.status.allocation import KEY_BYTES, IndexPermutation, ListFullError, derive_list_key, is_full

KEY = bytes(range(32))
BIG = 131_072


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 100, 255, 256, 257, 1000, 4097])
def test_small_permutations_are_bijections(size: int) -> None:
    permutation = IndexPermutation(KEY, size)
    image = [permutation.index(c) for c in range(size)]
    assert sorted(image) == list(range(size))
    assert [permutation.counter(i) for i in image] == list(range(size))


def test_big_list_never_repeats_over_20000_draws() -> None:
    permutation = IndexPermutation(KEY, BIG)
    draws = [permutation.index(c) for c in range(20_000)]
    assert len(set(draws)) == 20_000 and all(0 <= d < BIG for d in draws)
    assert all(permutation.counter(d) == c for c, d in enumerate(draws[:2_000]))


def test_non_power_of_two_big_list_never_repeats() -> None:
    size = 100_003  # cycle-walking from 2**17
    permutation = IndexPermutation(KEY, size)
    draws = [permutation.index(c) for c in range(20_000)]
    assert len(set(draws)) == 20_000 and max(draws) < size
    assert all(permutation.counter(d) == c for c, d in enumerate(draws[:2_000]))


def test_output_is_not_sequential_and_adjacent_counters_land_far_apart() -> None:
    permutation = IndexPermutation(KEY, BIG)
    draws = [permutation.index(c) for c in range(20_000)]
    gaps = [abs(b - a) for a, b in itertools.pairwise(draws)]
    # For a uniformly random permutation the mean gap is size / 3.
    assert 0.30 < statistics.mean(gaps) / BIG < 0.36
    assert sum(g <= 8 for g in gaps) < 10  # a sequential allocator would have 19,999 gaps of 1
    assert draws[:100] != sorted(draws[:100])
    # The first draws spread over the whole list: 16 equal buckets each get about 1/16 of them.
    buckets = [0] * 16
    for d in draws:
        buckets[d * 16 // BIG] += 1
    assert all(abs(b - 1250) < 150 for b in buckets)
    # Low bits are balanced too (a weak mixer often leaks parity).
    assert abs(sum(d & 1 for d in draws) - 10_000) < 300


def test_different_keys_and_sizes_give_unrelated_permutations() -> None:
    a = [IndexPermutation(KEY, BIG).index(c) for c in range(1_000)]
    b = [IndexPermutation(bytes(32), BIG).index(c) for c in range(1_000)]
    c = [IndexPermutation(KEY, BIG - 1).index(c) for c in range(1_000)]
    assert sum(x == y for x, y in zip(a, b, strict=True)) < 5
    assert sum(x == y for x, y in zip(a, c, strict=True)) < 5


def test_permutation_is_deterministic_known_answers() -> None:
    """Pinned outputs: changing the construction silently would reshuffle live lists."""
    permutation = IndexPermutation(KEY, BIG)
    assert [permutation.index(c) for c in range(4)] == [105345, 117357, 32823, 98559]
    assert IndexPermutation(KEY, BIG) == permutation and "key" not in repr(permutation)


def test_roll_over_at_capacity() -> None:
    permutation = IndexPermutation(KEY, 10)
    assert not is_full(9, 10) and is_full(10, 10) and is_full(11, 10)
    assert permutation.index(9) in range(10)
    for counter in (10, 11):
        with pytest.raises(ListFullError):
            permutation.index(counter)


def test_invalid_arguments() -> None:
    for key in (b"short", bytes(65)):
        with pytest.raises(ValueError):
            IndexPermutation(key, 10)
    for size in (0, -1, True):
        with pytest.raises(ValueError):
            IndexPermutation(KEY, size)
    permutation = IndexPermutation(KEY, 10)
    for counter in (-1, True):
        with pytest.raises(ValueError):
            permutation.index(counter)
    for index in (-1, 10, True):
        with pytest.raises(ValueError):
            permutation.counter(index)


def test_derive_list_key() -> None:
    master = b"m" * 32
    key = derive_list_key(master, "list-1")
    assert len(key) == KEY_BYTES and key == derive_list_key(master, "list-1")
    assert key != derive_list_key(master, "list-2") and key != derive_list_key(b"n" * 32, "list-1")
    for bad in (b"short", bytes(65)):
        with pytest.raises(ValueError):
            derive_list_key(bad, "list-1")
    assert IndexPermutation(key, BIG).index(0) != IndexPermutation(derive_list_key(master, "list-2"), BIG).index(0)
