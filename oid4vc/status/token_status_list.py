"""Token Status List (draft-ietf-oauth-status-list-14) §4 Status List, §5.1 Status List Token in JWT Format,
§6.2 Referenced Token in JOSE, §7 Status Types and §8.3 Validation Rules.

- ``StatusList``: ``bits`` in {1, 2, 4, 8}; entry ``idx`` sits in byte ``idx * bits // 8`` and entries are
  packed from the least significant bit (§4.1 step 3), so index 0 is the low bits of byte 0.
- ``lst`` is base64url of the byte array compressed with DEFLATE in the ZLIB format, level 9 (§4.1 step 4);
  decompression is capped in size.
- ``sign_status_list_token`` / ``verify_status_list_token`` build and check the ``statuslist+jwt`` token, signed
  through an injected ``JwtSigner`` and checked through an injected ``JwsVerifier``; ``status_claim`` and
  ``parse_status_claim`` are the Referenced Token's ``status`` claim.

Pure: no I/O, no clock (``now`` is passed in). Errors are ``TokenStatusListError`` with a message safe to show.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oid4vc.clock import to_epoch
from oid4vc.crypto.base import JwsVerifier, JwtSigner, SignatureError
from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.jose import ASYMMETRIC_JWS_ALGS, JsonObject, Jwk, numeric_date, parse_compact_jws
from oid4vc.status._compression import ZLIB_WBITS, inflate, zlib_compress

__all__ = [
    "ALLOWED_BITS",
    "MAX_DECOMPRESSED_BYTES",
    "MEDIA_TYPE",
    "TYP",
    "StatusList",
    "StatusListReference",
    "StatusListToken",
    "StatusType",
    "TokenStatusListError",
    "parse_status_claim",
    "resolve_status",
    "sign_status_list_token",
    "status_claim",
    "status_list_token_claims",
    "verify_status_list_token",
]

TYP = "statuslist+jwt"  # §5.1 JWT header typ
MEDIA_TYPE = "application/statuslist+jwt"  # §8.2 response Content-Type, §8.1 Accept
ALLOWED_BITS = (1, 2, 4, 8)  # §4.1 step 1
MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024  # our cap: 8 Mi entries at bits=8, 64 Mi at bits=1


class StatusType(enum.IntEnum):
    """§7.1 Status Types Values (0x03 and 0x0C-0x0F are application specific)."""

    VALID = 0x00
    INVALID = 0x01
    SUSPENDED = 0x02


class TokenStatusListError(ValueError):
    """No statement about the status can be made (§8.3: the Referenced Token SHOULD be rejected)."""


def _check_bits(bits: Any) -> int:
    if isinstance(bits, bool) or bits not in ALLOWED_BITS:
        raise TokenStatusListError("bits must be 1, 2, 4 or 8")
    return int(bits)


class StatusList:
    """A mutable Status List (§4.1) of ``size`` entries of ``bits`` bits, all initially 0x00 (VALID)."""

    __slots__ = ("_data", "bits")

    def __init__(self, size: int, *, bits: int = 1) -> None:
        self.bits = _check_bits(bits)
        if size < 1:
            raise ValueError("size must be positive")
        # §4.1 step 2: size * bits / 8 bytes or greater (rounded up to whole bytes, §13.4).
        self._data = bytearray(-(-size * self.bits // 8))

    @classmethod
    def from_bytes(cls, data: bytes, *, bits: int) -> StatusList:
        out = cls.__new__(cls)
        out.bits = _check_bits(bits)
        out._data = bytearray(data)
        return out

    @property
    def size(self) -> int:
        """Number of entries the byte array holds."""
        return len(self._data) * 8 // self.bits

    def _locate(self, idx: int) -> tuple[int, int]:
        if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < self.size:
            raise IndexError("status list index out of range")
        per_byte = 8 // self.bits
        return idx // per_byte, (idx % per_byte) * self.bits

    def get(self, idx: int) -> int:
        byte, shift = self._locate(idx)
        return (self._data[byte] >> shift) & ((1 << self.bits) - 1)

    def set(self, idx: int, value: int) -> None:
        byte, shift = self._locate(idx)
        mask = (1 << self.bits) - 1
        if isinstance(value, bool) or not 0 <= value <= mask:
            raise ValueError(f"status value must fit in {self.bits} bit(s)")
        self._data[byte] = (self._data[byte] & ~(mask << shift) & 0xFF) | (value << shift)

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def lst(self) -> str:
        """The ``lst`` member: base64url of the ZLIB-compressed byte array (§4.2)."""
        return b64url_encode(zlib_compress(bytes(self._data)))

    def to_json(self, *, aggregation_uri: str | None = None) -> JsonObject:
        """The JSON ``StatusList`` structure (§4.2)."""
        out: JsonObject = {"bits": self.bits, "lst": self.lst()}
        if aggregation_uri is not None:
            out["aggregation_uri"] = aggregation_uri
        return out

    @classmethod
    def from_lst(cls, lst: str, *, bits: int, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> StatusList:
        """Decompress ``lst`` (§8.3 step 5). Raises TokenStatusListError."""
        _check_bits(bits)
        try:  # b64url_decode refuses non-strings too
            return cls.from_bytes(inflate(b64url_decode(lst), wbits=ZLIB_WBITS, max_bytes=max_bytes), bits=bits)
        except ValueError as exc:
            raise TokenStatusListError(f"lst cannot be decompressed: {exc}") from None

    @classmethod
    def from_json(cls, value: Any, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> StatusList:
        """Parse the JSON ``StatusList`` structure (§4.2). Raises TokenStatusListError."""
        if not isinstance(value, dict):
            raise TokenStatusListError("status_list must be a JSON object")
        if "aggregation_uri" in value and not isinstance(value["aggregation_uri"], str):
            raise TokenStatusListError("aggregation_uri must be a string")
        bits, lst = _check_bits(value.get("bits")), value.get("lst")
        if not isinstance(lst, str):
            raise TokenStatusListError("lst must be a base64url string")
        return cls.from_lst(lst, bits=bits, max_bytes=max_bytes)


def status_list_token_claims(
    *,
    uri: str,
    status_list: StatusList,
    iat: datetime,
    exp: datetime | None = None,
    ttl: int | None = None,
    iss: str | None = None,
    aggregation_uri: str | None = None,
) -> JsonObject:
    """The JWT Claims Set of a Status List Token (§5.1): ``sub`` is the URI the token is served at."""
    if ttl is not None and (isinstance(ttl, bool) or ttl <= 0):
        raise ValueError("ttl must be a positive number of seconds")
    claims: JsonObject = {"sub": uri, "iat": to_epoch(iat)}
    if iss is not None:
        claims["iss"] = iss
    if exp is not None:
        if exp <= iat:
            raise ValueError("exp must be after iat")
        claims["exp"] = to_epoch(exp)
    if ttl is not None:
        claims["ttl"] = ttl
    claims["status_list"] = status_list.to_json(aggregation_uri=aggregation_uri)
    return claims


def sign_status_list_token(
    signer: JwtSigner,
    *,
    uri: str,
    status_list: StatusList,
    now: datetime,
    exp: datetime | None = None,
    ttl: int | None = None,
    iss: str | None = None,
    aggregation_uri: str | None = None,
    header: JsonObject | None = None,
) -> str:
    """A compact Status List Token (§5.1), served with Content-Type ``application/statuslist+jwt`` (§8.2).

    ``header`` adds members such as ``x5c`` (HAIP); ``typ`` is always ``statuslist+jwt``.
    """
    claims = status_list_token_claims(
        uri=uri, status_list=status_list, iat=now, exp=exp, ttl=ttl, iss=iss, aggregation_uri=aggregation_uri
    )
    return signer.sign(dict(header or {}) | {"typ": TYP}, claims)


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified Status List Token."""

    uri: str
    iat: int
    exp: int | None
    ttl: int | float | None
    status_list: StatusList
    header: JsonObject
    claims: JsonObject

    @property
    def aggregation_uri(self) -> str | None:
        value = self.claims["status_list"].get("aggregation_uri")
        return value if isinstance(value, str) else None

    def status(self, idx: int) -> int:
        """The status value at ``idx`` (§8.3 step 6): out of bounds means no statement can be made."""
        try:
            return self.status_list.get(idx)
        except IndexError:
            raise TokenStatusListError("index is out of bounds of the Status List") from None


