"""The ``status`` check of ``CredentialVerifier``: W3C Bitstring Status List v1.0 §3.2 (``credentialStatus`` entries
of type ``BitstringStatusListEntry``) and IETF Token Status List -14 §8.3 (the ``status.status_list`` claim).

- Lists are fetched through the injected ``Fetcher`` (https only, size cap, private addresses refused) and their
  signature is verified: a JSON status list credential by its Data Integrity proof, a VC-JWT (``vc+jwt``) or a
  Status List Token (``statuslist+jwt``) by its JWS, keys resolved like credential keys;
- the list must come from the credential's issuer: its proof / ``kid`` is a key of the credential's issuer, and a
  Bitstring list's ``issuer`` is the credential's issuer (as other verifiers require, e.g. "matching issuers");
- verified lists are cached per URL for their own lifetime: the Bitstring ``ttl`` (ms) or Token Status List ``ttl``
  (s), never past ``validUntil`` / ``exp``, ``default_ttl`` when the list names none, at most ``max_ttl``;
- outcome: every status 0 -> ``passed``; revocation bit / INVALID -> ``failed`` "revoked"; suspension bit /
  SUSPENDED -> ``failed`` "suspended"; another value -> ``failed`` naming it. When no statement can be made (list
  unreachable, signature or issuer wrong, malformed, index out of range) -> ``failed`` "unknown: ...": we fail
  closed, as Token Status List §8.3 says the Referenced Token SHOULD then be rejected. A credential whose only
  status entries use a mechanism we do not implement gets ``skipped``.
"""

from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oid4vc.clock import Clock
from oid4vc.crypto.base import JwsVerifier, RawVerifier, SignatureError
from oid4vc.fetch.base import Fetcher, FetchError
from oid4vc.formats.ldp_vc import DataIntegrityError, verify_proof
from oid4vc.jose import JsonObject, numeric_date, parse_compact_jws
from oid4vc.services.credential_verification import Check
from oid4vc.services.key_resolution import KeyResolutionError, KeyResolver
from oid4vc.status.bitstring import (
    BITSTRING_STATUS_LIST_ENTRY,
    CLOCK_SKEW,
    BitstringStatusListEntry,
    BitstringStatusListError,
    check_status,
)
from oid4vc.status.token_status_list import (
    MEDIA_TYPE,
    StatusListToken,
    StatusType,
    TokenStatusListError,
    parse_status_claim,
    resolve_status,
    verify_status_list_token,
)

__all__ = ["StatusListChecker"]

_BITSTRING_ACCEPT = "application/vc, application/vc+ld+json, application/vc+jwt, application/json;q=0.5"
_TOKEN_VALUES = {int(StatusType.INVALID): "revoked", int(StatusType.SUSPENDED): "suspended"}


class _Unknown(Exception):
    """No statement about the status can be made; the message is safe to show."""


def _issuer_id(vc: JsonObject) -> str | None:
    issuer = vc.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _controls(issuer: str, method: str) -> bool:
    """``method`` (a DID URL or https URL) names a key of ``issuer``."""
    if issuer.startswith("https://"):
        return method == issuer or method.startswith((f"{issuer}#", f"{issuer}/"))
    return method.split("#", 1)[0] == issuer


def _is_bitstring_entry(types: Any) -> bool:
    return types == BITSTRING_STATUS_LIST_ENTRY or (isinstance(types, list) and BITSTRING_STATUS_LIST_ENTRY in types)


