"""Selective Disclosure for JWTs (RFC 9901 §4 data formats, §7 verification and processing).

- Issuer (§4.1, §4.2): ``build_sd_payload`` turns a claims set and a list of claims path pointers
  (OpenID4VCI 1.0 App. C: strings = keys, ints = array indexes, ``None`` = every element) into the
  Issuer-signed JWT payload (``_sd`` digests, ``{"...": digest}`` array elements, recursive disclosures,
  decoys) plus its Disclosures; ``issue_sd_jwt`` signs and serializes ``<jwt>~<d1>~...~<dn>~``.
- Holder (§7.2, §4.3): ``create_presentation`` keeps the Disclosures some paths need, adds a KB-JWT.
- Verifier (§7.1, §7.3): ``parse_sd_jwt`` splits and decodes without checking anything cryptographic, so
  the caller can resolve the issuer key from the header (``kid``, ``x5c``) and ``iss``; ``verify_sd_jwt``
  then checks the signature, the Disclosures, ``nbf``/``exp`` and, when the policy asks, the KB-JWT.

Pure: salts, decoys and ``now`` are injected, signing goes through ``JwtSigner`` and verification through
``JwsVerifier``. Disclosures are ``json.dumps`` of the array with Python's default separators (the form of
the RFC examples). ``_sd`` arrays are sorted (§4.2.4.1 "hide the original order"); array decoys go last.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeAlias

from oid4vc.crypto.base import JwsVerifier, JwtSigner, SignatureError
from oid4vc.encoding import b64url_decode, b64url_encode, json_loads
from oid4vc.jose import ASYMMETRIC_JWS_ALGS, CompactJws, JsonObject, Jwk, numeric_date, parse_compact_jws

__all__ = [
    "ClaimPath",
    "Disclosure",
    "KeyBindingCheck",
    "PathComponent",
    "SdJwt",
    "SdJwtError",
    "SdJwtReason",
    "SdPayload",
    "VerifiedSdJwt",
    "build_sd_payload",
    "claim_path",
    "create_kb_jwt",
    "create_presentation",
    "issue_sd_jwt",
    "parse_sd_jwt",
    "random_salt",
    "sd_digest",
    "select_disclosures",
    "serialize_sd_jwt",
    "verify_sd_jwt",
]

PathComponent: TypeAlias = str | int | None
ClaimPath: TypeAlias = tuple[PathComponent, ...]

SdJwtReason = Literal[
    "malformed",
    "unsupported_sd_alg",
    "disallowed_alg",
    "bad_signature",
    "invalid_disclosure",
    "reserved_claim_name",
    "duplicate_disclosure",
    "duplicate_digest",
    "claim_name_collision",
    "unreferenced_disclosure",
    "expired",
    "not_yet_valid",
    "kb_missing",
    "kb_unexpected",
    "kb_malformed",
    "kb_typ",
    "kb_bad_signature",
    "no_holder_key",
    "iat_out_of_window",
    "nonce_mismatch",
    "aud_mismatch",
    "sd_hash_mismatch",
    # SD-JWT VC (oid4vc.formats.sd_jwt_vc)
    "typ_mismatch",
    "missing_vct",
    "forbidden_disclosure",
]

# IANA "Named Information Hash Algorithm" names -> hashlib names (§4.1.1; sha-256 MUST be supported).
_HASHES = {"sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}
_RESERVED = frozenset({"_sd", "...", "_sd_alg"})
_MAX_DEPTH = 64
_CONTAINERS = (dict, list)
KB_JWT_TYP = "kb+jwt"


class SdJwtError(Exception):
    """An SD-JWT or SD-JWT+KB was rejected. ``reason`` is a stable code, ``message`` is safe to show."""

    def __init__(self, reason: SdJwtReason, message: str) -> None:
        super().__init__(message)
        self.reason: SdJwtReason = reason
        self.message = message


def random_salt() -> str:
    """128 bits from a CSPRNG, base64url (§9.3). Issuance functions take the salt source as a parameter."""
    return b64url_encode(secrets.token_bytes(16))


def sd_digest(text: str, sd_alg: str = "sha-256") -> str:
    """base64url(hash(US-ASCII ``text``)): a Disclosure digest (§4.2.3) or an ``sd_hash`` (§4.3.1)."""
    name = _HASHES.get(sd_alg)
    if name is None:
        raise SdJwtError("unsupported_sd_alg", "the _sd_alg hash algorithm is not supported")
    return b64url_encode(hashlib.new(name, text.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class Disclosure:
    """``[salt, name, value]`` for an object property, ``[salt, value]`` (``name`` None) for an array item."""

    encoded: str
    salt: str
    name: str | None
    value: object
    digest: str

    @classmethod
    def create(cls, salt: str, name: str | None, value: object, *, sd_alg: str = "sha-256") -> Disclosure:
        array = [salt, value] if name is None else [salt, name, value]
        encoded = b64url_encode(json.dumps(array, allow_nan=False).encode("utf-8"))
        return cls(encoded, salt, name, value, sd_digest(encoded, sd_alg))

    @classmethod
    def decode(cls, encoded: str, *, sd_alg: str = "sha-256") -> Disclosure:
        try:
            array = json_loads(b64url_decode(encoded))
        except ValueError:
            raise SdJwtError("invalid_disclosure", "a disclosure is not base64url-encoded JSON") from None
        if not isinstance(array, list) or len(array) not in (2, 3) or not isinstance(array[0], str):
            raise SdJwtError("invalid_disclosure", "a disclosure is [salt, value] or [salt, name, value]")
        digest = sd_digest(encoded, sd_alg)
        if len(array) == 2:
            return cls(encoded, array[0], None, array[1], digest)
        if not isinstance(array[1], str):
            raise SdJwtError("invalid_disclosure", "a disclosure claim name must be a string")
        if array[1] in ("_sd", "..."):  # §7.1 step 3.3.2.2
            raise SdJwtError("reserved_claim_name", "a disclosure uses the reserved claim name _sd or ...")
        return cls(encoded, array[0], array[1], array[2], digest)


# --- Issuer -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SdPayload:
    payload: JsonObject
    disclosures: tuple[Disclosure, ...]


def claim_path(path: Sequence[PathComponent]) -> ClaimPath:
    """A claims path pointer (OpenID4VCI 1.0 App. C): non-empty; strings, non-negative ints or None."""
    if isinstance(path, str) or not path:
        raise ValueError("a claims path pointer is a non-empty array")
    for part in path:
        if isinstance(part, bool) or not (part is None or isinstance(part, str | int)):
            raise ValueError("claims path components are strings, non-negative integers or null")
        if isinstance(part, int) and part < 0:
            raise ValueError("claims path indexes are non-negative")
    return tuple(path)


def _check_claim_names(value: Any) -> None:
    """§4.1 rule 7, for a subtree with nothing to disclose: no object in it uses a name reserved by SD-JWT."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            reserved = _RESERVED.intersection(item)
            if reserved:
                raise ValueError(f"claim name {min(reserved)!r} is reserved by SD-JWT")
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class _Issuer:
    def __init__(
        self,
        salt: Callable[[], str],
        sd_alg: str,
        decoy_count: int | Callable[[], int],
        decoy_digest: Callable[[], str] | None,
    ) -> None:
        self.salt, self.sd_alg = salt, sd_alg
        self.decoy_count, self.decoy_digest = decoy_count, decoy_digest
        self.disclosures: list[Disclosure] = []

    def value(self, value: Any, paths: list[ClaimPath]) -> Any:
        if not paths:  # nothing below is disclosable: kept as it is, once its claim names are checked
            _check_claim_names(value)
            return value
        if isinstance(value, dict):
            return self.object(value, paths)
        if isinstance(value, list):
            return self.array(value, paths)
        return value

    def object(self, obj: JsonObject, paths: list[ClaimPath]) -> JsonObject:
        out: JsonObject = {}
        digests: list[str] = []
        for key, item in obj.items():
            if key in _RESERVED:  # §4.1 rule 7
                raise ValueError(f"claim name {key!r} is reserved by SD-JWT")
            below = [p[1:] for p in paths if p[0] == key]
            processed = self.value(item, [p for p in below if p])
            if () in below:
                digests.append(self._disclose(key, processed))
            else:
                out[key] = processed
        if digests:  # `_sd` first, as in the RFC examples (the digest covers the JSON text)
            return {"_sd": sorted(digests + self._decoys())} | out
        return out

    def array(self, arr: list[Any], paths: list[ClaimPath]) -> list[Any]:
        out: list[Any] = []
        hidden = False
        for index, item in enumerate(arr):
            below = [p[1:] for p in paths if p[0] is None or (type(p[0]) is int and p[0] == index)]
            processed = self.value(item, [p for p in below if p])
            if () in below:
                out.append({"...": self._disclose(None, processed)})
                hidden = True
            else:
                out.append(processed)
        if hidden:
            out.extend({"...": digest} for digest in self._decoys())
        return out

    def _disclose(self, name: str | None, value: Any) -> str:
        disclosure = Disclosure.create(self.salt(), name, value, sd_alg=self.sd_alg)
        self.disclosures.append(disclosure)
        return disclosure.digest

    def _decoys(self) -> list[str]:
        """§4.2.5: digests over fresh random data, so they look like any other digest."""
        count = self.decoy_count() if callable(self.decoy_count) else self.decoy_count
        make = self.decoy_digest or (lambda: sd_digest(self.salt(), self.sd_alg))
        return [make() for _ in range(count)]


