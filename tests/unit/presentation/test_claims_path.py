from __future__ import annotations

from typing import Any

import pytest

from oid4vc.presentation.claims_path import ClaimsPathError, claims_path_pointer, find, select, select_mdoc

# OpenID4VP 1.0 §7.3 (Claims Path Pointer Example), copied from the spec text.
ARTHUR: dict[str, Any] = {
    "name": "Arthur Dent",
    "address": {"street_address": "42 Market Street", "locality": "Milliways", "postal_code": "12345"},
    "degrees": [
        {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
        {"type": "Master of Science", "university": "University of Betelgeuse"},
    ],
    "nationalities": ["British", "Betelgeusian"],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["name"], ["Arthur Dent"]),
        (["address"], [ARTHUR["address"]]),
        (["address", "street_address"], ["42 Market Street"]),
        (["degrees", None, "type"], ["Bachelor of Science", "Master of Science"]),
        (["nationalities", 1], ["Betelgeusian"]),
    ],
)
def test_spec_examples(path: list[Any], expected: list[Any]) -> None:
    assert select(ARTHUR, path) == expected


def test_missing_keys_and_indexes_drop_out_of_the_selection() -> None:
    data = {"a": [{"b": 1}, {"c": 2}, {"b": 3}], "arr": [[1], [1, 2]]}
    assert select(data, ["a", None, "b"]) == [1, 3]
    assert select(data, ["arr", None, 1]) == [2]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (["name", "first"], "not_an_object"),  # key applied to a string
        (["address", None], "not_an_array"),  # null applied to an object
        (["address", 0], "not_an_array"),  # index applied to an object
        (["nope"], "no_match"),
        (["nationalities", 5], "no_match"),
        (["degrees", None, "nope"], "no_match"),
    ],
)
def test_processing_errors(path: list[Any], reason: str) -> None:
    with pytest.raises(ClaimsPathError) as info:
        select(ARTHUR, path)
    assert info.value.reason == reason
    assert find(ARTHUR, path) == []


@pytest.mark.parametrize("bad", [[], "name", ["a", -1], ["a", 1.5], ["a", True], ["a", {"x": 1}], None, 3])
def test_invalid_pointers(bad: Any) -> None:
    with pytest.raises(ClaimsPathError) as info:
        claims_path_pointer(bad)
    assert info.value.reason == "invalid_pointer"
    with pytest.raises(ClaimsPathError):
        find(ARTHUR, bad)


def test_valid_pointer_is_a_tuple() -> None:
    assert claims_path_pointer(["a", None, 0]) == ("a", None, 0)


def test_mdoc() -> None:
    namespaces = {"org.iso.18013.5.1": {"given_name": "Max"}}
    assert select_mdoc(namespaces, ["org.iso.18013.5.1", "given_name"]) == "Max"
    cases: list[tuple[list[Any], str]] = [
        (["org.iso.18013.5.1"], "invalid_pointer"),
        (["org.iso.18013.5.1", 0], "invalid_pointer"),
        (["other", "given_name"], "no_match"),
        (["org.iso.18013.5.1", "family_name"], "no_match"),
    ]
    for path, reason in cases:
        with pytest.raises(ClaimsPathError) as info:
            select_mdoc(namespaces, path)
        assert info.value.reason == reason