def _as_datetime(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


@dataclass(frozen=True, slots=True)
class _Cached:
    until: datetime
    value: JsonObject | StatusListToken
    signer: str  # the verification method that signed the list


@dataclass(slots=True)
class StatusListChecker:
    """A ``StatusChecker`` for ``CredentialVerifier(status=...)``."""

    fetcher: Fetcher
    keys: KeyResolver
    jws: JwsVerifier
    raw: RawVerifier
    clock: Clock
    executor: Executor | None = None
    default_ttl: timedelta = timedelta(minutes=5)
    max_ttl: timedelta = timedelta(days=1)
    max_bytes: int = 2 * 1024 * 1024
    fetches: int = 0
    _cache: dict[str, _Cached] = field(default_factory=dict)

    async def __call__(self, fmt: str, claims: JsonObject, issuer: str, now: datetime) -> Check:
        try:
            if "credentialStatus" in claims:
                return await self._bitstring(claims["credentialStatus"], issuer, now)
            return await self._token(claims, issuer, now)
        except _Unknown as exc:
            return Check("failed", f"unknown: {exc}")

    # -- W3C Bitstring Status List --------------------------------------------------------------------------

    async def _bitstring(self, value: Any, issuer: str, now: datetime) -> Check:
        raw_entries = value if isinstance(value, list) else [value]
        entries = [e for e in raw_entries if isinstance(e, dict) and _is_bitstring_entry(e.get("type"))]
        if not entries:
            return Check("skipped", "no BitstringStatusListEntry (the status mechanism is not supported)")
        findings: list[str] = []
        for raw_entry in entries:
            try:
                entry = BitstringStatusListEntry.from_json(raw_entry)
                list_credential = await self._bitstring_list(entry.status_list_credential, issuer, now)
                result = check_status(entry, list_credential, now=now)
            except BitstringStatusListError as exc:
                raise _Unknown(f"{exc.code}: {exc}") from None
            if result.is_set:
                if result.purpose in ("revocation", "suspension"):
                    findings.append("revoked" if result.purpose == "revocation" else "suspended")
                else:
                    findings.append(f"{result.purpose}: {result.message or hex(result.status)}")
        if "revoked" in findings:
            return Check("failed", "revoked")
        return Check("failed", "; ".join(findings)) if findings else Check("passed")

    async def _bitstring_list(self, url: str, issuer: str, now: datetime) -> JsonObject:
        cached = self._cache.get(url)
        if cached is None or now >= cached.until or not isinstance(cached.value, dict):
            body = await self._fetch(url, _BITSTRING_ACCEPT)
            credential, signer, expires = await self._verify_list_credential(body, now)
            cached = _Cached(self._until(now, credential, expires), credential, signer)
            self._cache[url] = cached
        listed = cached.value
        assert isinstance(listed, dict)
        if _issuer_id(listed) != issuer or not _controls(issuer, cached.signer):
            raise _Unknown("the status list is not issued by the credential's issuer")
        return listed

    async def _verify_list_credential(self, body: bytes, now: datetime) -> tuple[JsonObject, str, datetime | None]:
        text = body.decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            try:
                credential = json.loads(text)
                proof = await verify_proof(
                    credential, resolve_key=self.keys.resolve, verifier=self.raw, executor=self.executor, now=now
                )
            except ValueError:
                raise _Unknown("the status list is not valid JSON") from None
            except DataIntegrityError as exc:
                raise _Unknown(f"status list proof: {exc.reason}: {exc.message}") from None
            if not isinstance(credential, dict):
                raise _Unknown("the status list is not a JSON object")
            return credential, proof.verification_method, None
        payload, kid = await self._verify_jws(text)
        vc = payload["vc"] if isinstance(payload.get("vc"), dict) else payload
        exp = numeric_date(payload.get("exp"))  # RFC 7519 §2; None also for NaN and numbers beyond any date
        if exp is None and payload.get("exp") is not None:
            raise _Unknown("the status list JWT exp is not a NumericDate")
        expires = datetime.fromtimestamp(exp, now.tzinfo) if exp is not None else None
        if expires is not None and now >= expires:
            raise _Unknown("the status list has expired")
        if isinstance(payload.get("iss"), str) and payload["iss"] != _issuer_id(vc):
            raise _Unknown("the status list JWT iss does not match its issuer")
        return vc, kid, expires

    async def _verify_jws(self, token: str) -> tuple[JsonObject, str]:
        try:
            jws = parse_compact_jws(token)
        except ValueError as exc:
            raise _Unknown(f"status list: {exc}") from None
        kid, alg = jws.header.get("kid"), jws.header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str):
            raise _Unknown("the status list JWT needs kid and alg")
        try:
            self.jws.verify(jws.signing_input, jws.signature, alg=alg, jwk=await self.keys.resolve(kid))
        except (SignatureError, KeyResolutionError) as exc:
            raise _Unknown(f"status list signature: {exc}") from None
        return jws.payload, kid

    def _until(self, now: datetime, credential: JsonObject, expires: datetime | None) -> datetime:
        subject = credential.get("credentialSubject")
        ttl_ms = subject.get("ttl") if isinstance(subject, dict) else None
        max_ms = self.max_ttl / timedelta(milliseconds=1)
        ttl = (
            timedelta(milliseconds=min(ttl_ms, max_ms))  # capped first: timedelta overflows beyond ~2.7e6 years
            if isinstance(ttl_ms, int | float) and not isinstance(ttl_ms, bool) and ttl_ms > 0
            else self.default_ttl
        )
        candidates = [now + min(ttl, self.max_ttl)]
        valid_until = _as_datetime(credential.get("validUntil"))
        candidates += [t for t in (valid_until, expires) if t is not None]
        return min(candidates)

    # -- IETF Token Status List ------------------------------------------------------------------------------

    async def _token(self, claims: JsonObject, issuer: str, now: datetime) -> Check:
        try:
            reference = parse_status_claim(claims)
        except TokenStatusListError as exc:
            raise _Unknown(str(exc)) from None
        cached = self._cache.get(reference.uri)
        if cached is None or now >= cached.until or not isinstance(cached.value, StatusListToken):
            cached = await self._fetch_token(reference.uri, now)
            self._cache[reference.uri] = cached
        if not _controls(issuer, cached.signer):
            raise _Unknown("the Status List Token is not signed by the credential's issuer")
        assert isinstance(cached.value, StatusListToken)
        try:
            value = resolve_status(reference, cached.value)
        except TokenStatusListError as exc:
            raise _Unknown(str(exc)) from None
        if value == StatusType.VALID:
            return Check("passed")
        return Check("failed", _TOKEN_VALUES.get(value, f"status 0x{value:02x}"))

    async def _fetch_token(self, uri: str, now: datetime) -> _Cached:
        token = (await self._fetch(uri, MEDIA_TYPE)).decode("ascii", errors="replace").strip()
        try:
            kid = parse_compact_jws(token).header.get("kid")
        except ValueError as exc:
            raise _Unknown(f"Status List Token: {exc}") from None
        if not isinstance(kid, str):
            raise _Unknown("the Status List Token needs a kid")
        try:
            jwk = await self.keys.resolve(kid)
            verified = verify_status_list_token(token, uri=uri, jwk=jwk, verifier=self.jws, now=now, leeway=CLOCK_SKEW)
        except (KeyResolutionError, TokenStatusListError) as exc:
            raise _Unknown(f"Status List Token: {exc}") from None
        # capped first: timedelta overflows beyond ~2.7e6 years
        ttl = (timedelta(seconds=min(verified.ttl, self.max_ttl.total_seconds())) if verified.ttl is not None
               else self.default_ttl)
        until = [now + min(ttl, self.max_ttl)]
        if verified.exp is not None:
            until.append(datetime.fromtimestamp(verified.exp, now.tzinfo))
        return _Cached(min(until), verified, kid)

    async def _fetch(self, url: str, accept: str) -> bytes:
        try:
            fetched = await self.fetcher.get(url, accept=accept, max_bytes=self.max_bytes)
        except FetchError as exc:
            raise _Unknown(f"the status list cannot be fetched: {exc}") from None
        self.fetches += 1
        return fetched.body
