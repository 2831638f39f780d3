"""SD-JWT-based Verifiable Credentials (draft-ietf-oauth-sd-jwt-vc-13 §3 data format and verification,
§6-§9 Type Metadata), and the Open Badges 3.0 claims we carry in one.

Issuing (§3.2): JOSE header ``typ: dc+sd-jwt`` with ``kid`` (a DID URL) and/or ``x5c``; claims ``iss``,
``iat``, ``vct``, ``cnf.jwk``, an optional ``status.status_list`` (Token Status List -14 §6.2) and the
``nbf``/``exp`` found in the claims. A per-configuration list of claims path pointers chooses what is
selectively disclosable; everything else stays plain. ``iss``, ``nbf``, ``exp``, ``cnf``, ``vct``,
``vct#integrity`` and ``status`` MUST NOT be disclosable (§3.2.2.2); as our own policy ``iat`` stays plain too,
though a verifier accepts it disclosed. With nothing disclosable there is no ``_sd`` and no Disclosure
(§3.2.2.4).

Verifying (§3.4): RFC 9901 §7 plus ``typ`` (``dc+sd-jwt``; ``vc+sd-jwt`` accepted during the transition §3.2.1),
``vct`` present and the claims above not disclosed. Resolving and validating the issuer key (Issuer Signature
Mechanism, §3.5) and checking ``status`` are the caller's job.

Open Badges 3.0 (our design: 1EdTech defines no SD-JWT profile, so such a credential is offered beside the
ldp_vc / VC-JWT forms and will not pass 1EdTech certification). ``open_badge_claims`` maps an
AchievementCredential (VCDM 2.0) like OB 3.0's VC-JWT proof format does (§8.2), with these choices:

- ``id`` -> ``jti``; ``validFrom`` -> ``nbf``; ``validUntil`` -> ``exp`` (NumericDate). ``iat`` is the signing
  time, set by ``issue_sd_jwt_vc``, not ``validFrom`` (which may be earlier, e.g. a re-issue).
- ``credentialSubject`` is kept without its ``id``: holder binding is ``cnf.jwk``, and a subject DID would be a
  correlation handle in every presentation. No ``sub`` either.
- ``issuer`` (Profile or URI) is kept for display; ``iss`` (set when signing) is the authoritative issuer.
- ``@context``, ``type`` and ``credentialSchema`` are dropped (an SD-JWT VC is plain JSON typed by ``vct``),
  ``credentialStatus`` too (status goes in ``status``), and ``proof`` (it would cover another document).
- Everything else (``name``, ``description``, ``image``, ``awardedDate``, ``evidence``, ``endorsement`` ...) is
  kept as is. ``OPEN_BADGE_SD_PATHS`` is a suggested disclosable set; the issuer configuration decides.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from oid4vc.crypto.base import JwsVerifier, JwtSigner
from oid4vc.formats.sd_jwt import (
    ClaimPath,
    KeyBindingCheck,
    PathComponent,
    SdJwt,
    SdJwtError,
    claim_path,
    issue_sd_jwt,
    verify_sd_jwt,
)
from oid4vc.jose import ASYMMETRIC_JWS_ALGS, JsonObject, Jwk, is_private_jwk

__all__ = [
    "LEGACY_TYP",
    "NEVER_DISCLOSABLE",
    "OPEN_BADGE_SD_PATHS",
    "SD_JWT_VC_TYP",
    "ClaimMetadata",
    "TypeDisplay",
    "VerifiedSdJwtVc",
    "issue_sd_jwt_vc",
    "open_badge_claims",
    "open_badge_type_metadata",
    "sri_sha256",
    "type_metadata",
    "verify_sd_jwt_vc",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
LEGACY_TYP = "vc+sd-jwt"
NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})  # §3.2.2.2
_NEVER_ISSUED_DISCLOSABLE = NEVER_DISCLOSABLE | {"iat"}
_SET_WHEN_SIGNING = frozenset({"iss", "iat", "vct", "vct#integrity", "cnf", "status"})

OPEN_BADGE_SD_PATHS: tuple[ClaimPath, ...] = (
    ("credentialSubject", "identifier"),
    ("credentialSubject", "result"),
    ("evidence",),
)
_OB_DROPPED = frozenset({"@context", "type", "credentialSchema", "credentialStatus", "proof"})
_OB_MAPPED = frozenset({"id", "validFrom", "validUntil", "credentialSubject"})


# --- Issuer -----------------------------------------------------------------------------------------------


def _check_status(status: JsonObject) -> None:
    ref = status.get("status_list")
    if not isinstance(ref, dict):
        raise ValueError("status must carry a status_list reference")
    idx, uri = ref.get("idx"), ref.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0 or not isinstance(uri, str) or not uri:
        raise ValueError("status_list needs a non-negative integer idx and a uri")


def issue_sd_jwt_vc(
    claims: JsonObject,
    *,
    signer: JwtSigner,
    vct: str,
    now: datetime,
    salt: Callable[[], str],
    issuer: str | None = None,
    holder_jwk: Jwk | None = None,
    sd_paths: Iterable[Sequence[PathComponent]] = (),
    status: JsonObject | None = None,
    kid: str | None = None,
    x5c: Sequence[str] = (),
    vct_integrity: str | None = None,
    decoy_count: int | Callable[[], int] = 0,
    decoy_digest: Callable[[], str] | None = None,
) -> str:
    """Sign an SD-JWT VC (see module docstring). ``claims`` may hold ``nbf``/``exp``/``jti``/``sub``; the rest
    of the registered claims come from the parameters. Raises ValueError on a configuration mistake."""
    if not isinstance(vct, str) or not vct:
        raise ValueError("vct must be a non-empty string")
    if clash := sorted(_SET_WHEN_SIGNING & claims.keys()):
        raise ValueError(f"claims {clash} are set by issue_sd_jwt_vc")
    for name in ("nbf", "exp"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name} must be a NumericDate")
    paths = [claim_path(p) for p in sd_paths]
    if forbidden := sorted({str(p[0]) for p in paths if p[0] in _NEVER_ISSUED_DISCLOSABLE}):
        raise ValueError(f"claims {forbidden} must not be selectively disclosable")
    payload: JsonObject = {"iss": issuer} if issuer else {}
    payload |= {"iat": int(now.timestamp()), "vct": vct}
    if vct_integrity:
        payload["vct#integrity"] = vct_integrity
    payload |= claims
    if holder_jwk is not None:
        if is_private_jwk(holder_jwk):
            raise ValueError("the holder JWK must be a public key")
        payload["cnf"] = {"jwk": dict(holder_jwk)}
    if status is not None:
        _check_status(status)
        payload["status"] = status
    header: JsonObject = {"typ": SD_JWT_VC_TYP}
    if kid:
        header["kid"] = kid
    if x5c:
        header["x5c"] = list(x5c)
    return issue_sd_jwt(
        payload,
        signer=signer,
        sd_paths=paths,
        salt=salt,
        header=header,
        decoy_count=decoy_count,
        decoy_digest=decoy_digest,
    )


# --- Verifier ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifiedSdJwtVc:
    issuer: str | None  # iss; with x5c the issuer is the leaf certificate's subject (§3.5)
    vct: str
    holder_jwk: Jwk | None
    claims: JsonObject  # the Processed SD-JWT Payload
    disclosed_paths: tuple[ClaimPath, ...]
    header: JsonObject
    status: JsonObject | None  # for the caller to check (§3.4: SHOULD)
    key_binding: JsonObject | None  # the verified KB-JWT payload


def verify_sd_jwt_vc(
    sd_jwt: SdJwt,
    *,
    issuer_jwk: Jwk,
    verifier: JwsVerifier,
    now: datetime,
    key_binding: KeyBindingCheck | None,
    accept_legacy_typ: bool = True,
    allowed_algs: frozenset[str] = ASYMMETRIC_JWS_ALGS,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedSdJwtVc:
    """§3.4. ``issuer_jwk`` comes from an Issuer Signature Mechanism the caller's policy allows. Raises SdJwtError."""
    accepted = {SD_JWT_VC_TYP, LEGACY_TYP} if accept_legacy_typ else {SD_JWT_VC_TYP}
    if sd_jwt.header.get("typ") not in accepted:  # §3.2.1
        raise SdJwtError("typ_mismatch", "the SD-JWT VC typ must be dc+sd-jwt")
    verified = verify_sd_jwt(
        sd_jwt,
        issuer_jwk=issuer_jwk,
        verifier=verifier,
        now=now,
        key_binding=key_binding,
        allowed_algs=allowed_algs,
        leeway=leeway,
    )
    if any(path[0] in NEVER_DISCLOSABLE for path in verified.disclosed_paths):  # §3.2.2.2
        raise SdJwtError("forbidden_disclosure", "iss, nbf, exp, cnf, vct or status was selectively disclosed")
    claims = verified.claims
    vct = claims.get("vct")
    if not isinstance(vct, str) or not vct:
        raise SdJwtError("missing_vct", "an SD-JWT VC needs a vct claim")
    iss, status = claims.get("iss"), claims.get("status")
    if (iss is not None and not isinstance(iss, str)) or (status is not None and not isinstance(status, dict)):
        raise SdJwtError("malformed", "iss must be a string and status an object")
    return VerifiedSdJwtVc(
        iss, vct, verified.holder_jwk, claims, verified.disclosed_paths, verified.header, status, verified.key_binding
    )


