"""Does a verified response satisfy the DCQL query? (OpenID4VP 1.0 §6.4, §8.1, §8.6 step 2.2 and 3, §14.9).

The Verifier re-checks everything itself and never trusts wallet-side enforcement (§14.9 "Security Checks on
the Returned Credentials and Presentations"). Input: per Credential Query id, the Presentations that passed
their format checks, each reduced to a ``PresentedCredential``. Rules:

- every key names a Credential Query, every array is non-empty, and holds one Presentation unless ``multiple``
  is true (§8.1) -- otherwise the VP Token is rejected;
- a Presentation matches its query when the format is the query's, ``meta`` matches (``vct_values`` exact
  match, B.3.5; some ``type_values`` alternative is a subset of the expanded types, B.1.1; ``doctype_value``,
  B.2.3), a Holder Binding proof was verified unless ``require_cryptographic_holder_binding`` is false (§6.1),
  ``trusted_authorities`` of type ``aki`` match when every entry is of that type (§6.1.1; the other types are
  the Verifier's own trust policy), and the requested claims are there: all ``claims`` without ``claim_sets``,
  otherwise the first satisfiable ``claim_sets`` option (§6.4.1); with ``values``, type and value must match
  exactly (§6.3). A Presentation that does not match is discarded (§8.6);
- without ``credential_sets`` every Credential Query is required (§6.4.2); with them every required set needs
  one option whose queries all matched. Queries that no set references are treated as required (§6.4.2 does not
  say; see openid/OpenID4VP#433); failing overall checks rejects the VP Token (§8.6).

``vct`` inheritance (SD-JWT VC ``extends``) is not followed: ``vct`` must be one of ``vct_values``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from oid4vc.jose import JsonObject
from oid4vc.presentation.claims_path import ClaimsPathError, ClaimsPathPointer, find, select_mdoc
from oid4vc.presentation.dcql import FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, ClaimsQuery, CredentialQuery, DcqlQuery
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.w3c_types import matches_type_values

__all__ = [
    "DcqlEvaluation",
    "DcqlRejection",
    "DisclosedClaim",
    "MismatchReason",
    "PresentationMatch",
    "PresentationMismatch",
    "PresentedCredential",
    "RejectionReason",
    "evaluate_dcql",
]

MismatchReason = Literal[
    "format_mismatch", "meta_mismatch", "holder_binding_missing", "untrusted_authority", "claims_missing"
]
RejectionReason = Literal[
    "unknown_credential_query",
    "empty_presentations",
    "multiple_not_allowed",
    "credential_query_unsatisfied",
    "credential_set_unsatisfied",
]


@dataclass(frozen=True, slots=True)
class PresentedCredential:
    """One verified Presentation, reduced to what DCQL looks at.

    ``claims`` is what claims path pointers run against: the Processed SD-JWT Payload (``dc+sd-jwt``), the
    Verifiable Credential itself, not the Presentation (W3C formats, App. B.1.2), or ``{namespace: {element:
    value}}`` (``mso_mdoc``). ``types`` are the fully expanded W3C types (see ``w3c_types.expanded_types``).
    ``holder_bound`` is true only when a Holder Binding proof (KB-JWT, VP signature, DI authentication proof)
    was verified against this request's nonce and client id.
    """

    format: str
    claims: JsonObject
    vct: str | None = None
    types: tuple[str, ...] = ()
    doctype: str | None = None
    issuer: str | None = None
    holder_bound: bool = True
    authority_key_ids: frozenset[str] = field(default_factory=frozenset)  # base64url AKIs in the x5c chain


@dataclass(frozen=True, slots=True)
class DisclosedClaim:
    id: str | None
    path: ClaimsPathPointer
    values: tuple[Any, ...]  # the selected JSON values (those matching ``values`` when it was given)


@dataclass(frozen=True, slots=True)
class PresentationMatch:
    credential_query_id: str
    index: int  # position in the vp_token array for this query
    claim_set: tuple[str, ...] | None  # the claim_sets option satisfied; None without claim_sets
    claims: tuple[DisclosedClaim, ...]
    issuer: str | None


@dataclass(frozen=True, slots=True)
class PresentationMismatch:
    credential_query_id: str
    index: int
    reason: MismatchReason
    message: str


@dataclass(frozen=True, slots=True)
class DcqlRejection:
    reason: RejectionReason
    message: str
    credential_query_id: str | None = None


@dataclass(frozen=True, slots=True)
class DcqlEvaluation:
    matches: tuple[PresentationMatch, ...]
    discarded: tuple[PresentationMismatch, ...]
    rejection: DcqlRejection | None

    @property
    def ok(self) -> bool:
        return self.rejection is None

    def for_query(self, credential_query_id: str) -> tuple[PresentationMatch, ...]:
        return tuple(m for m in self.matches if m.credential_query_id == credential_query_id)

    def raise_for_rejection(self) -> None:
        if self.rejection is not None:
            raise InvalidPresentationError(self.rejection.reason, self.rejection.message)


def _same(a: object, b: object) -> bool:
    """§6.3: "the type and value of the claim both match exactly" (so True != 1 and 1 != 1.0)."""
    return type(a) is type(b) and a == b


def _disclosed(claim: ClaimsQuery, presented: PresentedCredential) -> DisclosedClaim | None:
    if presented.format == FORMAT_MSO_MDOC:
        try:
            selected = [select_mdoc(presented.claims, claim.path)]
        except ClaimsPathError:
            selected = []
    else:
        selected = find(presented.claims, claim.path)
    if claim.values is not None:
        selected = [v for v in selected if any(_same(v, wanted) for wanted in claim.values)]
    return DisclosedClaim(claim.id, claim.pointer, tuple(selected)) if selected else None


def _meta_matches(query: CredentialQuery, presented: PresentedCredential) -> bool:
    if query.format == FORMAT_DC_SD_JWT:
        return presented.vct in query.vct_values
    if query.format == FORMAT_MSO_MDOC:
        return presented.doctype == query.doctype_value
    if query.type_values:
        return matches_type_values(presented.types, query.type_values)
    return True


def _authority_matches(query: CredentialQuery, presented: PresentedCredential) -> bool:
    authorities = query.trusted_authorities or []
    if not authorities or any(a.type != "aki" for a in authorities):
        return True
    return any(value in presented.authority_key_ids for a in authorities for value in a.values)


def _match(
    query: CredentialQuery, index: int, presented: PresentedCredential
) -> PresentationMatch | PresentationMismatch:
    def mismatch(reason: MismatchReason, message: str) -> PresentationMismatch:
        return PresentationMismatch(query.id, index, reason, message)

    if presented.format != query.format:
        return mismatch("format_mismatch", f"format is not {query.format}")
    if not _meta_matches(query, presented):
        return mismatch("meta_mismatch", "the credential type does not match meta")
    if query.require_cryptographic_holder_binding and not presented.holder_bound:
        return mismatch("holder_binding_missing", "a Holder Binding proof is required")
    if not _authority_matches(query, presented):
        return mismatch("untrusted_authority", "the issuer chain matches no trusted_authorities entry")
    claims = query.claims or []
    found = {id(c): _disclosed(c, presented) for c in claims}
    if query.claim_sets is None:
        missing = [c for c in claims if found[id(c)] is None]
        if missing:
            what = "has no matching value" if missing[0].values is not None else "was not disclosed"
            return mismatch("claims_missing", f"requested claim {list(missing[0].path)} {what}")
        disclosed = tuple(d for d in found.values() if d is not None)
        return PresentationMatch(query.id, index, None, disclosed, presented.issuer)
    for claim_set in query.claim_sets:
        chosen = [found[id(query.claim(claim_id))] for claim_id in claim_set]
        if all(d is not None for d in chosen):
            disclosed = tuple(d for d in chosen if d is not None)
            return PresentationMatch(query.id, index, tuple(claim_set), disclosed, presented.issuer)
    return mismatch("claims_missing", "no claim_sets option is satisfied")


def evaluate_dcql(query: DcqlQuery, presented: Mapping[str, Sequence[PresentedCredential]]) -> DcqlEvaluation:
    """Check the verified Presentations of one VP Token against ``query`` (see module docstring)."""
    matches: list[PresentationMatch] = []
    discarded: list[PresentationMismatch] = []

    def done(rejection: DcqlRejection | None) -> DcqlEvaluation:
        return DcqlEvaluation(tuple(matches), tuple(discarded), rejection)

    for key, items in presented.items():  # §8.1: the shape of the VP Token
        credential_query = query.credential(key)
        if credential_query is None:
            return done(DcqlRejection("unknown_credential_query", "vp_token has an unknown credential query id"))
        if not items:
            return done(DcqlRejection("empty_presentations", f"vp_token.{key} must be a non-empty array", key))
        if len(items) > 1 and not credential_query.multiple:
            return done(DcqlRejection("multiple_not_allowed", f"vp_token.{key} must hold one presentation", key))
    for credential_query in query.credentials:
        for index, item in enumerate(presented.get(credential_query.id, ())):
            outcome = _match(credential_query, index, item)
            if isinstance(outcome, PresentationMatch):
                matches.append(outcome)
            else:
                discarded.append(outcome)
    satisfied = {m.credential_query_id for m in matches}

    def unsatisfied(query_id: str) -> DcqlRejection:
        why = next((f": {d.reason}" for d in discarded if d.credential_query_id == query_id), "")
        message = f"credential query {query_id} is not satisfied{why}"
        return DcqlRejection("credential_query_unsatisfied", message, query_id)

    referenced = {i for s in query.credential_sets or [] for option in s.options for i in option}
    for credential_query in query.credentials:  # §6.4.2: all queries without sets; unreferenced ones with sets
        if credential_query.id not in referenced and credential_query.id not in satisfied:
            return done(unsatisfied(credential_query.id))
    for position, credential_set in enumerate(query.credential_sets or []):
        if credential_set.required and not any(set(option) <= satisfied for option in credential_set.options):
            return done(DcqlRejection("credential_set_unsatisfied", f"credential_sets[{position}] is not satisfied"))
    return done(None)