def build_sd_payload(
    claims: JsonObject,
    sd_paths: Iterable[Sequence[PathComponent]],
    *,
    salt: Callable[[], str],
    sd_alg: str = "sha-256",
    decoy_count: int | Callable[[], int] = 0,
    decoy_digest: Callable[[], str] | None = None,
) -> SdPayload:
    """Make every claim a path selects selectively disclosable; paths that select nothing are ignored.

    A path and one of its prefixes both listed give a recursive disclosure (§4.2.6). Each object or array
    holding at least one disclosable claim gets ``decoy_count`` decoy digests (a callable lets the caller vary
    it); ``decoy_digest`` defaults to hashing a fresh ``salt()``. ``_sd_alg`` is only added with a digest.
    """
    if sd_alg not in _HASHES:
        raise ValueError(f"unsupported _sd_alg {sd_alg}")
    issuer = _Issuer(salt, sd_alg, decoy_count, decoy_digest)
    payload = issuer.object(claims, [claim_path(p) for p in sd_paths])
    if issuer.disclosures or "_sd" in payload:
        payload["_sd_alg"] = sd_alg
    return SdPayload(payload, tuple(issuer.disclosures))


def serialize_sd_jwt(issuer_jwt: str, disclosures: Iterable[Disclosure], kb_jwt: str = "") -> str:
    """Compact serialization (§4): ``<jwt>~<d1>~...~<dn>~`` plus the KB-JWT, if any."""
    return "".join([issuer_jwt, "~", *(d.encoded + "~" for d in disclosures), kb_jwt])


