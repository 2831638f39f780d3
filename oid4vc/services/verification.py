"""OpenID4VP 1.0 Verifier use-cases: create a presentation request, serve its Request Object, receive the
wallet's response, verify it and keep a result a person can read.

Per response (§8.6 and App. B): decrypt (``direct_post.jwt``), parse ``vp_token`` per credential query, verify each
presentation per format -- SD-JWT VC with a KB-JWT bound to this request's ``nonce`` and ``client_id`` (RFC 9901
§7.3), a VP-JWT over ``jwt_vc_json``, an ``ldp_vp`` Data Integrity presentation over ``ldp_vc`` -- then validity,
status, trust and the Open Badges schema per credential (``CredentialVerifier``), then evaluate the DCQL query. The
first response completes the request atomically; a replay, a late answer or a response for another request
(another nonce) is rejected.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oid4vc.clock import Clock
from oid4vc.config import Settings
from oid4vc.crypto.base import JwsVerifier, RawVerifier
from oid4vc.crypto.jwcrypto import decrypt_response, new_encryption_key
from oid4vc.errors import InvalidRequestError, NotFoundError
from oid4vc.formats.base import IssuerKey
from oid4vc.formats.sd_jwt import KeyBindingCheck
from oid4vc.jose import JsonObject, Jwk, public_jwk
from oid4vc.ler import summarize
from oid4vc.presentation.client_id import VerifierIdentity
from oid4vc.presentation.dcql import DcqlQuery, parse_dcql_query
from oid4vc.presentation.dcql_match import PresentedCredential, evaluate_dcql
from oid4vc.presentation.errors import InvalidDcqlQueryError, InvalidPresentationError
from oid4vc.presentation.request import (
    AuthorizationRequest,
    PresentationCreate,
    VpFormatPolicy,
    create_authorization_request,
    new_nonce,
    parse_request_uri_post,
    wallet_link,
)
from oid4vc.presentation.response import AuthorizationErrorResponse, parse_authorization_response
from oid4vc.presentation.verify_jwt_vp import verify_jwt_vp
from oid4vc.presentation.verify_ldp_vp import verify_ldp_vp
from oid4vc.presentation.w3c_types import expanded_types
from oid4vc.services.credential_verification import (
    Check,
    CredentialVerifier,
    VerifiedCredential,
    issuer_trusted,
    parse_time,
)
from oid4vc.services.events import Event, EventBus
from oid4vc.services.key_resolution import KeyResolver
from oid4vc.services.randomness import Randomness
from oid4vc.store.base import PresentationRecord, PresentationStatus, PresentationStore

__all__ = ["CreatedPresentation", "VerifierService", "request_uri_of"]

log = logging.getLogger(__name__)
_SUPPORTED_FORMATS = frozenset({"dc+sd-jwt", "jwt_vc_json", "ldp_vc"})


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def request_uri_of(public_url: str, presentation_id: str) -> str:
    return f"{public_url}/presentations/{presentation_id}/request"


@dataclass(frozen=True, slots=True)
class CreatedPresentation:
    record: PresentationRecord
    link: str  # openid4vp://...


@dataclass(frozen=True, slots=True)
class _Verified:
    presented: PresentedCredential
    credential: VerifiedCredential


@dataclass(slots=True)
class VerifierService:
    settings: Settings
    store: PresentationStore
    identity_for: Callable[[str], VerifierIdentity]  # response_uri -> who we are (redirect_uri: per request)
    signer: IssuerKey | None  # None for the unsigned redirect_uri prefix
    credentials: CredentialVerifier
    keys: KeyResolver
    jws: JwsVerifier
    raw: RawVerifier
    clock: Clock
    random: Randomness
    events: EventBus = field(default_factory=EventBus)
    formats: VpFormatPolicy = field(default_factory=VpFormatPolicy)

    @property
    def public_url(self) -> str:
        return self.settings.public_url

    async def _emit(self, type_: str, subject_id: str, **data: Any) -> None:
        await self.events.publish(Event(type_, self.clock.now(), data, subject_id))

    def _authorization_request(self, record: PresentationRecord) -> AuthorizationRequest:
        req = record.request
        query = parse_dcql_query(req["dcql_query"])
        return AuthorizationRequest(
            self.identity_for(req["response_uri"]),
            req["response_uri"],
            req["response_mode"],
            req["nonce"],
            req.get("state"),
            query,
            req["client_metadata"],
        )

    # -- admin ------------------------------------------------------------------------------------------

    async def create(self, body: PresentationCreate, *, policy: JsonObject | None = None) -> CreatedPresentation:
        """``policy`` (from a preset): ``trusted_issuers`` and ``max_age_days``, applied after verification."""
        try:
            query = parse_dcql_query(body.dcql_query, supported_formats=_SUPPORTED_FORMATS)
        except InvalidDcqlQueryError as exc:
            raise InvalidRequestError(f"dcql_query: {exc.description}") from None
        now = self.clock.now()
        presentation_id = self.random.token(16)
        mode = body.response_mode or self.settings.verifier.response_mode
        enc_key = new_encryption_key() if mode == "direct_post.jwt" else None
        response_uri = f"{self.public_url}/presentations/{presentation_id}/response"
        request = create_authorization_request(
            identity=self.identity_for(response_uri),
            response_uri=response_uri,
            response_mode=mode,
            nonce=new_nonce(self.random.bytes),
            state=self.random.token(16),
            dcql_query=query,
            formats=self.formats,
            encryption_jwk=public_jwk(enc_key) if enc_key else None,
            allow_http=self.settings.server.dev_mode,
        )
        expires = now + timedelta(seconds=body.expires_in or self.settings.verifier.request_expires_in)
        record = PresentationRecord(
            id=presentation_id,
            created_at=now,
            expires_at=expires,
            request=request.parameters() | {"request_uri_method": body.request_uri_method, "policy": policy or {}},
            encryption_jwk=enc_key,
            redirect_uri_template=self.settings.verifier.redirect_uri_template,
        )
        if body.webhook is not None:
            await self.events.watch(presentation_id, body.webhook)  # first, so that it receives presentation.created
        await self.store.create_presentation(record)
        await self._emit(
            "presentation.created",
            presentation_id,
            response_mode=mode,
            client_id=request.client_id,
            formats=sorted(query.formats),
        )
        log.info("presentation request created presentation=%s mode=%s", presentation_id, mode)
        return CreatedPresentation(record, self.link(record))

    def link(self, record: PresentationRecord) -> str:
        request = self._authorization_request(record)
        if not request.identity.signed:
            return wallet_link(client_id=request.client_id, parameters=request.query_parameters())
        return wallet_link(
            client_id=request.client_id,
            request_uri=request_uri_of(self.public_url, record.id),
            request_uri_method=record.request.get("request_uri_method"),
            allow_http=self.settings.server.dev_mode,
        )

    async def get(self, presentation_id: str) -> PresentationRecord:
        record = await self.store.get_presentation(presentation_id)
        if record is None:
            raise NotFoundError("no such presentation request")
        return record

    # -- wallet: request object -------------------------------------------------------------------------

    async def request_object(self, presentation_id: str, form: Mapping[str, str] | None) -> str:
        """The signed Request Object (§5.10.1); with ``form`` (request_uri_method=post) the wallet's nonce goes in."""
        record = await self.store.get_presentation(presentation_id)
        if record is None or record.status_at(self.clock.now()) is not PresentationStatus.PENDING:
            raise NotFoundError("no such pending presentation request")
        if self.signer is None:
            raise NotFoundError("this verifier passes requests by value")
        wallet_nonce = parse_request_uri_post(form).wallet_nonce if form is not None else None
        request = self._authorization_request(record)
        lifetime = record.expires_at - self.clock.now()
        await self._emit("presentation.request_fetched", presentation_id, method="POST" if form is not None else "GET")
        return request.sign(self.signer.signer, now=self.clock.now(), lifetime=lifetime, wallet_nonce=wallet_nonce)

    # -- wallet: response -------------------------------------------------------------------------------

    async def respond(self, presentation_id: str, form: Mapping[str, str]) -> JsonObject:
        record = await self.store.get_presentation(presentation_id)
        now = self.clock.now()
        if record is None:
            raise InvalidRequestError("unknown response_uri")
        if record.status_at(now) is not PresentationStatus.PENDING:
            raise InvalidRequestError("this presentation request was already answered or has expired")
        request = self._authorization_request(record)
        decrypt = functools.partial(decrypt_response, private_jwk=record.encryption_jwk or {})
        try:
            parsed = parse_authorization_response(
                form, response_mode=request.response_mode, query=request.dcql_query, decrypt=decrypt
            )
            if parsed.state != request.state:
                raise InvalidPresentationError("state_mismatch", "state does not match the request")
            if isinstance(parsed, AuthorizationErrorResponse):
                await self._finish(
                    record,
                    PresentationStatus.REJECTED,
                    {"error": parsed.error, "error_description": parsed.error_description, "credentials": []},
                    now,
                )
                return {}
            verified = await self._verify_all(request, parsed.vp_token, now)
            _require_sound_proofs(verified)
        except InvalidPresentationError as exc:
            await self._finish(
                record,
                PresentationStatus.REJECTED,
                {"error": exc.reason, "error_description": exc.description, "credentials": []},
                now,
            )
            raise
        return await self._conclude(record, request.dcql_query, verified, now)

    async def _finish(
        self,
        record: PresentationRecord,
        status: PresentationStatus,
        result: JsonObject,
        now: datetime,
        response_code: str | None = None,
    ) -> None:
        done = await self.store.complete_presentation(
            record.id,
            status=status,
            result=result,
            response_code_hash=_hash(response_code) if response_code else None,
            now=now,
        )
        if not done:
            raise InvalidRequestError("this presentation request was already answered or has expired")
        await self._emit(f"presentation.{status.value}", record.id, error=result.get("error"))
        log.info("presentation %s presentation=%s reason=%s", status.value, record.id, result.get("error"))

    async def _conclude(
        self, record: PresentationRecord, query: DcqlQuery, verified: dict[str, list[_Verified]], now: datetime
    ) -> JsonObject:
        evaluation = evaluate_dcql(query, {qid: [v.presented for v in items] for qid, items in verified.items()})
        entries: list[JsonObject] = []
        for match in evaluation.matches:
            item = verified[match.credential_query_id][match.index]
            entries.append(
                _entry(
                    match.credential_query_id,
                    item,
                    [{"id": c.id, "path": list(c.path), "values": list(c.values)} for c in match.claims],
                )
            )
        policy = record.request.get("policy") or {}
        for entry, match in zip(entries, evaluation.matches, strict=True):
            item = verified[match.credential_query_id][match.index]
            entry["checks"] |= _policy_checks(policy, item.credential, now)
        failed = [e for e in entries if any(c["outcome"] == "failed" for c in e["checks"].values())]
        error: str | None = None
        description: str | None = None
        if evaluation.rejection is not None:
            error, description = str(evaluation.rejection.reason), evaluation.rejection.message
        elif failed:
            first = failed[0]
            name, check = next((n, c) for n, c in first["checks"].items() if c["outcome"] == "failed")
            error, description = f"{name}_failed", f"{first['query_id']}: {name}: {check.get('reason', '')}"
        status = PresentationStatus.REJECTED if error else PresentationStatus.VERIFIED
        result: JsonObject = {"credentials": entries, "error": error, "error_description": description}
        code = self.random.token(16) if record.redirect_uri_template and status is PresentationStatus.VERIFIED else None
        await self._finish(record, status, result, now, code)
        if error:
            raise InvalidPresentationError(error, description or error)
        if code and record.redirect_uri_template:
            return {"redirect_uri": record.redirect_uri_template.replace("{response_code}", code)}
        return {}

    async def result_for_code(self, presentation_id: str, response_code: str) -> PresentationRecord:
        """Same-device flows: the verifier's front end redeems the ``response_code`` it got back (§8.2)."""
        record = await self.get(presentation_id)
        if record.response_code_hash is None or record.response_code_hash != _hash(response_code):
            raise NotFoundError("unknown response_code")
        return record

    async def _verify_all(
        self, request: AuthorizationRequest, vp_token: Mapping[str, tuple[Any, ...]], now: datetime
    ) -> dict[str, list[_Verified]]:
        out: dict[str, list[_Verified]] = {}
        for query_id, presentations in vp_token.items():
            cq = request.dcql_query.credential(query_id)
            if cq is None:
                raise InvalidPresentationError("unknown_credential_query", f"vp_token names unknown query {query_id}")
            out[query_id] = [await self._verify_one(cq.format, p, request, now) for p in presentations]
        return out

    async def _verify_one(self, fmt: str, presentation: Any, request: AuthorizationRequest, now: datetime) -> _Verified:
        if fmt == "dc+sd-jwt":
            if not isinstance(presentation, str):
                raise InvalidPresentationError("malformed_vp_token", "an SD-JWT presentation must be a string")
            kb = KeyBindingCheck(
                audience=request.client_id,
                nonce=request.nonce,
                max_age=timedelta(seconds=self.settings.verifier.kb_jwt_max_age),
            )
            result = await self.credentials.verify(presentation, key_binding=kb, now=now)
            claims = result.claims
            presented = PresentedCredential(
                fmt,
                claims,
                vct=claims.get("vct"),
                issuer=result.issuer,
                holder_bound=result.checks.get("holder_binding", Check("failed")).outcome == "passed",
            )
            return _Verified(presented, result)
        if fmt == "jwt_vc_json":
            if not isinstance(presentation, str):
                raise InvalidPresentationError("malformed_vp_token", "a jwt_vc_json presentation must be a VP-JWT")
            vp = await verify_jwt_vp(
                presentation,
                nonce=request.nonce,
                client_id=request.client_id,
                now=now,
                verifier=self.jws,
                resolve_issuer_key=self._issuer_key,
                resolve_holder_key=self.keys.resolve,
            )
            presented_vc = vp.presented()
            raw_vc = _raw_vc_jwt(vp)
            result = await self.credentials.verify(raw_vc, now=now)
            checks = dict(result.checks) | {"holder_binding": Check("passed")}
            verified = VerifiedCredential(result.format, result.issuer, vp.holder, vp.holder_jwk, result.claims, checks)
            return _Verified(presented_vc, verified)
        if not isinstance(presentation, dict):
            raise InvalidPresentationError("malformed_vp_token", "an ldp_vc presentation must be a JSON object")
        ldp = await verify_ldp_vp(
            presentation,
            nonce=request.nonce,
            client_id=request.client_id,
            now=now,
            resolve_key=self.keys.resolve,
            verifier=self.raw,
            executor=self.credentials.executor,
        )
        if len(ldp.credentials) != 1:
            raise InvalidPresentationError("malformed_vp_token", "present one credential per ldp_vp")
        vc = ldp.credentials[0]
        result = await self.credentials.verify(vc, now=now)
        checks = dict(result.checks) | {"holder_binding": Check("passed")}
        presented = PresentedCredential(fmt, vc, types=expanded_types(vc), issuer=result.issuer, holder_bound=True)
        return _Verified(presented, VerifiedCredential(result.format, result.issuer, ldp.holder, None, vc, checks))

    async def _issuer_key(self, header: JsonObject, issuer: str) -> Jwk:
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise LookupError("the credential names no kid")
        return await self.keys.resolve(kid)


