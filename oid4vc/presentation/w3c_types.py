"""Fully expanded credential ``type`` values for DCQL ``type_values`` (OpenID4VP 1.0 App. B.1.1).

``type_values`` holds *fully expanded* type IRIs, "after applying the ``@context``"; a type no context defines
stays as it is (a relative IRI). The App. B.1.1 text allows "alternative mechanisms ... as long as the results
are equivalent to those produced by JSON-LD processing". ``expanded_types`` is such a mechanism for the
contexts this server bundles: a table of the credential type terms each of them defines (read from
``oid4vc/formats/contexts``), plus the ``@vocab`` of the two VC 2.0 contexts that have one. JSON-LD lets a later
context redefine a term, so contexts are applied in order.

Limit: a type term defined by a context that is not in the table (or by an inline context object) is left
unexpanded, which differs from JSON-LD. ``ldp_vc`` verification runs real JSON-LD and can supply exact types.
"""

from __future__ import annotations

from collections.abc import Iterable

from oid4vc.jose import JsonObject

__all__ = ["CONTEXT_TYPE_TERMS", "expanded_types", "matches_type_values"]

_VC = "https://www.w3.org/2018/credentials#"
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_CLR = "https://purl.imsglobal.org/spec/vc/clr/vocab.html#"
_STATUS = "https://www.w3.org/ns/credentials/status#"
_EX1 = "https://example.org/examples#"

_VC1 = {"VerifiableCredential": _VC + "VerifiableCredential", "VerifiablePresentation": _VC + "VerifiablePresentation"}
_VC2 = _VC1 | {
    "EnvelopedVerifiableCredential": _VC + "EnvelopedVerifiableCredential",
    "EnvelopedVerifiablePresentation": _VC + "EnvelopedVerifiablePresentation",
    "JsonSchemaCredential": _VC + "JsonSchemaCredential",
    "BitstringStatusListCredential": _STATUS + "BitstringStatusListCredential",
}
# OB 3.0 contexts define AchievementCredential as an alias of the OpenBadgeCredential term.
_OB3 = {
    "OpenBadgeCredential": _OB + "OpenBadgeCredential",
    "AchievementCredential": _OB + "OpenBadgeCredential",
    "EndorsementCredential": _OB + "EndorsementCredential",
}
_CLR2 = {"ClrCredential": _CLR + "ClrCredential"}
_EXAMPLES1 = {
    name: _EX1 + name
    for name in (
        "AlumniCredential",
        "BachelorDegree",
        "DisputeCredential",
        "PrescriptionCredential",
        "RelationshipCredential",
        "UniversityDegreeCredential",
    )
}

# Context URL -> credential type terms it defines.
CONTEXT_TYPE_TERMS: dict[str, dict[str, str]] = {
    "https://www.w3.org/2018/credentials/v1": _VC1,
    "https://www.w3.org/ns/credentials/v2": _VC2,
    "https://www.w3.org/2018/credentials/examples/v1": _EXAMPLES1,
    "https://www.w3.org/ns/credentials/status/v1": {
        "BitstringStatusListCredential": _STATUS + "BitstringStatusListCredential"
    },
    "https://w3id.org/vc/status-list/2021/v1": {
        "StatusList2021Credential": "https://w3id.org/vc/status-list#StatusList2021Credential"
    },
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": _OB3,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": _OB3,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": _OB3,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": _OB3,
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": _CLR2,
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": _CLR2,
}
_VOCAB = {
    "https://www.w3.org/ns/credentials/examples/v2": "https://www.w3.org/ns/credentials/examples#",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "https://www.w3.org/ns/credentials/undefined-term#",
}


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def expanded_types(credential: JsonObject) -> tuple[str, ...]:
    """The credential's ``type`` values expanded with the bundled context table (see module docstring)."""
    terms: dict[str, str] = {}
    vocab: str | None = None
    for context in _as_list(credential.get("@context", [])):
        if not isinstance(context, str):
            continue
        terms |= CONTEXT_TYPE_TERMS.get(context, {})
        vocab = _VOCAB.get(context, vocab)
    out: list[str] = []
    for value in _as_list(credential.get("type", [])):
        if not isinstance(value, str):
            continue
        if value in terms:
            out.append(terms[value])
        elif vocab is not None and ":" not in value:
            out.append(vocab + value)
        else:
            out.append(value)
    return tuple(out)


def matches_type_values(types: Iterable[str], type_values: Iterable[Iterable[str]]) -> bool:
    """App. B.1.1: some alternative (inner array) is a subset of ``types``, regardless of order or extras."""
    present = set(types)
    return any(set(alternative) <= present for alternative in type_values)
