"""Claims Path Pointer (OpenID4VP 1.0 §7 = OpenID4VCI 1.0 Appendix C).

A claims path pointer is a non-empty array of strings (object keys), ``null`` (every element of the selected
arrays) and non-negative integers (one array index) (§7). ``select`` applies one to a JSON-based credential
following the processing rules of §7.1.1 step by step:

1. start with the root object;
2. a string selects that key in every selected element; a selected element that is not an object is an error,
   an object without the key drops out of the selection;
3. ``null`` selects every element of every selected array; a selected element that is not an array is an error;
4. an integer selects that index; a non-array is an error, an array too short for the index drops out;
5. anything else is an error; so is an empty selection at the end.

``select_mdoc`` is the ISO mdoc variant (§7.2.1): exactly two strings, namespace then data element identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from oid4vc.jose import JsonObject

__all__ = [
    "ClaimsPathError",
    "ClaimsPathPointer",
    "ClaimsPathReason",
    "PathComponent",
    "claims_path_pointer",
    "find",
    "select",
    "select_mdoc",
]

PathComponent: TypeAlias = str | int | None
ClaimsPathPointer: TypeAlias = tuple[PathComponent, ...]

ClaimsPathReason = Literal["invalid_pointer", "not_an_object", "not_an_array", "no_match"]


class ClaimsPathError(ValueError):
    """Processing aborted (§7.1.1). ``reason`` names which rule fired."""

    def __init__(self, reason: ClaimsPathReason, message: str) -> None:
        super().__init__(message)
        self.reason: ClaimsPathReason = reason


def _is_index(component: object) -> bool:
    return isinstance(component, int) and not isinstance(component, bool)


def claims_path_pointer(value: object) -> ClaimsPathPointer:
    """Validate ``value`` as a claims path pointer (§7: non-empty; strings, nulls, non-negative integers)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        raise ClaimsPathError("invalid_pointer", "a claims path pointer is a non-empty array")
    for component in value:
        if component is None or isinstance(component, str):
            continue
        if not _is_index(component):
            raise ClaimsPathError("invalid_pointer", "claims path components are strings, null or integers")
        if component < 0:
            raise ClaimsPathError("invalid_pointer", "claims path indexes must be non-negative")
    return tuple(value)


def select(credential: JsonObject, path: Sequence[PathComponent]) -> list[Any]:
    """The JSON elements ``path`` selects in ``credential`` (§7.1.1). Raises ClaimsPathError."""
    pointer = claims_path_pointer(path)
    selected: list[Any] = [credential]
    for component in pointer:
        if isinstance(component, str):
            if any(not isinstance(element, Mapping) for element in selected):
                raise ClaimsPathError("not_an_object", "a claim name was applied to a value that is not an object")
            selected = [element[component] for element in selected if component in element]
        elif component is None:
            if any(not isinstance(element, list) for element in selected):
                raise ClaimsPathError("not_an_array", "null was applied to a value that is not an array")
            selected = [item for element in selected for item in element]
        else:
            if any(not isinstance(element, list) for element in selected):
                raise ClaimsPathError("not_an_array", "an index was applied to a value that is not an array")
            selected = [element[component] for element in selected if component < len(element)]
    if not selected:
        raise ClaimsPathError("no_match", "the claims path pointer selects nothing")
    return selected


def find(credential: JsonObject, path: Sequence[PathComponent]) -> list[Any]:
    """Like ``select``, but a claim that is not there (any processing error) is an empty list.

    The pointer itself must be valid: an invalid pointer still raises ClaimsPathError.
    """
    claims_path_pointer(path)
    try:
        return select(credential, path)
    except ClaimsPathError:
        return []


def select_mdoc(namespaces: Mapping[str, Mapping[str, Any]], path: Sequence[PathComponent]) -> Any:
    """The data element ``path`` = [namespace, element identifier] selects (§7.2.1). Raises ClaimsPathError."""
    if isinstance(path, str) or len(path) != 2 or not all(isinstance(c, str) for c in path):
        raise ClaimsPathError("invalid_pointer", "an mdoc claims path pointer is exactly two strings")
    namespace, element = path
    assert isinstance(namespace, str) and isinstance(element, str)
    if namespace not in namespaces:
        raise ClaimsPathError("no_match", "the mdoc has no such namespace")
    if element not in namespaces[namespace]:
        raise ClaimsPathError("no_match", "the mdoc has no such data element")
    return namespaces[namespace][element]