def _policy_checks(policy: JsonObject, credential: VerifiedCredential, now: datetime) -> JsonObject:
    """The request's own policy (presets): an issuer allow-list replaces the global trust check; ``max_age_days``
    bounds how long ago the credential became valid."""
    out: JsonObject = {}
    issuers = policy.get("trusted_issuers")
    if issuers:
        issuer = credential.issuer or ""
        ok = issuer_trusted(issuer, issuers)
        out["trust"] = {"outcome": "passed"} if ok else {"outcome": "failed", "reason": "issuer is not one requested"}
    max_age = policy.get("max_age_days")
    if max_age:
        claims = credential.claims
        try:
            start = parse_time(
                claims.get("validFrom") or claims.get("issuanceDate") or claims.get("nbf") or claims.get("iat")
            )
        except ValueError:  # a date that cannot be read (parse_time): no issuance time to go by
            start = None
        if start is None:
            out["age"] = {"outcome": "failed", "reason": "the credential states no issuance time"}
        elif now - start > timedelta(days=int(max_age)):
            out["age"] = {"outcome": "failed", "reason": f"issued more than {max_age} days ago"}
        else:
            out["age"] = {"outcome": "passed"}
    return out


def _require_sound_proofs(verified: dict[str, list[_Verified]]) -> None:
    """A broken signature or holder binding is the rejection reason, not the DCQL mismatch it would cause."""
    for qid, items in verified.items():
        for item in items:
            for name in ("signature", "holder_binding"):
                check = item.credential.checks.get(name)
                if check is not None and check.outcome == "failed":
                    raise InvalidPresentationError(f"{name}_failed", f"{qid}: {name}: {check.reason}")


