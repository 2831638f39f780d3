"""Where the verifier checks get presentation requests and the credentials to present.

A presentation flow starts at the Verifier (OpenID4VP 1.0 §3), so a wallet-side suite needs a way to make the
Verifier produce requests:

- :class:`AdminApiRequests`: oid4vc's operator API (``POST /admin/presentations`` with a DCQL query asking for
  the credential the suite holds, ``response_mode`` and ``request_uri_method`` as a check wants); unlimited
  requests, and ``GET /admin/presentations/{id}`` tells what the Verifier concluded.
- :class:`CommandRequests`: any command that prints one fresh ``openid4vp://`` link (or JSON
  ``{"request_uri": ...}``) per run; it gets the suite's wishes in ``OID4VC_CONFORMANCE_*`` variables.
- :class:`FixedRequests`: links given with ``--request-uri``; checks needing more requests than that are skipped.

Credentials come from an issuer, through the suite's own OpenID4VCI wallet flow (:class:`IssuerCredentials`), or
from files with the holder's private key (:class:`FileCredentials`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.suite.context import SuiteContext
from conformance.suite.data_integrity import expanded_types
from conformance.suite.flow import IssuerOptions
from conformance.suite.http import HttpClient
from conformance.suite.model import Skip
from conformance.suite.offers import DEFAULT_SUBJECTS, AdminApiOffers
from conformance.suite.presenter import HeldCredential, disclosure_paths, split_sd_jwt
from conformance.suite.wallet import HolderKey, KeyForm, decode_jwt

__all__ = [
    "PRESENTABLE_FORMATS",
    "AdminApiRequests",
    "CommandRequests",
    "CredentialSource",
    "FileCredentials",
    "FixedRequests",
    "IssuerCredentials",
    "NoCredentials",
    "ObtainedRequest",
    "RequestSource",
    "RequestWanted",
    "credential_format_of",
    "suggested_query",
]

JsonObject = dict[str, Any]
PRESENTABLE_FORMATS = ("dc+sd-jwt", "jwt_vc_json", "ldp_vc")
QUERY_ID = "conformance"
# an Open Badge with a result: issuers that make results selectively disclosable (as oid4vc does) then give the
# SD-JWT VC a Disclosure for the suite to select
PRESENTATION_SUBJECTS: dict[str, JsonObject] = DEFAULT_SUBJECTS | {
    "*": DEFAULT_SUBJECTS["*"] | {"result": [{"type": ["Result"], "value": "A"}]},
}
_VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"


@dataclass(frozen=True, slots=True)
class RequestWanted:
    """What a check needs; ``None`` means "whatever the Verifier does by default"."""

    format: str | None = None
    dcql_query: JsonObject | None = None  # the query the suite suggests (asks for the credential it holds)
    response_mode: str | None = None  # "direct_post" / "direct_post.jwt"
    request_uri_method: str | None = None  # "post"


@dataclass(frozen=True, slots=True)
class ObtainedRequest:
    link: str  # openid4vp://... (or any URL carrying the request parameters)
    result_id: str | None = None  # the admin API's presentation id, for result lookups
    label: str = ""


class RequestSource(Protocol):
    """Produces presentation requests. ``unlimited`` sources satisfy any number of ``obtain`` calls and honour
    the wishes; ``has_results`` sources can say what the Verifier concluded."""

    description: str
    unlimited: bool
    has_results: bool

    async def obtain(self, want: RequestWanted) -> ObtainedRequest:
        """A new request, or raise Skip with the reason."""
        ...

    async def result(self, obtained: ObtainedRequest, *, wait: float = 2.0) -> JsonObject | None:
        """The Verifier's view of the request after the response (``status``: pending / verified / rejected),
        waiting up to ``wait`` seconds while it is pending."""
        ...


@dataclass(slots=True)
class AdminApiRequests:
    """oid4vc's ``POST /admin/presentations`` (README "Admin API", docs/verifier.md)."""

    http: HttpClient
    admin_url: str
    token: str
    description: str = "oid4vc admin API"
    unlimited: bool = True
    has_results: bool = True

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def obtain(self, want: RequestWanted) -> ObtainedRequest:
        if want.dcql_query is None:
            raise Skip("no credential to ask for (the suite holds none)")
        body: JsonObject = {"dcql_query": want.dcql_query}
        if want.response_mode:
            body["response_mode"] = want.response_mode
        if want.request_uri_method:
            body["request_uri_method"] = want.request_uri_method
        resp = await self.http.post_json(f"{self.admin_url.rstrip('/')}/presentations", body, headers=self._headers,
                                         purpose="admin")
        created = resp.json_object()
        if resp.status != 201 or created is None or not isinstance(created.get("request_uri"), str):
            reason = (created.get("error_description") or created.get("error")) if created else None
            raise Skip(f"the admin API did not create a presentation request: HTTP {resp.status} {reason or ''}")
        pid = created.get("id")
        return ObtainedRequest(created["request_uri"], pid if isinstance(pid, str) else None, "admin API")

    async def result(self, obtained: ObtainedRequest, *, wait: float = 2.0) -> JsonObject | None:
        if obtained.result_id is None:
            return None
        resp = await self.http.get(f"{self.admin_url.rstrip('/')}/presentations/{obtained.result_id}"
                                   f"?wait={wait:g}", headers=self._headers, purpose="admin")
        return resp.json_object() if resp.status == 200 else None