def issue_sd_jwt(
    claims: JsonObject,
    *,
    signer: JwtSigner,
    sd_paths: Iterable[Sequence[PathComponent]],
    salt: Callable[[], str],
    header: JsonObject | None = None,
    sd_alg: str = "sha-256",
    decoy_count: int | Callable[[], int] = 0,
    decoy_digest: Callable[[], str] | None = None,
) -> str:
    """Sign the payload of ``build_sd_payload`` and append every Disclosure (an SD-JWT, never a KB-JWT)."""
    built = build_sd_payload(
        claims, sd_paths, salt=salt, sd_alg=sd_alg, decoy_count=decoy_count, decoy_digest=decoy_digest
    )
    return serialize_sd_jwt(signer.sign(dict(header or {}), built.payload), built.disclosures)


# --- Parsing and processing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SdJwt:
    """A parsed SD-JWT or SD-JWT+KB. Nothing here has been verified."""

    issuer_jwt: str
    jws: CompactJws
    disclosures: tuple[Disclosure, ...]
    kb_jwt: str | None
    sd_alg: str

    @property
    def header(self) -> JsonObject:
        return self.jws.header

    @property
    def payload(self) -> JsonObject:
        return self.jws.payload

    def without_kb(self) -> str:
        """``<jwt>~<d1>~...~``, byte for byte as received: the ``sd_hash`` input (§4.3.1)."""
        return serialize_sd_jwt(self.issuer_jwt, self.disclosures)


