"""Subject templates for bulk issuance: a JSON ``credential_subject`` (OpenID4VCI 1.0 §4.1 offer input, OB 3.0
#achievementsubject) whose string values may hold ``{{column}}`` placeholders, filled from each roster row.

The template is parsed as JSON first and placeholders are replaced inside the parsed string values, never in the
raw text, so a value with quotes, backslashes or braces cannot change the document's structure. Substitution is
one pass: a value that itself contains ``{{x}}`` is inserted literally and not expanded again. Object keys are
never templated. Every placeholder must name a roster column (checked once, before anything is sent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from oid4vc.jose import JsonObject

__all__ = ["PLACEHOLDER", "SubjectTemplate", "TemplateError"]

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class TemplateError(ValueError):
    """The template is not a JSON object, or names a column the roster does not have."""


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    return node


@dataclass(frozen=True, slots=True)
class SubjectTemplate:
    document: JsonObject
    placeholders: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> SubjectTemplate:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise TemplateError(f"the subject template is not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise TemplateError("the subject template must be a JSON object (the credential_subject)")
        names = {m.group(1) for s in _strings(document) for m in PLACEHOLDER.finditer(s)}
        if "" in names:
            raise TemplateError("empty placeholder {{}} in the subject template")
        return cls(document=document, placeholders=frozenset(names))

    def check_columns(self, columns: Collection[str]) -> None:
        unknown = sorted(self.placeholders - set(columns))
        if unknown:
            raise TemplateError(f"the subject template uses column(s) the roster lacks: {', '.join(unknown)}")

    def fill(self, values: Mapping[str, str]) -> JsonObject:
        """A fresh subject with every placeholder replaced by the row's value (raises KeyError for an unknown
        column: call :meth:`check_columns` first)."""
        filled: JsonObject = _fill(self.document, values)
        return filled