@dataclass(slots=True)
class CommandRequests:
    """Runs ``command`` (split like a shell would, never through one) for each request."""

    command: str
    timeout: float = 30.0
    description: str = "request command"
    unlimited: bool = True
    has_results: bool = False

    async def obtain(self, want: RequestWanted) -> ObtainedRequest:
        env = os.environ | {
            "OID4VC_CONFORMANCE_FORMAT": want.format or "",
            "OID4VC_CONFORMANCE_DCQL_QUERY": json.dumps(want.dcql_query) if want.dcql_query else "",
            "OID4VC_CONFORMANCE_RESPONSE_MODE": want.response_mode or "",
            "OID4VC_CONFORMANCE_REQUEST_URI_METHOD": want.request_uri_method or "",
        }
        proc = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
        )
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise Skip(f"the request command did not finish within {self.timeout:.0f} s") from None
        if proc.returncode != 0:
            raise Skip(f"the request command exited {proc.returncode}: {stderr.decode(errors='replace')[-300:]}")
        text = stdout.decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                raise Skip("the request command printed invalid JSON") from None
            link = data.get("request_uri") or data.get("link")
            if not isinstance(link, str):
                raise Skip("the request command's JSON has no request_uri string")
            return ObtainedRequest(link, None, "command")
        if not text:
            raise Skip("the request command printed nothing")
        return ObtainedRequest(text.splitlines()[0].strip(), None, "command")

    async def result(self, obtained: ObtainedRequest, *, wait: float = 2.0) -> JsonObject | None:
        return None


@dataclass(slots=True)
class FixedRequests:
    """Links given on the command line, each handed out once."""

    links: list[str]
    description: str = "request links given with --request-uri"
    unlimited: bool = False
    has_results: bool = False

    async def obtain(self, want: RequestWanted) -> ObtainedRequest:
        if not self.links:
            raise Skip("needs a fresh presentation request and the --request-uri links are used up "
                       "(pass --admin-token or --request-command for unlimited requests)")
        return ObtainedRequest(self.links.pop(0), None, "--request-uri")

    async def result(self, obtained: ObtainedRequest, *, wait: float = 2.0) -> JsonObject | None:
        return None


# -- credentials ----------------------------------------------------------------------------------------------


class CredentialSource(Protocol):
    @property
    def description(self) -> str: ...

    async def formats(self) -> list[str]:
        """The formats this source can provide, in preference order."""
        ...

    async def obtain(self, fmt: str) -> HeldCredential:
        """A credential in ``fmt`` bound to a key the suite holds, or raise Skip."""
        ...


@dataclass(slots=True)
class NoCredentials:
    description: str = "none (pass --issuer with --admin-token, or --credential and --holder-key)"

    async def formats(self) -> list[str]:
        return []

    async def obtain(self, fmt: str) -> HeldCredential:
        raise Skip(f"needs a {fmt} credential: {self.description}")


