"""Inbound message base (STYLE rule 2): parse at the edge, then pass models inward.

``parse_message`` turns a pydantic ``ValidationError`` into the protocol error the caller names, listing the
offending fields but never their values (values may be codes, PINs or proofs).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from oid4vc.errors import InvalidRequestError, ProtocolError

__all__ = ["Message", "describe_validation_error", "parse_message"]

M = TypeVar("M", bound="Message")


class Message(BaseModel):
    """A wire message: unknown members are kept (and ignored), instances are frozen."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=False, strict=True)


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_message(
    model: type[M], data: Any, *, error: type[ProtocolError] = InvalidRequestError
) -> M:
    if not isinstance(data, dict):
        raise error("request body must be a JSON object or form")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(describe_validation_error(exc)) from None