def _typ_matches(typ: Any) -> bool:
    # RFC 7515 §4.1.9: "application/" may be omitted from typ, and media types compare case-insensitively.
    if not isinstance(typ, str):
        return False
    typ = typ.lower()
    return typ in (TYP, MEDIA_TYPE)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def verify_status_list_token(
    token: str,
    *,
    uri: str,
    jwk: Jwk,
    verifier: JwsVerifier,
    now: datetime,
    leeway: timedelta = timedelta(0),
    max_bytes: int = MAX_DECOMPRESSED_BYTES,
) -> StatusListToken:
    """§8.3 steps 3-5 for the JWT format: signature, ``typ``, required claims, ``sub`` == ``uri``, ``exp``
    (and ``nbf`` per RFC 7519), then decompression. ``jwk`` is the Status Issuer key the caller resolved (§11.3).

    ``iat`` freshness and ``ttl``-driven refetching are caching policy and stay with the caller.
    Raises TokenStatusListError.
    """
    try:
        jws = parse_compact_jws(token)
    except ValueError as exc:
        raise TokenStatusListError(str(exc)) from None
    header, claims = jws.header, jws.payload
    if not _typ_matches(header.get("typ")):
        raise TokenStatusListError("typ must be statuslist+jwt")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ASYMMETRIC_JWS_ALGS:
        raise TokenStatusListError("alg is not an accepted signature algorithm")
    if "crit" in header:  # RFC 7515 §4.1.11: no extension is understood here
        raise TokenStatusListError("crit header parameters are not supported")
    try:
        # §5.1 rule 2: Relying Parties MUST reject JWTs with an invalid signature.
        verifier.verify(jws.signing_input, jws.signature, alg=alg, jwk=jwk)
    except SignatureError as exc:
        raise TokenStatusListError(f"signature: {exc}") from None
    sub, ttl = claims.get("sub"), claims.get("ttl")
    # RFC 7519 §2 NumericDates: None also for NaN, infinities and numbers beyond any date
    iat, exp, nbf = (numeric_date(claims.get(k)) for k in ("iat", "exp", "nbf"))
    if not isinstance(sub, str) or iat is None or "status_list" not in claims:
        raise TokenStatusListError("sub, iat and status_list are required")
    # §8.3 step 4a: sub MUST equal the uri of the Referenced Token's status_list.
    if sub != uri:
        raise TokenStatusListError("sub does not match the status list uri")
    now_s, slack = now.timestamp(), leeway.total_seconds()
    if claims.get("exp") is not None:
        # §8.3 step 4c: an expired Status List Token is not used.
        if exp is None:
            raise TokenStatusListError("exp must be a NumericDate")
        if now_s >= exp + slack:
            raise TokenStatusListError("Status List Token has expired")
    if claims.get("nbf") is not None and (nbf is None or now_s < nbf - slack):
        raise TokenStatusListError("Status List Token is not yet valid")
    # §5.1: ttl, if present, MUST be a positive number (and a finite one: it is added to dates).
    if ttl is not None and (not _number(ttl) or not 0 < ttl < math.inf):
        raise TokenStatusListError("ttl must be a positive number")
    return StatusListToken(
        uri=sub,
        iat=int(iat),
        exp=None if exp is None else int(exp),
        ttl=ttl,
        status_list=StatusList.from_json(claims["status_list"], max_bytes=max_bytes),
        header=header,
        claims=claims,
    )