def _holder_form(fmt: str, methods: list[Any]) -> tuple[str, KeyForm]:
    """The holder key algorithm and how the key proof names it: an Ed25519 did:key for ldp_vc (its VP is signed
    with eddsa-rdfc-2022), a DID for jwt_vc_json (the VP-JWT kid), the bare JWK (``cnf.jwk``) for SD-JWT VC."""
    if fmt == "ldp_vc":
        return "EdDSA", "did:key"
    if fmt == "jwt_vc_json":
        return "ES256", "did:jwk" if "did:jwk" in methods or "did:key" not in methods else "did:key"
    return "ES256", "jwk"


@dataclass(slots=True)
class IssuerCredentials:
    """Credentials issued to the suite's wallet by an OpenID4VCI issuer with oid4vc's admin API (the suite's own
    issuer flow: offer, token, nonce, credential request with a ``jwt`` key proof)."""

    http: HttpClient
    issuer: str
    admin_token: str
    admin_url: str | None = None
    allow_http: bool = False
    config_ids: tuple[str, ...] = ()  # preferred configurations (the first one of each format is used)
    subjects: dict[str, JsonObject] = field(default_factory=lambda: dict(PRESENTATION_SUBJECTS))
    _ctx: SuiteContext | None = None

    @property
    def description(self) -> str:
        return f"issued by {self.issuer} (suite wallet, oid4vc admin API offers)"

    @property
    def ctx(self) -> SuiteContext:
        if self._ctx is None:
            admin_url = self.admin_url or self.issuer.rstrip("/") + "/admin"
            offers = AdminApiOffers(self.http, admin_url, self.admin_token, subjects=dict(self.subjects))
            self._ctx = SuiteContext(IssuerOptions(self.issuer, allow_http=self.allow_http), self.http, offers)
        return self._ctx

    async def _config_for(self, fmt: str) -> str:
        configs = await self.ctx.configurations()
        candidates = [cid for cid, conf in configs.items() if conf.get("format") == fmt]
        if not candidates:
            raise Skip(f"the issuer offers no {fmt} credential configuration")
        preferred = [c for c in self.config_ids if c in candidates]
        if preferred:
            return preferred[0]
        # an Open Badge first (the subjects the suite sends fit it), eddsa-rdfc-2022 before older ldp suites
        return min(candidates, key=lambda c: ("OpenBadge" not in c, "2020" in c, candidates.index(c)))

    async def formats(self) -> list[str]:
        try:
            configs = await self.ctx.configurations()
        except Skip:
            return []
        offered = {conf.get("format") for conf in configs.values()}
        return [f for f in PRESENTABLE_FORMATS if f in offered]

    async def obtain(self, fmt: str) -> HeldCredential:
        ctx = self.ctx
        cid = await self._config_for(fmt)
        conf = await ctx.config(cid)
        alg, form = _holder_form(fmt, list(conf.get("cryptographic_binding_methods_supported") or []))
        algs = ((conf.get("proof_types_supported") or {}).get("jwt") or {}).get("proof_signing_alg_values_supported")
        if isinstance(algs, list) and alg not in algs and not (alg == "EdDSA" and "Ed25519" in algs):
            raise Skip(f"{cid} does not accept {alg} key proofs, which the suite needs for {fmt}")
        key = HolderKey.generate(alg)
        token = await ctx.fresh_token(cid)
        proof = await ctx.proof(key, config_id=cid, key_form=form)
        resp = await ctx.credential_request(token, await ctx.request_body([proof], config_id=cid))
        items = (resp.json_object() or {}).get("credentials")
        values = [c.get("credential") for c in items if isinstance(c, dict)] if isinstance(items, list) else []
        if resp.status != 200 or not values:
            raise Skip(f"the issuer did not issue a {fmt} credential ({cid}): HTTP {resp.status} {resp.error or ''}")
        holder = None if form == "jwk" else (key.did_jwk if form == "did:jwk" else key.did_key)
        return HeldCredential(fmt, values[0], key, holder, f"{cid} from {self.issuer}")