# --- Type Metadata (§6-§9) --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeDisplay:
    """One locale of ``display`` (§8), with the ``simple`` rendering method (§8.1.1) when a field is set."""

    locale: str
    name: str
    description: str | None = None
    logo_uri: str | None = None
    logo_alt_text: str | None = None
    background_color: str | None = None
    text_color: str | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"locale": self.locale, "name": self.name}
        if self.description:
            out["description"] = self.description
        simple: JsonObject = {}
        if self.logo_uri:
            simple["logo"] = {"uri": self.logo_uri} | ({"alt_text": self.logo_alt_text} if self.logo_alt_text else {})
        if self.background_color:
            simple["background_color"] = self.background_color
        if self.text_color:
            simple["text_color"] = self.text_color
        if simple:
            out["rendering"] = {"simple": simple}
        return out


@dataclass(frozen=True, slots=True)
class ClaimMetadata:
    """One entry of ``claims`` (§9): ``labels`` maps a locale to the label shown for ``path``."""

    path: ClaimPath
    labels: Mapping[str, str] = field(default_factory=dict)
    mandatory: bool = False
    sd: Literal["always", "allowed", "never"] | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"path": list(claim_path(self.path))}
        if self.labels:
            out["display"] = [{"locale": locale, "label": label} for locale, label in self.labels.items()]
        if self.mandatory:
            out["mandatory"] = True
        if self.sd:
            out["sd"] = self.sd
        return out