@dataclass(frozen=True, slots=True)
class StatusListReference:
    """The ``status_list`` member of a Referenced Token's ``status`` claim (§6.2)."""

    idx: int
    uri: str

    def __post_init__(self) -> None:
        if isinstance(self.idx, bool) or self.idx < 0 or not self.uri:
            raise ValueError("idx must be a non-negative integer and uri a URI")

    def to_claim(self) -> JsonObject:
        """The value of the ``status`` claim."""
        return {"status_list": {"idx": self.idx, "uri": self.uri}}


def status_claim(*, uri: str, idx: int) -> JsonObject:
    """The Referenced Token's ``status`` claim value: ``{"status_list": {"idx": idx, "uri": uri}}`` (§6.2)."""
    return StatusListReference(idx=idx, uri=uri).to_claim()


def parse_status_claim(claims: JsonObject) -> StatusListReference:
    """§8.3 step 1: the Referenced Token's ``status.status_list`` with ``idx`` and ``uri``.

    Raises TokenStatusListError.
    """
    status = claims.get("status")
    if not isinstance(status, dict):
        raise TokenStatusListError("the status claim must be a JSON object")
    ref = status.get("status_list")
    if not isinstance(ref, dict):
        raise TokenStatusListError("the status claim has no status_list object")
    idx, uri = ref.get("idx"), ref.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise TokenStatusListError("status_list.idx must be a non-negative integer")
    # RFC 3986 URI: we require an absolute URI with a scheme.
    if not isinstance(uri, str) or ":" not in uri or not uri.split(":", 1)[0]:
        raise TokenStatusListError("status_list.uri must be a URI")
    return StatusListReference(idx=idx, uri=uri)


def resolve_status(reference: StatusListReference, token: StatusListToken) -> int:
    """§8.3 steps 4a and 6: the status value of ``reference`` in a verified ``token``."""
    if token.uri != reference.uri:
        raise TokenStatusListError("sub does not match the status list uri")
    return token.status(reference.idx)