def parse_sd_jwt(token: str) -> SdJwt:
    """Split the compact form (§4) and decode its parts. Raises SdJwtError."""
    if not isinstance(token, str) or "~" not in token:
        raise SdJwtError("malformed", "an SD-JWT is <jwt>~<disclosures>~ with an optional KB-JWT")
    jwt, *encoded, kb_jwt = token.split("~")
    try:
        jws = parse_compact_jws(jwt)
    except (ValueError, RecursionError):
        raise SdJwtError("malformed", "the Issuer-signed JWT is not a well-formed JWS") from None
    sd_alg = jws.payload.get("_sd_alg", "sha-256")
    if not isinstance(sd_alg, str) or sd_alg not in _HASHES:
        raise SdJwtError("unsupported_sd_alg", "the _sd_alg hash algorithm is not supported")
    if any(not part for part in encoded):
        raise SdJwtError("malformed", "an SD-JWT has an empty disclosure")
    disclosures = tuple(Disclosure.decode(part, sd_alg=sd_alg) for part in encoded)
    if len({d.digest for d in disclosures}) != len(disclosures):
        raise SdJwtError("duplicate_disclosure", "the same disclosure is sent more than once")
    return SdJwt(jwt, jws, disclosures, kb_jwt or None, sd_alg)


@dataclass(frozen=True, slots=True)
class _Placed:
    disclosure: Disclosure
    issued_path: ClaimPath  # array indexes as in the Issuer-signed payload
    path: ClaimPath  # array indexes in the processed payload


class _Processor:
    """§7.1 step 3: replace digests by their Disclosures, drop the rest, check every rule on the way."""

    def __init__(self, disclosures: tuple[Disclosure, ...]) -> None:
        self.by_digest = {d.digest: d for d in disclosures}
        self.seen: set[str] = set()
        self.placed: list[_Placed] = []

    def value(self, value: Any, issued: ClaimPath, path: ClaimPath) -> Any:
        if len(path) > _MAX_DEPTH:
            raise SdJwtError("malformed", "the SD-JWT payload is nested too deeply")
        if isinstance(value, dict):
            return self.object(value, issued, path)
        if isinstance(value, list):
            return self.array(value, issued, path)
        return value

    def object(self, obj: JsonObject, issued: ClaimPath, path: ClaimPath) -> JsonObject:
        out: JsonObject = {}
        for key, item in obj.items():
            if key == "...":
                raise SdJwtError("reserved_claim_name", "the key ... is only allowed in array elements")
            if key != "_sd":
                out[key] = self.value(item, (*issued, key), (*path, key)) if type(item) in _CONTAINERS else item
        digests = obj.get("_sd", ())
        if not isinstance(digests, list | tuple) or not all(isinstance(d, str) for d in digests):
            raise SdJwtError("malformed", "_sd must be an array of strings")
        for digest in digests:
            disclosure = self._match(digest)
            if disclosure is None:
                continue
            if disclosure.name is None:  # §7.1 step 3.3.2.1
                raise SdJwtError("invalid_disclosure", "an array element disclosure is referenced from _sd")
            if disclosure.name in out:  # §7.1 step 3.3.2.3
                raise SdJwtError("claim_name_collision", "a disclosed claim name already exists")
            key = disclosure.name
            self.placed.append(_Placed(disclosure, (*issued, key), (*path, key)))
            out[key] = self.value(disclosure.value, (*issued, key), (*path, key))
        return out

    def array(self, arr: list[Any], issued: ClaimPath, path: ClaimPath) -> list[Any]:
        out: list[Any] = []
        for index, item in enumerate(arr):
            if isinstance(item, dict) and "..." in item:
                digest = item["..."]
                if len(item) != 1 or not isinstance(digest, str):
                    raise SdJwtError("malformed", 'an array element digest must be {"...": "<digest>"}')
                disclosure = self._match(digest)
                if disclosure is None:
                    continue  # §7.1 step 3.4
                if disclosure.name is not None:  # §7.1 step 3.3.3.1
                    raise SdJwtError("invalid_disclosure", "a property disclosure is used as an array element")
                self.placed.append(_Placed(disclosure, (*issued, index), (*path, len(out))))
                item = disclosure.value
            out.append(self.value(item, (*issued, index), (*path, len(out))) if type(item) in _CONTAINERS else item)
        return out

    def _match(self, digest: str) -> Disclosure | None:
        if digest in self.seen:  # §7.1 step 4
            raise SdJwtError("duplicate_digest", "a digest appears more than once in the SD-JWT")
        self.seen.add(digest)
        return self.by_digest.get(digest)


