"""Reading a Verifier's Authorization Request as a wallet does (OpenID4VP 1.0 §5, §5.10, §6, §9).

- The link (§9): ``openid4vp://?client_id=...&request_uri=...[&request_uri_method=post]`` (any scheme, or an
  https URL) for a request by reference, or the request parameters themselves by value (JSON-valued ones such as
  ``dcql_query`` and ``client_metadata`` JSON-serialized, §5.1); a ``request`` parameter is a Request Object
  by value (RFC 9101).
- The Request Object (§5.10.1): a compact JWS whose claims are the request parameters.
- DCQL (§6): a structural validator that names every problem it finds, and helpers to pick a Credential Query.
- Nonce entropy (§5.2: fresh, URL-safe characters; the errata recommend at least 128 bits).

Everything here is pure; fetching happens in ``vp_context``.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance.suite.http import HttpResponse
from conformance.suite.wallet import decode_jwt

__all__ = [
    "CLIENT_ID_PREFIXES",
    "JSON_PARAMETERS",
    "REQUEST_OBJECT_MEDIA_TYPE",
    "REQUEST_OBJECT_TYP",
    "STATIC_AUDIENCE",
    "URL_SAFE",
    "FetchedRequest",
    "RequestLink",
    "client_id_prefix",
    "credential_queries",
    "dcql_problems",
    "decode_by_value",
    "estimated_entropy_bits",
    "parse_request_link",
    "query_for_format",
    "read_request_object",
]

JsonObject = dict[str, Any]
REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA_TYPE = "application/oauth-authz-req+jwt"
STATIC_AUDIENCE = "https://self-issued.me/v2"
URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
JSON_PARAMETERS = frozenset({"dcql_query", "client_metadata", "transaction_data", "verifier_info"})
CLIENT_ID_PREFIXES = frozenset(
    {
        "redirect_uri",
        "x509_san_dns",
        "x509_hash",
        "decentralized_identifier",
        "verifier_attestation",
        "openid_federation",
        "origin",
    }
)
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_W3C_FORMATS = frozenset({"jwt_vc_json", "ldp_vc", "jwt_vc_json-ld"})


def client_id_prefix(client_id: str) -> tuple[str | None, str]:
    """§5.9.1: (prefix, original id); (None, client_id) for a pre-registered client (no known prefix)."""
    head, sep, rest = client_id.partition(":")
    if sep and head in CLIENT_ID_PREFIXES:
        return head, rest
    return None, client_id


@dataclass(frozen=True, slots=True)
class RequestLink:
    """The parameters of a wallet invocation link (§5.10, §9)."""

    link: str
    parameters: dict[str, str]

    @property
    def client_id(self) -> str | None:
        return self.parameters.get("client_id")

    @property
    def request_uri(self) -> str | None:
        return self.parameters.get("request_uri")

    @property
    def request_uri_method(self) -> str | None:
        return self.parameters.get("request_uri_method")

    @property
    def by_reference(self) -> bool:
        return self.request_uri is not None


def parse_request_link(link: str) -> RequestLink:
    """Raises ValueError when the link has no query or a parameter repeats."""
    query = parse_qs(urlsplit(link.strip()).query, keep_blank_values=True)
    if not query:
        raise ValueError("the link carries no request parameters")
    repeated = sorted(k for k, v in query.items() if len(v) > 1)
    if repeated:
        raise ValueError(f"parameters appear more than once: {', '.join(repeated)}")
    return RequestLink(link.strip(), {k: v[0] for k, v in query.items()})


@dataclass(frozen=True, slots=True)
class FetchedRequest:
    """A request as the suite received it: by reference (``response`` is the Request URI answer, ``token`` the
    Request Object) or by value. ``error`` says why it could not be read; ``params`` is then empty."""

    link: RequestLink
    method: str  # "get" / "post" (fetched from request_uri) or "value"
    response: HttpResponse | None = None
    token: str | None = None
    header: JsonObject = field(default_factory=dict)
    params: JsonObject = field(default_factory=dict)
    wallet_nonce: str | None = None  # what the suite POSTed (request_uri_method=post)
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None

    def string(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if isinstance(value, str) else None

    @property
    def client_id(self) -> str | None:
        return self.string("client_id")

    @property
    def response_mode(self) -> str | None:
        return self.string("response_mode")

    @property
    def response_uri(self) -> str | None:
        return self.string("response_uri")

    @property
    def nonce(self) -> str | None:
        return self.string("nonce")

    @property
    def state(self) -> str | None:
        return self.string("state")

    @property
    def client_metadata(self) -> JsonObject:
        value = self.params.get("client_metadata")
        return value if isinstance(value, dict) else {}

    @property
    def dcql_query(self) -> JsonObject | None:
        value = self.params.get("dcql_query")
        return value if isinstance(value, dict) else None

    def encryption_keys(self) -> list[JsonObject]:
        """``client_metadata.jwks`` keys usable for response encryption (§8.3: ``use`` absent or ``enc``)."""
        jwks = self.client_metadata.get("jwks")
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(keys, list):
            return []
        return [k for k in keys if isinstance(k, dict) and k.get("use", "enc") == "enc"]

    def enc_values(self) -> list[str]:
        """``encrypted_response_enc_values_supported`` (default ``A128GCM``, §5.1)."""
        values = self.client_metadata.get("encrypted_response_enc_values_supported")
        if isinstance(values, list) and values:
            return [v for v in values if isinstance(v, str)]
        return ["A128GCM"]


def decode_by_value(parameters: dict[str, str]) -> JsonObject:
    """The request parameters of a by-value link, JSON-valued ones decoded (undecodable ones stay strings)."""
    out: JsonObject = {}
    for name, value in parameters.items():
        if name in JSON_PARAMETERS:
            try:
                out[name] = json.loads(value)
            except ValueError:
                out[name] = value
        else:
            out[name] = value
    return out


def read_request_object(link: RequestLink, method: str, response: HttpResponse | None, token: str,
                        wallet_nonce: str | None = None) -> FetchedRequest:
    """A FetchedRequest from a Request Object ``token`` (compact JWS)."""
    if token.strip().count(".") == 4:
        return FetchedRequest(link, method, response, token, wallet_nonce=wallet_nonce,
                              error="the Request Object is encrypted (JWE), but the suite offered no encryption key")
    try:
        header, claims = decode_jwt(token.strip())
    except ValueError as exc:
        return FetchedRequest(link, method, response, token, error=f"the Request Object is not a compact JWS: {exc}",
                              wallet_nonce=wallet_nonce)
    return FetchedRequest(link, method, response, token.strip(), header, claims, wallet_nonce)


# -- DCQL (§6) -------------------------------------------------------------------------------------------------


def credential_queries(query: JsonObject | None) -> list[JsonObject]:
    items = query.get("credentials") if isinstance(query, dict) else None
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def query_for_format(query: JsonObject | None, formats: Iterable[str]) -> JsonObject | None:
    """The first Credential Query asking for one of ``formats``."""
    wanted = set(formats)
    return next((c for c in credential_queries(query) if c.get("format") in wanted), None)


def _path_problem(path: Any, fmt: Any) -> str | None:
    if not isinstance(path, list) or not path:
        return "path must be a non-empty array"
    for component in path:
        ok = component is None or isinstance(component, str) or (
            isinstance(component, int) and not isinstance(component, bool) and component >= 0
        )
        if not ok:
            return "path components are strings, null or non-negative integers (§7)"
    if fmt == "mso_mdoc" and (len(path) < 2 or not all(isinstance(c, str) for c in path[:2])):
        return "an mso_mdoc path starts with namespace and element identifier (§7.2)"
    return None


def _claims_problems(where: str, cq: JsonObject) -> list[str]:
    problems: list[str] = []
    claims = cq.get("claims")
    if claims is None:
        if "claim_sets" in cq:
            problems.append(f"{where}: claim_sets must not be present without claims (§6.1)")
        return problems
    if not isinstance(claims, list) or not claims:
        return [f"{where}: claims must be a non-empty array (§6.1)"]
    ids: list[str] = []
    paths: list[str] = []
    for j, claim in enumerate(claims):
        at = f"{where}.claims[{j}]"
        if not isinstance(claim, dict):
            problems.append(f"{at} is not an object")
            continue
        problem = _path_problem(claim.get("path"), cq.get("format"))
        if problem:
            problems.append(f"{at}: {problem}")
        else:
            paths.append(json.dumps(claim["path"]))
        if "id" in claim:
            if not isinstance(claim["id"], str) or not _ID.match(claim["id"]):
                problems.append(f"{at}: id must be a non-empty string of A-Z a-z 0-9 _ - (§6.3)")
            else:
                ids.append(claim["id"])
        elif "claim_sets" in cq:
            problems.append(f"{at}: id is required when claim_sets is present (§6.3)")
        values = claim.get("values")
        if values is not None and (
            not isinstance(values, list) or not values or not all(isinstance(v, str | int | bool) for v in values)
        ):
            problems.append(f"{at}: values must be a non-empty array of strings, integers or booleans (§6.3)")
    if len(set(ids)) != len(ids):
        problems.append(f"{where}: claim ids must be unique within the claims array (§6.3)")
    if len(set(paths)) != len(paths):
        problems.append(f"{where}: two claims queries point to the same claim (§6.1)")
    claim_sets = cq.get("claim_sets")
    if claim_sets is not None and (not isinstance(claim_sets, list) or not claim_sets or not all(
        isinstance(s, list) and s and all(i in ids for i in s) for s in claim_sets
    )):
        problems.append(f"{where}: claim_sets must be a non-empty array of non-empty arrays of claim ids (§6.1)")
    return problems


def _meta_problems(where: str, cq: JsonObject) -> list[str]:
    meta = cq.get("meta")
    fmt = cq.get("format")
    if not isinstance(meta, dict):
        return [f"{where}: meta is REQUIRED and must be an object (§6.1)"]
    if fmt == "dc+sd-jwt":
        vct = meta.get("vct_values")
        if not isinstance(vct, list) or not vct or not all(isinstance(v, str) for v in vct):
            return [f"{where}: meta.vct_values must be a non-empty array of strings (App. B.3.5)"]
    elif fmt in _W3C_FORMATS:
        types = meta.get("type_values")
        if not isinstance(types, list) or not types or not all(
            isinstance(t, list) and t and all(isinstance(s, str) for s in t) for t in types
        ):
            return [f"{where}: meta.type_values must be a non-empty array of non-empty arrays of strings (App. B.1.1)"]
    elif fmt == "mso_mdoc" and not isinstance(meta.get("doctype_value"), str):
        return [f"{where}: meta.doctype_value must be a string (App. B.2.3)"]
    return []


def _credential_query_problems(i: int, cq: Any, seen: set[str]) -> list[str]:
    where = f"credentials[{i}]"
    if not isinstance(cq, dict):
        return [f"{where} is not an object"]
    problems: list[str] = []
    cid = cq.get("id")
    if not isinstance(cid, str) or not _ID.match(cid):
        problems.append(f"{where}: id must be a non-empty string of A-Z a-z 0-9 _ - (§6.1)")
    elif cid in seen:
        problems.append(f"{where}: id {cid!r} is not unique (§6.1)")
    else:
        seen.add(cid)
    if not isinstance(cq.get("format"), str) or not cq.get("format"):
        problems.append(f"{where}: format must be a non-empty string (§6.1)")
    for flag in ("multiple", "require_cryptographic_holder_binding"):
        if flag in cq and not isinstance(cq[flag], bool):
            problems.append(f"{where}: {flag} must be a boolean (§6.1)")
    authorities = cq.get("trusted_authorities")
    if authorities is not None and (
        not isinstance(authorities, list)
        or not authorities
        or not all(
            isinstance(a, dict) and isinstance(a.get("type"), str) and isinstance(a.get("values"), list)
            and a["values"] and all(isinstance(v, str) for v in a["values"])
            for a in authorities
        )
    ):
        problems.append(f"{where}: trusted_authorities must be a non-empty array of {{type, values}} (§6.1.1)")
    return problems + _meta_problems(where, cq) + _claims_problems(where, cq)


def dcql_problems(query: Any) -> list[str]:
    """Every structural problem of a DCQL query (§6.1-§6.3); an empty list when it is well-formed. Unknown
    properties are allowed (§6: they MUST be ignored)."""
    if not isinstance(query, dict):
        return ["dcql_query must be a JSON object (§5.1)"]
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        return ["credentials must be a non-empty array of Credential Queries (§6)"]
    seen: set[str] = set()
    problems: list[str] = []
    for i, cq in enumerate(credentials):
        problems += _credential_query_problems(i, cq, seen)
    sets = query.get("credential_sets")
    if sets is not None:
        if not isinstance(sets, list) or not sets:
            problems.append("credential_sets must be a non-empty array (§6.2)")
        else:
            for i, item in enumerate(sets):
                options = item.get("options") if isinstance(item, dict) else None
                if not isinstance(options, list) or not options or not all(
                    isinstance(o, list) and o and all(x in seen for x in o) for o in options
                ):
                    problems.append(f"credential_sets[{i}].options must be a non-empty array of non-empty arrays of "
                                    "credential query ids (§6.2)")
                if isinstance(item, dict) and "required" in item and not isinstance(item["required"], bool):
                    problems.append(f"credential_sets[{i}].required must be a boolean (§6.2)")
    return problems


# -- nonce / state entropy -------------------------------------------------------------------------------------

_ALPHABETS = (
    (frozenset(string.digits), 10),
    (frozenset(string.hexdigits.lower()), 16),
    (frozenset(string.hexdigits.upper() + string.digits), 16),
    (frozenset(string.ascii_letters + string.digits), 62),
    (frozenset(string.ascii_letters + string.digits + "-_"), 64),
    (frozenset(string.ascii_letters + string.digits + "-._~"), 66),
)


def estimated_entropy_bits(value: str) -> float:
    """An upper estimate of the entropy of a random value: length x log2(size of the smallest usual alphabet
    holding its characters), capped by the characters actually repeating far more than chance allows."""
    if not value:
        return 0.0
    chars = set(value)
    size = next((n for alphabet, n in _ALPHABETS if chars <= alphabet), max(len(chars), 2))
    if len(value) >= 16 and len(chars) <= 2:  # "aaaa...": no entropy however long
        return math.log2(size)
    return len(value) * math.log2(size)
