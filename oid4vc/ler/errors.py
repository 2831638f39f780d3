"""Validation errors for LER data (OB 3.0 / CLR 2.0 #data-model; 1EdTech JSON Schema validation).

One error type, ``LerValidationError``, for everything that is wrong with issuer-supplied achievement data or
with a built credential. Its message names the offending field path
(``credential_subject.achievement.criteria: ...``) and never echoes values, so the admin API can render it
as a 400 ``error_description`` as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["FieldError", "LerValidationError", "format_path"]

PathItem = str | int

_MAX_REPORTED = 5


def format_path(path: Sequence[PathItem]) -> str:
    """``("credential_subject", "result", 0, "type")`` -> ``credential_subject.result[0].type``."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else item
    return out or "(root)"


@dataclass(frozen=True, slots=True)
class FieldError:
    path: tuple[PathItem, ...]
    reason: str

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.reason}"


class LerValidationError(ValueError):
    """Issuer input or a built credential does not satisfy the OB 3.0 / CLR 2.0 data model.

    ``errors`` keeps every problem found (paths as tuples); the message lists the first five.
    """

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors) or (FieldError((), "invalid"),)
        shown = "; ".join(str(e) for e in self.errors[:_MAX_REPORTED])
        more = len(self.errors) - _MAX_REPORTED
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))

    @classmethod
    def at(cls, path: Sequence[PathItem], reason: str) -> LerValidationError:
        return cls([FieldError(tuple(path), reason)])

    def remapped(self, move: Callable[[tuple[PathItem, ...]], tuple[PathItem, ...]]) -> LerValidationError:
        """The same errors with every path passed through ``move``."""
        return LerValidationError(FieldError(move(e.path), e.reason) for e in self.errors)

    def rebased(self, old: Sequence[PathItem], new: Sequence[PathItem]) -> LerValidationError:
        """The same errors with the leading ``old`` of each path (where present) replaced by ``new``."""
        n, old = len(old), tuple(old)
        return self.remapped(lambda path: (*new, *path[n:]) if path[:n] == old else path)
