"""Credential status, issuer side: entries for new credentials and the signed status lists that publish them.

- ``ldp_vc`` / ``jwt_vc_json``: a ``BitstringStatusListEntry`` with ``statusPurpose`` ``revocation`` (W3C Bitstring
  Status List v1.0 §2.1). One entry only: Open Badges 3.0 and CLR 2.0 allow a single ``credentialStatus`` object, and
  the 1EdTech validator reads the revocation purpose. The list is published twice, signed as Data Integrity
  (eddsa-rdfc-2022, ``application/vc``) for ldp_vc credentials and as a VC-JWT (ES256, ``application/vc+jwt``) for
  jwt_vc_json credentials; both carry the same bits.
- ``dc+sd-jwt``: ``status.status_list {idx, uri}`` (Token Status List -14 §6.2) and a Status List Token with 2-bit
  statuses (VALID, INVALID = revoked, SUSPENDED), ``typ`` ``statuslist+jwt`` (§5.1), served as
  ``application/statuslist+jwt`` (§8.2).

Allocation: the store hands out counters; the index is ``IndexPermutation(list key, size).index(counter)``, random
and never repeated (Bitstring Status List §6.5, Token Status List §13.2-§13.3). Lists are grouped by the keys that
sign them, so a status list always has the same issuer as the credentials it covers, across key rotation.
Indexes are allocated before signing (the index is inside the signed credential); a crash between allocation and
recording wastes an index and nothing else. Each process takes ``status.allocation_block`` counters from the store
at a time and hands them out in order: uniqueness still rests on the store alone (a counter is taken once, by one
process), and the counters a process never used (it stopped, or its keys rotated) stay unused, like decoys.

Publication: a signed artefact per (list, form) is cached and re-signed only when the list's version changes (a
status changed) or half of its validity has passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oid4vc.clock import Clock, to_epoch
from oid4vc.config import CredentialConfigurationSettings, Settings
from oid4vc.crypto.keys import SigningKey
from oid4vc.crypto.keystore import KeyRing, KeyType
from oid4vc.dids.identity import key_identity
from oid4vc.errors import NotFoundError
from oid4vc.fetch.base import Fetched, Fetcher, FetchError
from oid4vc.formats.base import CredentialFormat, HolderBinding, IssuerKey, StatusForm
from oid4vc.jose import JsonObject
from oid4vc.services.randomness import Randomness
from oid4vc.status.allocation import KEY_BYTES, IndexPermutation
from oid4vc.status.bitstring import Bitstring, BitstringStatusListEntry, status_list_credential
from oid4vc.status.token_status_list import MEDIA_TYPE, StatusList, sign_status_list_token, status_claim
from oid4vc.store.base import (
    CredentialState,
    NewStatusList,
    StatusEntryRef,
    StatusKind,
    StatusListRecord,
    StatusSlot,
    Store,
)
from oid4vc.store.transitions import status_value

__all__ = ["BITSTRING_PURPOSE", "IssuedStatus", "LocalStatusFetcher", "StatusListArtefact", "StatusService", "kind_of"]

log = logging.getLogger(__name__)

BITSTRING_PURPOSE = "revocation"
VC_MEDIA_TYPE = "application/vc"  # VCDM 2.0 §6.3: a credential with an embedded proof
VC_JWT_MEDIA_TYPE = "application/vc+jwt"  # VC-JOSE-COSE §3.1.1
_DI_CONFIG = CredentialConfigurationSettings(format="ldp_vc", ldp_suite="eddsa-rdfc-2022")


def kind_of(form: StatusForm) -> StatusKind:
    return StatusKind.TOKEN if form == "token" else StatusKind.BITSTRING


@dataclass(frozen=True, slots=True)
class IssuedStatus:
    """The status entry of one new credential: ``entry`` is its ``credentialStatus`` object (W3C forms) or its
    ``status`` claim (token); ``nested_entry`` is the Data Integrity form for a CLR's nested credentials."""

    ref: StatusEntryRef
    entry: JsonObject
    nested_entry: JsonObject | None


@dataclass(frozen=True, slots=True)
class StatusListArtefact:
    body: bytes
    content_type: str
    etag: str
    max_age: int


@dataclass(frozen=True, slots=True)
class _Signed:
    version: int
    body: bytes
    content_type: str
    etag: str
    refresh_at: datetime
    expires_at: datetime