def type_metadata(
    vct: str,
    *,
    name: str | None = None,
    description: str | None = None,
    display: Sequence[TypeDisplay] = (),
    claims: Sequence[ClaimMetadata] = (),
    extends: str | None = None,
) -> JsonObject:
    """A Type Metadata document (§6.2), e.g. to serve at an https ``vct``."""
    if len({claim_path(c.path) for c in claims}) != len(claims):
        raise ValueError("each claim path may be described once")
    if len({d.locale for d in display}) != len(display):
        raise ValueError("each display locale may appear once")
    doc: JsonObject = {"vct": vct}
    if name:
        doc["name"] = name
    if description:
        doc["description"] = description
    if extends:
        doc["extends"] = extends
    if display:
        doc["display"] = [d.to_json() for d in display]
    if claims:
        doc["claims"] = [c.to_json() for c in claims]
    return doc


def sri_sha256(document: bytes) -> str:
    """W3C SRI "integrity metadata" for ``vct#integrity`` over the exact bytes served (§7)."""
    return "sha256-" + base64.b64encode(hashlib.sha256(document).digest()).decode("ascii")


# --- Open Badges 3.0 --------------------------------------------------------------------------------------

_OB_LABELS: tuple[tuple[ClaimPath, str], ...] = (
    (("name",), "Badge"),
    (("description",), "Description"),
    (("issuer", "name"), "Issued by"),
    (("credentialSubject", "achievement", "name"), "Achievement"),
    (("credentialSubject", "achievement", "description"), "Achievement description"),
    (("credentialSubject", "achievement", "criteria", "narrative"), "Criteria"),
    (("credentialSubject", "result"), "Results"),
    (("evidence",), "Evidence"),
)


def _epoch(value: object, name: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} needs a time zone (DateTimeZ)")
    return int(moment.timestamp())


def open_badge_claims(credential: JsonObject) -> JsonObject:
    """SD-JWT VC claims for an OB 3.0 AchievementCredential (VCDM 2.0); the rules are in the module docstring."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ValueError("credentialSubject must be an object")
    out: JsonObject = {}
    if isinstance(credential.get("id"), str):
        out["jti"] = credential["id"]
    if "validFrom" in credential:
        out["nbf"] = _epoch(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        out["exp"] = _epoch(credential["validUntil"], "validUntil")
    out |= {k: v for k, v in credential.items() if k not in _OB_DROPPED | _OB_MAPPED}
    out["credentialSubject"] = {k: v for k, v in subject.items() if k != "id"}
    return out


def open_badge_type_metadata(
    vct: str,
    *,
    name: str = "Open Badge",
    description: str = "An Open Badges 3.0 achievement",
    locale: str = "en-US",
    sd_paths: Iterable[Sequence[PathComponent]] = OPEN_BADGE_SD_PATHS,
    display: TypeDisplay | None = None,
) -> JsonObject:
    """Type Metadata for our Open Badge ``vct``: labels for the main claims, ``sd`` as the configuration does."""
    disclosable = {claim_path(p) for p in sd_paths}
    labelled = dict(_OB_LABELS)
    paths = list(labelled) + sorted(disclosable - labelled.keys(), key=str)
    claims = [
        ClaimMetadata(
            path,
            {locale: labelled[path]} if path in labelled else {},
            sd="always" if path in disclosable else "never",
        )
        for path in paths
    ]
    shown = display or TypeDisplay(locale, name, description)
    return type_metadata(vct, name=name, description=description, display=[shown], claims=claims)