def _raw_vc_jwt(vp: Any) -> str:
    vc = vp.claims.get("vp", {}).get("verifiableCredential")
    items = vc if isinstance(vc, list) else [vc]
    for item in items:
        if isinstance(item, str):
            for prefix in ("data:application/vc+jwt,", "data:application/vc-ld+jwt,", "data:application/jwt,"):
                item = item.removeprefix(prefix)
            return item
    raise InvalidPresentationError("malformed", "the VP carries no VC-JWT")


def _entry(query_id: str, item: _Verified, requested: list[JsonObject]) -> JsonObject:
    cred = item.credential
    entry: JsonObject = {
        "query_id": query_id,
        "format": cred.format,
        "issuer": cred.issuer,
        "holder": cred.holder,
        "claims": _disclosed(cred),
        "requested_claims": requested,
        "checks": {name: check.to_json() for name, check in cred.checks.items()},
    }
    summary = summarize(cred.claims)
    entry["summary"] = _summary_json(summary)
    return entry


def _disclosed(cred: VerifiedCredential) -> JsonObject:
    """What the holder disclosed: the processed SD-JWT payload minus the envelope, or the presented VC."""
    if cred.format == "dc+sd-jwt":
        return {k: v for k, v in cred.claims.items() if k not in {"cnf", "_sd_alg", "status", "iat"}}
    return cred.claims


def _summary_json(summary: Any) -> JsonObject:
    return asdict(summary)