@dataclass(slots=True)
class StatusService:
    settings: Settings
    store: Store
    keys: KeyRing
    ldp: CredentialFormat  # the ldp_vc format: signs the Data Integrity form in its JSON-LD process pool
    clock: Clock
    random: Randomness
    signatures: int = 0  # status lists signed by this process (for tests and metrics)
    _cache: dict[tuple[str, StatusForm], _Signed] = field(default_factory=dict)
    _locks: dict[tuple[str, StatusForm], asyncio.Lock] = field(default_factory=dict)
    _permutations: dict[str, IndexPermutation] = field(default_factory=dict)
    _reserved: dict[str, deque[StatusSlot]] = field(default_factory=dict)  # per scope: taken, not yet handed out

    @property
    def enabled(self) -> bool:
        return self.settings.status.enabled

    # -- allocation ---------------------------------------------------------------------------------------------

    def _scope(self, kind: StatusKind) -> str:
        ec = self.keys.active("EC").kid
        return f"token:{ec}" if kind is StatusKind.TOKEN else f"bitstring:{ec}:{self.keys.active('OKP').kid}"

    def _new_list(self) -> NewStatusList:
        return NewStatusList(self.random.token(12), self.random.bytes(KEY_BYTES))

    def _index(self, list_id: str, key: bytes, size: int, counter: int) -> int:
        permutation = self._permutations.get(list_id)
        if permutation is None:
            permutation = self._permutations[list_id] = IndexPermutation(key, size)
        return permutation.index(counter)

    async def allocate(self, form: StatusForm, count: int, *, now: datetime) -> list[IssuedStatus]:
        """Entries for ``count`` new credentials of one format."""
        kind = kind_of(form)
        scope = self._scope(kind)
        reserved = self._reserved.setdefault(scope, deque())
        while len(reserved) < count:  # another request may take from the reserve while this one awaits the store
            reserved.extend(await self.store.allocate_status(
                scope=scope, kind=kind, size=self.settings.status.list_size,
                count=max(count - len(reserved), self.settings.status.allocation_block), now=now,
                new_list=self._new_list,
            ))
        slots = [reserved.popleft() for _ in range(count)]  # no await since the check: they are all there
        out = []
        for slot in slots:
            ref = StatusEntryRef(slot.list_id, self._index(slot.list_id, slot.key, slot.size, slot.counter), kind)
            nested = self.entry(ref, "di") if kind is StatusKind.BITSTRING else None
            out.append(IssuedStatus(ref, self.entry(ref, form), nested))
        return out

    def list_url(self, list_id: str, form: StatusForm) -> str:
        base = self.settings.public_url
        if form == "token":
            return f"{base}/status/token/{list_id}"
        return f"{base}/status/bitstring/{list_id}" + ("/jwt" if form == "jwt" else "")

    def entry(self, ref: StatusEntryRef, form: StatusForm) -> JsonObject:
        """The ``credentialStatus`` entry (W3C forms) or ``status`` claim (token) for ``ref``."""
        if form == "token":
            return status_claim(uri=self.list_url(ref.list_id, form), idx=ref.idx)
        return BitstringStatusListEntry(self.list_url(ref.list_id, form), ref.idx, BITSTRING_PURPOSE).to_json()

    # -- publication --------------------------------------------------------------------------------------------

    async def published(self, list_id: str, form: StatusForm) -> StatusListArtefact:
        """The signed list, from the cache while it is current. Raises NotFoundError."""
        record = await self.store.get_status_list(list_id)
        if record is None or record.kind is not kind_of(form):
            raise NotFoundError("no such status list")
        key = (list_id, form)
        signed = self._current(key, record)
        if signed is None:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:
                signed = self._current(key, record)
                if signed is None:
                    signed = await self._sign(record, form)
                    self._cache[key] = signed
        remaining = int((signed.expires_at - self.clock.now()).total_seconds())
        max_age = max(0, min(self.settings.status.ttl, remaining))
        return StatusListArtefact(signed.body, signed.content_type, signed.etag, max_age)

    def _current(self, key: tuple[str, StatusForm], record: StatusListRecord) -> _Signed | None:
        signed = self._cache.get(key)
        if signed is None or signed.version != record.version or self.clock.now() >= signed.refresh_at:
            return None
        return signed

    def _signing_key(self, record: StatusListRecord, kty: KeyType) -> SigningKey:
        parts = record.scope.split(":")
        kid = parts[1] if kty == "EC" else parts[-1]
        for stored in self.keys.all():
            if stored.key.kid == kid:
                return stored.key
        log.warning("status list %s: signing key %s is gone; signing with the active %s key", record.id, kid, kty)
        return self.keys.active(kty)

    def _issuer_key(self, signer: SigningKey) -> IssuerKey:
        ident = key_identity(
            self.settings.issuer.did_method, signer.public_jwk, kid=signer.kid, public_url=self.settings.public_url
        )
        return IssuerKey(signer=signer, issuer_id=ident.did, verification_method=ident.verification_method)

    async def _sign(self, record: StatusListRecord, form: StatusForm) -> _Signed:
        # The version is read before the entries, so the entries are at least as new as the version we tag.
        entries = await self.store.status_list_entries(record.id)
        now = self.clock.now()
        validity = timedelta(seconds=self.settings.status.validity)
        url = self.list_url(record.id, form)
        if form == "token":
            body, content_type = self._token(record, url, entries, now, now + validity), MEDIA_TYPE
        else:
            key = self._issuer_key(self._signing_key(record, "OKP" if form == "di" else "EC"))
            bits = Bitstring(record.size)
            for idx, state in entries.items():
                bits.set(idx, status_value(StatusKind.BITSTRING, state))
            credential = status_list_credential(
                url=url, issuer=key.issuer_id, bitstring=bits, status_purpose=BITSTRING_PURPOSE, valid_from=now,
                valid_until=now + validity, ttl_ms=self.settings.status.ttl * 1000,
            )
            if form == "di":
                signed = await self.ldp.sign(credential, config=_DI_CONFIG, key=key, holder=HolderBinding({}, ""),
                                             now=now)
                body, content_type = json.dumps(signed, separators=(",", ":")).encode(), VC_MEDIA_TYPE
            else:
                claims = credential | {"iss": key.issuer_id, "iat": to_epoch(now), "exp": to_epoch(now + validity)}
                body = key.signer.sign({"typ": "vc+jwt", "kid": key.verification_method}, claims).encode()
                content_type = VC_JWT_MEDIA_TYPE
        self.signatures += 1
        log.info("status list signed list=%s form=%s version=%d entries_set=%d", record.id, form, record.version,
                 len(entries))
        return _Signed(record.version, body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                       refresh_at=now + validity / 2, expires_at=now + validity)

    def _token(
        self, record: StatusListRecord, url: str, entries: dict[int, CredentialState], now: datetime, exp: datetime
    ) -> bytes:
        key = self._issuer_key(self._signing_key(record, "EC"))
        status_list = StatusList(record.size, bits=2)
        for idx, state in entries.items():
            status_list.set(idx, status_value(StatusKind.TOKEN, state))
        token = sign_status_list_token(
            key.signer, uri=url, status_list=status_list, now=now, exp=exp, ttl=self.settings.status.ttl,
            iss=key.issuer_id, header={"kid": key.verification_method},
        )
        return token.encode()

    def forget(self) -> None:
        """Drop every cached artefact (tests; a key rotation)."""
        self._cache.clear()



@dataclass(slots=True)
class LocalStatusFetcher:
    """A ``Fetcher`` for the verifier side that reads this server's own status lists from ``status`` (no HTTP round
    trip to ourselves) and fetches every other URL through ``fallback``."""

    status: StatusService
    fallback: Fetcher

    def _own(self, url: str) -> tuple[str, StatusForm] | None:
        prefix = f"{self.status.settings.public_url}/status/"
        if not url.startswith(prefix):
            return None
        match url.removeprefix(prefix).split("/"):
            case ["bitstring", list_id]:
                return list_id, "di"
            case ["bitstring", list_id, "jwt"]:
                return list_id, "jwt"
            case ["token", list_id]:
                return list_id, "token"
        return None

    async def get(self, url: str, *, accept: str = "application/json", max_bytes: int | None = None) -> Fetched:
        own = self._own(url)
        if own is None:
            return await self.fallback.get(url, accept=accept, max_bytes=max_bytes)
        try:
            artefact = await self.status.published(*own)
        except NotFoundError:
            raise FetchError(f"{url} is not a status list of this server") from None
        return Fetched(url, 200, artefact.content_type, artefact.body)
