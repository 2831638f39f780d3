"""``jwt_vc_json`` Presentations: a VP secured as a JWT carrying VC-JWTs (OpenID4VP 1.0 App. B.1.3.1, §14.1.2).

Two shapes are accepted:

- VC Data Model 1.1 §6.3.1 JWT encoding: the VP in a ``vp`` claim, ``iss`` = holder, each credential a VC-JWT
  string whose VC sits in a ``vc`` claim (``iss``/``sub``/``jti``/``nbf``/``exp`` fill in ``issuer``,
  ``credentialSubject.id``, ``id``, ``issuanceDate``, ``expirationDate`` when the VC lacks them);
- VC Data Model 2.0 with VC-JOSE-COSE: the JWT claims set *is* the VP, each credential an
  ``EnvelopedVerifiableCredential`` whose ``id`` is ``data:application/vc+jwt,<VC-JWT>`` and whose claims set is
  the VC (Open Badges 3.0 §8.2 VC-JWTs have this shape too, with ``iss``/``sub``/... mirrored).

Presentation checks, any failure raises ``InvalidPresentationError`` (the VP is unusable):

- ``alg`` asymmetric and in ``alg_values`` when advertised (B.1.3.1.3); the holder key from a ``kid`` DID URL
  (did:key / did:jwk offline, others through the injected resolver) or a public ``jwk`` header;
- the signature verifies; ``iss`` and ``vp.holder``, when present, name the signing key's DID;
- ``nonce`` = the request nonce and ``aud`` = the full Client Identifier (B.1.3.1.4, §14.1.2);
- ``iat`` is present and inside the window; ``exp``/``nbf`` hold.

Credential checks are reported per credential as ``Check`` outcomes (signature, validity, holder binding) so the
caller can discard one Presentation without rejecting the response (§8.6): the issuer key comes from the injected
``resolve_issuer_key`` (a DID ``kid`` must belong to ``iss``); ``nbf``/``exp``, ``validFrom``/``validUntil`` and
``issuanceDate``/``expirationDate`` hold; the holder binding holds when a ``credentialSubject.id`` / ``sub``, or
``cnf.jwk``, is the key that signed the VP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from oid4vc.crypto.base import JwsVerifier, SignatureError
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.resolve import did_of, resolve_offline
from oid4vc.jose import (
    ASYMMETRIC_JWS_ALGS,
    CompactJws,
    JsonObject,
    Jwk,
    is_private_jwk,
    jwk_thumbprint,
    numeric_date,
    parse_compact_jws,
)
from oid4vc.presentation.dcql import FORMAT_JWT_VC_JSON
from oid4vc.presentation.dcql_match import PresentedCredential
from oid4vc.presentation.errors import InvalidPresentationError
from oid4vc.presentation.w3c_types import expanded_types

__all__ = [
    "Check",
    "IssuerKeyResolver",
    "JwtVpReason",
    "KeyResolver",
    "VerifiedJwtVc",
    "VerifiedJwtVp",
    "verify_jwt_vc",
    "verify_jwt_vp",
]

JwtVpReason = Literal[
    "malformed",
    "disallowed_alg",
    "unresolvable_holder_key",
    "bad_signature",
    "holder_mismatch",
    "nonce_mismatch",
    "aud_mismatch",
    "iat_out_of_window",
    "expired",
    "not_yet_valid",
    "no_credentials",
    "credential_malformed",
    "credential_disallowed_alg",
    "unresolvable_issuer_key",
    "issuer_key_mismatch",
    "credential_bad_signature",
    "credential_expired",
    "credential_not_yet_valid",
    "holder_binding_mismatch",
]
IssuerKeyResolver = Callable[[JsonObject, str], Awaitable[Jwk]]  # (VC-JWT header, issuer id) -> issuer JWK
KeyResolver = Callable[[str], Awaitable[Jwk]]  # DID URL -> JWK; both raise LookupError or ValueError

_ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/vc-ld+jwt,", "data:application/jwt,")
_MAX_CREDENTIALS = 32


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    reason: JwtVpReason | None = None
    message: str = ""


_PASSED = Check(True)


def _failed(reason: JwtVpReason, message: str) -> Check:
    return Check(False, reason, message)


@dataclass(frozen=True, slots=True)
class VerifiedJwtVc:
    header: JsonObject
    credential: JsonObject  # the VC: the root DCQL claims paths point into (App. B.1.2)
    issuer: str | None
    types: tuple[str, ...]  # expanded (w3c_types)
    signature: Check
    validity: Check
    holder_binding: Check  # ok with no reason when no holder was given

    @property
    def failure(self) -> Check | None:
        return next((c for c in (self.signature, self.validity, self.holder_binding) if not c.ok), None)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def presented(self, *, holder_bound: bool) -> PresentedCredential:
        return PresentedCredential(
            FORMAT_JWT_VC_JSON, self.credential, types=self.types, issuer=self.issuer, holder_bound=holder_bound
        )


@dataclass(frozen=True, slots=True)
class VerifiedJwtVp:
    header: JsonObject
    claims: JsonObject
    holder: str  # DID of the signing key
    holder_jwk: Jwk
    credentials: tuple[VerifiedJwtVc, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.credentials)

    def presented(self) -> PresentedCredential:
        """The single credential of this Presentation, for DCQL. Raises InvalidPresentationError."""
        if len(self.credentials) != 1:
            raise InvalidPresentationError("malformed", "a jwt_vc_json presentation must carry exactly one credential")
        credential = self.credentials[0]
        if credential.failure is not None:
            raise InvalidPresentationError(str(credential.failure.reason), credential.failure.message)
        return credential.presented(holder_bound=True)


def _reject(reason: JwtVpReason, message: str) -> InvalidPresentationError:
    return InvalidPresentationError(reason, message)


def _numeric(claims: JsonObject, name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    seconds = numeric_date(value)  # RFC 7519 §2; None also for NaN, infinities and numbers beyond any date
    if seconds is None:
        raise ValueError(f"{name} must be a NumericDate")
    return seconds


def _instant(value: object, name: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a date-time string")
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _thumbprint(jwk: Jwk) -> str | None:
    try:
        return jwk_thumbprint(jwk)
    except ValueError:
        return None


def _names_key(did: str, did_of_key: str, jwk: Jwk) -> bool:
    """``did`` is the holder: the same DID, or a did:key / did:jwk spelling of the same key."""
    if did == did_of_key:
        return True
    try:
        other = resolve_offline(did)
    except ValueError:
        return False
    return _thumbprint(other) is not None and _thumbprint(other) == _thumbprint(jwk)


async def _holder_key(header: JsonObject, resolve: KeyResolver | None) -> tuple[Jwk, str]:
    kid, jwk = header.get("kid"), header.get("jwk")
    if isinstance(kid, str) and kid.startswith("did:"):
        try:
            return resolve_offline(kid), did_of(kid)
        except ValueError:
            pass
        if resolve is not None:
            try:
                return await resolve(kid), did_of(kid)
            except (LookupError, ValueError):
                pass
    if isinstance(jwk, dict) and not is_private_jwk(jwk):
        return jwk, did_jwk_from_jwk(jwk)
    raise _reject("unresolvable_holder_key", "the VP kid must be a resolvable DID URL, or carry a public jwk")


def _signature(jws: CompactJws, jwk: Jwk, verifier: JwsVerifier, alg_values: frozenset[str] | None) -> str | None:
    """None when it verifies, else ``"alg"`` or ``"signature"``."""
    alg = jws.header.get("alg")
    if not isinstance(alg, str) or alg not in ASYMMETRIC_JWS_ALGS or (alg_values is not None and alg not in alg_values):
        return "alg"
    try:
        verifier.verify(jws.signing_input, jws.signature, alg=alg, jwk=jwk)
    except SignatureError:
        return "signature"
    return None


def _credential_of(payload: JsonObject) -> JsonObject:
    """The VC inside a VC-JWT payload (see module docstring)."""
    vc = payload.get("vc")
    if not isinstance(vc, dict):
        return payload
    credential = dict(vc)
    if "iss" in payload and "issuer" not in credential:
        credential["issuer"] = payload["iss"]
    subject = credential.get("credentialSubject")
    if "sub" in payload and isinstance(subject, dict) and "id" not in subject:
        credential["credentialSubject"] = subject | {"id": payload["sub"]}
    if "jti" in payload and "id" not in credential:
        credential["id"] = payload["jti"]
    for claim, member in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        seconds = numeric_date(payload.get(claim))  # one that is not a NumericDate fails in _validity
        if seconds is not None and member not in credential:
            credential[member] = datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
    return credential


def _issuer_id(payload: JsonObject, credential: JsonObject) -> str | None:
    issuer = payload.get("iss", credential.get("issuer"))
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _validity(payload: JsonObject, credential: JsonObject, now: float, leeway: float) -> Check:
    try:
        starts = [
            _numeric(payload, "nbf"),
            _instant(credential.get("validFrom"), "validFrom"),
            _instant(credential.get("issuanceDate"), "issuanceDate"),
        ]
        ends = [
            _numeric(payload, "exp"),
            _instant(credential.get("validUntil"), "validUntil"),
            _instant(credential.get("expirationDate"), "expirationDate"),
        ]
    except ValueError as exc:
        return _failed("credential_malformed", str(exc))
    if any(end is not None and now - leeway >= end for end in ends):
        return _failed("credential_expired", "the credential has expired")
    if any(start is not None and now + leeway < start for start in starts):
        return _failed("credential_not_yet_valid", "the credential is not yet valid")
    return _PASSED


def _holder_binding(payload: JsonObject, credential: JsonObject, holder: str, holder_jwk: Jwk) -> Check:
    subjects = credential.get("credentialSubject")
    ids = [s.get("id") for s in (subjects if isinstance(subjects, list) else [subjects]) if isinstance(s, dict)]
    ids.append(payload.get("sub"))
    if any(isinstance(i, str) and _names_key(i, holder, holder_jwk) for i in ids):
        return _PASSED
    cnf = payload.get("cnf")
    cnf_jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if (
        isinstance(cnf_jwk, dict)
        and _thumbprint(cnf_jwk) is not None
        and _thumbprint(cnf_jwk) == _thumbprint(holder_jwk)
    ):
        return _PASSED
    return _failed("holder_binding_mismatch", "the credential subject is not the holder that signed the VP")


async def verify_jwt_vc(
    vc_jwt: str,
    *,
    now: datetime,
    verifier: JwsVerifier,
    resolve_issuer_key: IssuerKeyResolver,
    holder: tuple[str, Jwk] | None = None,
    alg_values: frozenset[str] | None = None,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedJwtVc:
    """Check one VC-JWT. ``holder`` = (DID, JWK) of the VP signer, None for a credential presented unbound."""
    not_checked = Check(False, "credential_malformed", "not checked")
    try:
        jws = parse_compact_jws(vc_jwt)
    except (ValueError, RecursionError):
        failed = _failed("credential_malformed", "the credential is not a compact JWT")
        return VerifiedJwtVc({}, {}, None, (), failed, not_checked, not_checked)
    credential = _credential_of(jws.payload)
    issuer = _issuer_id(jws.payload, credential)
    types = expanded_types(credential)

    def result(signature: Check, validity: Check = not_checked, binding: Check = not_checked) -> VerifiedJwtVc:
        return VerifiedJwtVc(jws.header, credential, issuer, types, signature, validity, binding)

    if issuer is None:
        return result(_failed("credential_malformed", "the credential names no issuer"))
    kid = jws.header.get("kid")
    if isinstance(kid, str) and kid.startswith("did:") and issuer.startswith("did:") and did_of(kid) != issuer:
        return result(_failed("issuer_key_mismatch", "the credential kid is not a key of its issuer"))
    try:
        issuer_jwk = await resolve_issuer_key(jws.header, issuer)
    except (LookupError, ValueError):
        return result(_failed("unresolvable_issuer_key", "the issuer key could not be resolved"))
    match _signature(jws, issuer_jwk, verifier, alg_values):
        case "alg":
            return result(_failed("credential_disallowed_alg", "the credential alg is not allowed"))
        case "signature":
            return result(_failed("credential_bad_signature", "the credential signature does not verify"))
    validity = _validity(jws.payload, credential, now.timestamp(), leeway.total_seconds())
    binding = _PASSED if holder is None else _holder_binding(jws.payload, credential, *holder)
    return result(_PASSED, validity, binding)


def _enveloped_jwts(claims: JsonObject) -> list[str]:
    vp = claims.get("vp") if isinstance(claims.get("vp"), dict) else claims
    assert isinstance(vp, dict)
    types = vp.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        raise _reject("malformed", "the JWT is not a VerifiablePresentation")
    entries = vp.get("verifiableCredential", [])
    out: list[str] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        value: Any = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(value, str):
            prefix = next((p for p in _ENVELOPE_PREFIXES if value.startswith(p)), "")
            if prefix or not value.startswith("data:"):
                out.append(value[len(prefix) :])
                continue
        raise _reject("malformed", "verifiableCredential entries must be VC-JWTs or enveloped VC-JWTs")
    if not out:
        raise _reject("no_credentials", "the presentation carries no credential")
    if len(out) > _MAX_CREDENTIALS:
        raise _reject("malformed", "the presentation carries too many credentials")
    return out


async def verify_jwt_vp(
    vp_jwt: str,
    *,
    nonce: str,
    client_id: str,
    now: datetime,
    verifier: JwsVerifier,
    resolve_issuer_key: IssuerKeyResolver,
    resolve_holder_key: KeyResolver | None = None,
    alg_values: frozenset[str] | None = None,
    max_age: timedelta = timedelta(minutes=5),
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedJwtVp:
    """Verify a ``jwt_vc_json`` Presentation for the request (``nonce``, full ``client_id``). See module docstring."""
    try:
        jws = parse_compact_jws(vp_jwt)
    except (ValueError, RecursionError):
        raise _reject("malformed", "the presentation is not a compact JWT") from None
    holder_jwk, holder = await _holder_key(jws.header, resolve_holder_key)
    match _signature(jws, holder_jwk, verifier, alg_values):
        case "alg":
            raise _reject("disallowed_alg", "the presentation alg is not allowed")
        case "signature":
            raise _reject("bad_signature", "the presentation signature does not verify")
    claims = jws.payload
    vp = claims.get("vp") if isinstance(claims.get("vp"), dict) else claims
    for named in (claims.get("iss"), vp.get("holder") if isinstance(vp, dict) else None):
        named_id = named.get("id") if isinstance(named, dict) else named
        if named_id is not None and not (isinstance(named_id, str) and _names_key(named_id, holder, holder_jwk)):
            raise _reject("holder_mismatch", "iss / holder is not the DID of the key that signed the presentation")
    if claims.get("nonce") != nonce:  # B.1.3.1.4, §14.1.2
        raise _reject("nonce_mismatch", "the presentation nonce does not match the request")
    aud = claims.get("aud")
    if aud != client_id and aud != [client_id]:  # the full Client Identifier, prefix included (§14.8)
        raise _reject("aud_mismatch", "the presentation aud is not this verifier's client_id")
    epoch, slack = now.timestamp(), leeway.total_seconds()
    try:
        iat, exp, nbf = _numeric(claims, "iat"), _numeric(claims, "exp"), _numeric(claims, "nbf")
    except ValueError as exc:
        raise _reject("malformed", str(exc)) from None
    if iat is None or iat < epoch - max_age.total_seconds() - slack or iat > epoch + slack:
        raise _reject("iat_out_of_window", "the presentation iat is missing or outside the accepted window")
    if exp is not None and epoch - slack >= exp:
        raise _reject("expired", "the presentation has expired")
    if nbf is not None and epoch + slack < nbf:
        raise _reject("not_yet_valid", "the presentation is not yet valid")
    credentials = [
        await verify_jwt_vc(
            jwt,
            now=now,
            verifier=verifier,
            resolve_issuer_key=resolve_issuer_key,
            holder=(holder, holder_jwk),
            alg_values=alg_values,
            leeway=leeway,
        )
        for jwt in _enveloped_jwts(claims)
    ]
    return VerifiedJwtVp(jws.header, claims, holder, holder_jwk, tuple(credentials))