def _process(sd_jwt: SdJwt) -> tuple[JsonObject, list[_Placed]]:
    processor = _Processor(sd_jwt.disclosures)
    claims = processor.object(sd_jwt.payload, (), ())
    claims.pop("_sd_alg", None)
    if len(processor.placed) != len(sd_jwt.disclosures):  # §7.1 step 5
        raise SdJwtError("unreferenced_disclosure", "a disclosure is not referenced by the SD-JWT")
    return claims, processor.placed


# --- Holder -------------------------------------------------------------------------------------------------


def _related(issued: ClaimPath, wanted: ClaimPath) -> bool:
    """``issued`` lies on the way to ``wanted`` or below it (``None`` in ``wanted`` matches any index)."""
    return all(w == i if w is not None else type(i) is int for i, w in zip(issued, wanted, strict=False))


def select_disclosures(sd_jwt: SdJwt, disclose: Iterable[Sequence[PathComponent]]) -> tuple[Disclosure, ...]:
    """The Disclosures revealing each path: every enclosing one (§4.2.6) and everything below it."""
    wanted = [claim_path(p) for p in disclose]
    _, placed = _process(sd_jwt)
    keep = {p.disclosure.digest for p in placed if any(_related(p.issued_path, w) for w in wanted)}
    return tuple(d for d in sd_jwt.disclosures if d.digest in keep)


def create_kb_jwt(
    sd_jwt_presentation: str,
    *,
    signer: JwtSigner,
    audience: str,
    nonce: str,
    now: datetime,
    sd_alg: str = "sha-256",
) -> str:
    """A Key Binding JWT (§4.3) over ``<jwt>~<d1>~...~``."""
    claims = {
        "iat": int(now.timestamp()),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": sd_digest(sd_jwt_presentation, sd_alg),
    }
    return signer.sign({"typ": KB_JWT_TYP}, claims)


def create_presentation(
    sd_jwt: SdJwt,
    disclose: Iterable[Sequence[PathComponent]],
    *,
    holder: JwtSigner | None = None,
    audience: str = "",
    nonce: str = "",
    now: datetime | None = None,
) -> str:
    """An SD-JWT revealing ``disclose``; an SD-JWT+KB when ``holder`` (with audience, nonce, now) is given."""
    if sd_jwt.kb_jwt is not None:  # §7.2: a Holder must reject an SD-JWT+KB from an Issuer
        raise SdJwtError("kb_unexpected", "an issued SD-JWT must not carry a KB-JWT")
    presentation = serialize_sd_jwt(sd_jwt.issuer_jwt, select_disclosures(sd_jwt, disclose))
    if holder is None:
        return presentation
    if not audience or not nonce or now is None:
        raise ValueError("key binding needs audience, nonce and now")
    kb = create_kb_jwt(presentation, signer=holder, audience=audience, nonce=nonce, now=now, sd_alg=sd_jwt.sd_alg)
    return presentation + kb


# --- Verifier -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyBindingCheck:
    """The Verifier's Key Binding policy (§7.3): passing one means a KB-JWT is required.

    ``max_age`` bounds how old the KB-JWT ``iat`` may be; None switches freshness off (replaying vectors).
    """

    audience: str
    nonce: str
    max_age: timedelta | None = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    header: JsonObject
    claims: JsonObject  # the Processed SD-JWT Payload
    disclosed_paths: tuple[ClaimPath, ...]  # where each Disclosure landed in ``claims``
    holder_jwk: Jwk | None  # cnf.jwk
    key_binding: JsonObject | None  # the verified KB-JWT payload, when Key Binding was required


def _check_signature(
    jws: CompactJws, jwk: Jwk, verifier: JwsVerifier, allowed_algs: frozenset[str], *, kb: bool
) -> None:
    alg = jws.header.get("alg")
    what = "KB-JWT" if kb else "Issuer-signed JWT"
    # §7.1 step 2.1 / §7.3 step 5.2: never "none", never a MAC.
    if not isinstance(alg, str) or alg not in allowed_algs & ASYMMETRIC_JWS_ALGS:
        raise SdJwtError("disallowed_alg", f"the {what} alg is not allowed")
    try:
        verifier.verify(jws.signing_input, jws.signature, alg=alg, jwk=jwk)
    except SignatureError:
        reason: SdJwtReason = "kb_bad_signature" if kb else "bad_signature"
        raise SdJwtError(reason, f"the {what} signature does not verify") from None