def credential_format_of(value: Any) -> str:
    """``dc+sd-jwt`` for ``<JWT>~...``, ``jwt_vc_json`` for a JWT, ``ldp_vc`` for a JSON object."""
    if isinstance(value, dict):
        return "ldp_vc"
    if isinstance(value, str) and "~" in value:
        return "dc+sd-jwt"
    if isinstance(value, str) and value.count(".") == 2:
        return "jwt_vc_json"
    raise ValueError("not an SD-JWT, a JWT or a JSON-LD credential")


def _subject_id(fmt: str, value: Any) -> str | None:
    if fmt == "ldp_vc":
        vc = value
        sub = None
    else:
        _, claims = decode_jwt(str(value).split("~")[0])
        vc = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
        sub = claims.get("sub")
    subject = vc.get("credentialSubject") if isinstance(vc, dict) else None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    sid = subject.get("id") if isinstance(subject, dict) else None
    found = sid if isinstance(sid, str) else sub
    return found if isinstance(found, str) else None


@dataclass(slots=True)
class FileCredentials:
    """``--credential [FORMAT=]FILE`` (the credential as issued: an SD-JWT or JWT string, or a JSON-LD object)
    with ``--holder-key FILE`` (the private JWK it is bound to)."""

    files: list[tuple[str | None, Path]]
    holder_key: Path
    description: str = "credential files"
    _held: dict[str, HeldCredential] = field(default_factory=dict)

    def _load(self) -> dict[str, HeldCredential]:
        if self._held:
            return self._held
        jwk = json.loads(self.holder_key.read_text(encoding="utf-8"))
        key = HolderKey.from_jwk(jwk)
        for fmt, path in self.files:
            text = path.read_text(encoding="utf-8").strip()
            value: Any = json.loads(text) if text.startswith(("{", '"')) else text
            detected = fmt or credential_format_of(value)
            holder = None if detected == "dc+sd-jwt" else _subject_id(detected, value)
            self._held.setdefault(detected, HeldCredential(detected, value, key, holder, str(path)))
        return self._held

    async def formats(self) -> list[str]:
        return [f for f in PRESENTABLE_FORMATS if f in self._load()]

    async def obtain(self, fmt: str) -> HeldCredential:
        held = self._load().get(fmt)
        if held is None:
            raise Skip(f"no {fmt} credential was given with --credential")
        return held


# -- the DCQL query the suite suggests ------------------------------------------------------------------------


def _w3c_vc(held: HeldCredential) -> JsonObject:
    if held.format == "ldp_vc":
        return dict(held.credential)
    _, claims = decode_jwt(str(held.credential))
    vc = claims.get("vc")
    return vc if isinstance(vc, dict) else claims


def suggested_query(held: HeldCredential) -> JsonObject:
    """A DCQL query (§6) for exactly the credential the suite holds: ``vct_values`` / expanded ``type_values``,
    and one claim -- a selectively disclosable one for SD-JWT VC (so Disclosures and ``sd_hash`` are exercised),
    the achievement name of an Open Badge for the W3C formats."""
    query: JsonObject = {"id": QUERY_ID, "format": held.format}
    if held.format == "dc+sd-jwt":
        issuer_jwt, disclosures = split_sd_jwt(str(held.credential))
        _, payload = decode_jwt(issuer_jwt)
        query["meta"] = {"vct_values": [payload.get("vct")]} if isinstance(payload.get("vct"), str) else {}
        paths = [p for p, _ in disclosure_paths(issuer_jwt, disclosures) if all(isinstance(c, str) for c in p)]
        if paths:
            query["claims"] = [{"path": list(paths[0])}]
    else:
        vc = _w3c_vc(held)
        try:
            types = expanded_types(vc)
        except ValueError:
            types = []
        query["meta"] = {"type_values": [types or [_VC_TYPE]]}
        subject = vc.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if isinstance(achievement, dict) and "name" in achievement:
            query["claims"] = [{"path": ["credentialSubject", "achievement", "name"]}]
    return {"credentials": [query]}