def _numeric(claims: JsonObject, name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    seconds = numeric_date(value)  # RFC 7519 §2; None also for NaN, infinities and numbers beyond any date
    if seconds is None:
        raise SdJwtError("malformed", f"{name} must be a NumericDate")
    return seconds


def _check_validity(claims: JsonObject, now: float, leeway: float) -> None:
    """§7.1 step 6."""
    exp, nbf = _numeric(claims, "exp"), _numeric(claims, "nbf")
    if exp is not None and now - leeway >= exp:
        raise SdJwtError("expired", "the SD-JWT has expired")
    if nbf is not None and now + leeway < nbf:
        raise SdJwtError("not_yet_valid", "the SD-JWT is not yet valid")


def _verify_kb(
    sd_jwt: SdJwt,
    holder_jwk: Jwk,
    check: KeyBindingCheck,
    *,
    verifier: JwsVerifier,
    now: float,
    leeway: float,
    allowed_algs: frozenset[str],
) -> JsonObject:
    """§7.3 step 5."""
    try:
        kb = parse_compact_jws(sd_jwt.kb_jwt or "")
    except (ValueError, RecursionError):
        raise SdJwtError("kb_malformed", "the KB-JWT is not a well-formed JWS") from None
    _check_signature(kb, holder_jwk, verifier, allowed_algs, kb=True)
    if kb.header.get("typ") != KB_JWT_TYP:
        raise SdJwtError("kb_typ", "the KB-JWT typ must be kb+jwt")
    iat = _numeric(kb.payload, "iat")
    if iat is None:
        raise SdJwtError("kb_malformed", "the KB-JWT has no iat")
    too_old = check.max_age is not None and iat < now - check.max_age.total_seconds() - leeway
    if too_old or iat > now + leeway:
        raise SdJwtError("iat_out_of_window", "the KB-JWT iat is outside the accepted window")
    if kb.payload.get("nonce") != check.nonce:
        raise SdJwtError("nonce_mismatch", "the KB-JWT nonce does not match")
    if kb.payload.get("aud") != check.audience:  # a single string (§4.3)
        raise SdJwtError("aud_mismatch", "the KB-JWT aud does not match")
    if kb.payload.get("sd_hash") != sd_digest(sd_jwt.without_kb(), sd_jwt.sd_alg):
        raise SdJwtError("sd_hash_mismatch", "the KB-JWT sd_hash does not match the presented SD-JWT")
    return kb.payload


def verify_sd_jwt(
    sd_jwt: SdJwt,
    *,
    issuer_jwk: Jwk,
    verifier: JwsVerifier,
    now: datetime,
    key_binding: KeyBindingCheck | None,
    allowed_algs: frozenset[str] = ASYMMETRIC_JWS_ALGS,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedSdJwt:
    """RFC 9901 §7.1 and §7.3. ``issuer_jwk`` must already be validated as the issuer's key (§7.1 step 2.3).

    Whether a KB-JWT is required is the caller's policy (``key_binding``), never the token's (§7.3 step 1);
    when it is not required a KB-JWT that is present is ignored.
    """
    if key_binding is not None and sd_jwt.kb_jwt is None:  # §7.3 step 2
        raise SdJwtError("kb_missing", "Key Binding is required but no KB-JWT was presented")
    _check_signature(sd_jwt.jws, issuer_jwk, verifier, allowed_algs, kb=False)
    claims, placed = _process(sd_jwt)
    epoch, slack = now.timestamp(), leeway.total_seconds()
    _check_validity(claims, epoch, slack)
    cnf = claims.get("cnf")
    holder_jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if holder_jwk is not None and not isinstance(holder_jwk, dict):
        raise SdJwtError("malformed", "cnf.jwk must be a JWK object")
    kb_payload = None
    if key_binding is not None:
        if holder_jwk is None:
            raise SdJwtError("no_holder_key", "Key Binding is required but the SD-JWT has no cnf.jwk")
        kb_payload = _verify_kb(
            sd_jwt,
            holder_jwk,
            key_binding,
            verifier=verifier,
            now=epoch,
            leeway=slack,
            allowed_algs=allowed_algs,
        )
    return VerifiedSdJwt(sd_jwt.header, claims, tuple(p.path for p in placed), holder_jwk, kb_payload)
