"""Issuance use-cases: create an offer, serve it by reference, token, nonce, credential (OpenID4VCI 1.0 §4-§8),
deferred credential (§9) and offer approval.

Secrets (pre-authorized codes, tx_codes, access tokens, transaction ids) are stored only as SHA-256 hashes, except
the pre-authorized code of an offer served by reference, which is kept until redemption. Nothing secret is logged.

Every credential gets a status list entry (``services.status``) before it is signed, and every Credential Response
a ``notification_id`` (§8.3, §11). An offer that requires approval (its own ``approval_required`` or a
configuration's ``deferred``) answers 202 with a ``transaction_id`` until ``approve_offer``; the holder keys whose
proofs were verified then are stored with the transaction and the credentials are signed at delivery.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oid4vc.clock import Clock
from oid4vc.config import CredentialConfigurationSettings, Settings
from oid4vc.crypto.base import JwsVerifier
from oid4vc.crypto.keystore import KeyRing
from oid4vc.dids import web as did_web
from oid4vc.dids.identity import key_identity
from oid4vc.errors import (
    ConflictError,
    CredentialRequestDeniedError,
    InvalidNonceError,
    InvalidProofError,
    InvalidRequestError,
    InvalidTokenError,
    NotFoundError,
    ProtocolError,
)
from oid4vc.formats.base import CredentialFormat, HolderBinding, IssuerKey, PreflightError, SignedCredential
from oid4vc.formats.sd_jwt_vc import open_badge_type_metadata
from oid4vc.formats.sd_jwt_vc_format import default_vct, sd_paths
from oid4vc.issuance import metadata as md
from oid4vc.issuance.credential_request import validate_credential_request
from oid4vc.issuance.deferred import InvalidTransactionIdError, deferred_response, parse_deferred_credential_request
from oid4vc.issuance.nonce import check_nonce, issue_nonce
from oid4vc.issuance.offer import OfferApproval, OfferCreate, credential_offer, offer_uri
from oid4vc.issuance.proofs import verify_jwt_proof
from oid4vc.issuance.token import error_for, parse_token_request, token_response
from oid4vc.jose import JsonObject
from oid4vc.ler.errors import LerValidationError
from oid4vc.ler.models import Profile
from oid4vc.services.credentials import build_credential, check_offer, issuer_profile
from oid4vc.services.events import Event, EventBus
from oid4vc.services.randomness import Randomness
from oid4vc.services.status import IssuedStatus, StatusService
from oid4vc.store.base import (
    AccessTokenRecord,
    DeferredTransaction,
    HolderKey,
    IssuedCredentialRecord,
    OfferRecord,
    OfferState,
    RedeemOutcome,
    Store,
    TokenOffer,
)

__all__ = ["CreatedOffer", "CredentialResponse", "IssuerService", "secret_hash"]

NESTED_LDP_CONFIG = CredentialConfigurationSettings(format="ldp_vc", ldp_suite="eddsa-rdfc-2022")

log = logging.getLogger(__name__)
# RFC 6750 §2.1 b64token, the syntax of a Bearer access token (ours are URL-safe base64, well under 512 characters)
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,512}=*")


def secret_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedOffer:
    offer: OfferRecord
    offer_uri: str | None
    tx_code: str | None  # shown once, to the issuer; only its hash is stored


@dataclass(frozen=True, slots=True)
class CredentialResponse:
    """A Credential or Deferred Credential Response body; ``deferred`` means HTTP 202 (§8.3, §9.2)."""

    body: JsonObject
    deferred: bool = False


@dataclass(slots=True)
class IssuerService:
    settings: Settings
    store: Store
    keys: KeyRing
    formats: Mapping[str, CredentialFormat]
    verifier: JwsVerifier
    clock: Clock
    random: Randomness
    # the c_nonce MAC key (oid4vc.issuance.nonce.nonce_key): the same in every worker, so no default
    nonce_key: bytes = field(repr=False)
    events: EventBus = field(default_factory=EventBus)
    status: StatusService | None = None  # None: credentials carry no status entry
    # did:key / did:jwk encodings per signing key (kid = RFC 7638 thumbprint); a pure function, computed once
    _identities: dict[str, IssuerKey] = field(default_factory=dict, init=False, repr=False)
    _profiles: dict[str, Profile] = field(default_factory=dict, init=False, repr=False)  # per issuer id

    async def _emit(self, type_: str, subject_id: str | None, **data: Any) -> None:
        await self.events.publish(Event(type_, self.clock.now(), data, subject_id))

    @property
    def issuer_url(self) -> str:
        return self.settings.public_url

    def credential_issuer_metadata(self) -> JsonObject:
        return md.credential_issuer_metadata(self.settings, self.formats)

    def authorization_server_metadata(self) -> JsonObject:
        return md.authorization_server_metadata(self.settings)

    def type_metadata(self, credential_type: str) -> JsonObject:
        """SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc-13 §6) for our default https ``vct`` values."""
        for config in self.settings.credential_configurations.values():
            if config.format == "dc+sd-jwt" and config.vct is None and config.credential_type == credential_type:
                vct = default_vct(config, public_url=self.issuer_url)
                return open_badge_type_metadata(
                    vct,
                    name=config.display_name or "Open Badge",
                    sd_paths=sd_paths(config),
                    locale=self.settings.issuer.locale,
                )
        raise NotFoundError("no type metadata for that vct")

    # -- identity ---------------------------------------------------------------------------------------

    def did_document(self) -> JsonObject | None:
        """The did:web DID Document listing every key, old and new (None unless did:web is configured)."""
        if self.settings.issuer.did_method != "web":
            return None
        did = did_web.did_web_from_url(self.issuer_url)
        active = [k.key.kid for k in self.keys.all() if k.active]
        return did_web.did_document(
            did, [(k.key.kid, k.key.public_jwk) for k in self.keys.all()], assertion_kids=active
        )

    def issuer_key(self, fmt: CredentialFormat) -> IssuerKey:
        signer = self.keys.active(fmt.key_type)
        known = self._identities.get(signer.kid)
        if known is not None and known.signer is signer:
            return known
        ident = key_identity(
            self.settings.issuer.did_method, signer.public_jwk, kid=signer.kid, public_url=self.issuer_url
        )
        key = IssuerKey(signer=signer, issuer_id=ident.did, verification_method=ident.verification_method)
        self._identities[signer.kid] = key
        return key

    def _config(self, config_id: str) -> tuple[CredentialConfigurationSettings, CredentialFormat]:
        config = self.settings.credential_configurations[config_id]
        return config, self.formats[config.format]

    def _issuer_for(self, fmt: CredentialFormat) -> tuple[IssuerKey, Profile]:
        key = self.issuer_key(fmt)
        profile = self._profiles.get(key.issuer_id)
        if profile is None:
            profile = self._profiles[key.issuer_id] = issuer_profile(self.settings.issuer, issuer_id=key.issuer_id)
        return key, profile

    def _valid_until(self, now: datetime) -> datetime | None:
        days = self.settings.issuance.credential_valid_days
        return now + timedelta(days=days) if days else None

    async def _check_offer_subject(self, config_id: str, subject: JsonObject, now: datetime) -> None:
        """A bad offer is a 400 now, never a broken credential at issuance time: the 1EdTech schema on a preview
        (errors name the input field), then the format's own checks (JSON-LD safe mode for ldp_vc)."""
        config, fmt = self._config(config_id)
        _, profile = self._issuer_for(fmt)
        try:
            preview = check_offer(
                config.credential_type,
                subject,
                issuer=profile,
                now=now,
                vcdm=fmt.vcdm(config),
                extra_contexts=fmt.extra_contexts(config),
            )
            await fmt.preflight(preview, config=config)
        except (LerValidationError, PreflightError) as exc:
            raise InvalidRequestError(str(exc)) from None

    # -- offers (admin) ---------------------------------------------------------------------------------

    async def create_offer(self, request: OfferCreate) -> CreatedOffer:
        now = self.clock.now()
        for config_id in request.configuration_ids:
            if config_id not in self.settings.credential_configurations:
                raise InvalidRequestError(f"credential_configuration_id: unknown configuration {config_id}")
            await self._check_offer_subject(config_id, request.credential_subject, now)
        expires_in = request.expires_in or self.settings.issuance.offer_expires_in
        if expires_in > self.settings.issuance.max_offer_expires_in:
            raise InvalidRequestError(f"expires_in: at most {self.settings.issuance.max_offer_expires_in} seconds")
        code = self.random.token()
        spec = request.tx_code_spec
        tx_code = self.random.code(spec.length, spec.input_mode) if spec else None
        offer = OfferRecord(
            id=self.random.token(12),
            credential_configuration_ids=request.configuration_ids,
            credential_subject=request.credential_subject,
            pre_authorized_code_hash=secret_hash(code),
            pre_authorized_code=code,
            reference=self.random.token(),
            tx_code=spec,
            tx_code_hash=secret_hash(code, tx_code) if tx_code else None,
            created_at=now,
            expires_at=now + timedelta(seconds=expires_in),
            by_reference=request.by_reference,
            approval_required=request.approval_required
            or any(self.settings.credential_configurations[c].deferred for c in request.configuration_ids),
        )
        if request.webhook is not None:
            await self.events.watch(offer.id, request.webhook)  # first, so that it receives offer.created
        await self.store.create_offer(offer)
        await self._emit(
            "offer.created",
            offer.id,
            credential_configuration_ids=list(offer.credential_configuration_ids),
            tx_code_required=spec is not None,
            by_reference=offer.by_reference,
            approval_required=offer.approval_required,
        )
        log.info(
            "offer created offer=%s configs=%s tx_code=%s",
            offer.id,
            ",".join(offer.credential_configuration_ids),
            bool(spec),
        )
        return CreatedOffer(offer, self.offer_uri(offer), tx_code)

    def credential_offer_uri(self, offer: OfferRecord) -> str:
        return f"{self.issuer_url}/credential-offer/{offer.reference}"

    def offer_uri(self, offer: OfferRecord) -> str | None:
        """The ``openid-credential-offer://`` link while the offer can be redeemed, else None."""
        if offer.pre_authorized_code is None:
            return None
        if offer.by_reference:
            return offer_uri(credential_offer_uri=self.credential_offer_uri(offer))
        body = credential_offer(offer, credential_issuer=self.issuer_url, pre_authorized_code=offer.pre_authorized_code)
        return offer_uri(offer=body)

    async def get_offer(self, offer_id: str) -> OfferRecord:
        offer = await self.store.get_offer(offer_id)
        if offer is None:
            raise NotFoundError("no such offer")
        return offer

    async def approve_offer(self, offer_id: str, approval: OfferApproval) -> OfferRecord:
        """Release an offer that requires approval, optionally with the final ``credential_subject`` (checked like
        a new offer's). Pending deferred transactions deliver on the wallet's next poll."""
        offer = await self.get_offer(offer_id)
        now = self.clock.now()
        subject = approval.credential_subject
        if not offer.approval_required:
            raise ConflictError("this offer does not require approval")
        if offer.approved_at is not None and subject is None:
            return offer  # approving twice is harmless
        if offer.state_at(now) in (OfferState.ISSUED, OfferState.EXPIRED, OfferState.LOCKED):
            raise ConflictError(f"the offer is {offer.state_at(now).value}")
        if subject is not None:
            for config_id in offer.credential_configuration_ids:
                await self._check_offer_subject(config_id, subject, now)
        approved = await self.store.approve_offer(offer.id, credential_subject=subject, now=now)
        if approved is None:
            raise NotFoundError("no such offer")
        log.info("offer approved offer=%s subject_replaced=%s", offer.id, subject is not None)
        await self._emit("offer.approved", offer.id, subject_replaced=subject is not None)
        return approved

    async def _redeemable_by_reference(self, reference: str) -> OfferRecord:
        offer = await self.store.get_offer_by_reference(reference)
        if offer is None or offer.pre_authorized_code is None or offer.state_at(self.clock.now()) != "offered":
            raise NotFoundError("no such credential offer, or it is no longer valid")
        return offer

    async def offer_link_by_reference(self, reference: str) -> str:
        """The ``openid-credential-offer://`` link the issuer was given (for QR codes on pages)."""
        link = self.offer_uri(await self._redeemable_by_reference(reference))
        assert link is not None
        return link

    async def offer_by_reference(self, reference: str) -> JsonObject:
        """The offer object behind ``credential_offer_uri`` (§4.1.3), while it can still be redeemed."""
        offer = await self._redeemable_by_reference(reference)
        log.debug("offer fetched offer=%s", offer.id)
        await self._emit("offer.fetched", offer.id)
        assert offer.pre_authorized_code is not None
        return credential_offer(offer, credential_issuer=self.issuer_url, pre_authorized_code=offer.pre_authorized_code)

    # -- token, nonce -----------------------------------------------------------------------------------

    async def token(self, form: dict[str, str]) -> JsonObject:
        try:
            request = parse_token_request(form)
        except ProtocolError as exc:
            await self._emit(
                "token.failed", None, error=exc.error, error_description=exc.description, reason="malformed"
            )
            raise
        code = request.pre_authorized_code or ""
        now = self.clock.now()
        access_token = self.random.token()
        ttl = self.settings.issuance.access_token_expires_in
        result = await self.store.redeem_pre_authorized_code(
            secret_hash(code),
            tx_code_hash=secret_hash(code, request.tx_code) if request.tx_code is not None else None,
            now=now,
            max_tx_code_attempts=self.settings.issuance.tx_code_max_attempts,
            access_token=AccessTokenRecord(secret_hash(access_token), "", (), now + timedelta(seconds=ttl)),
        )
        offer_id = result.offer.id if result.offer else "-"
        if result.outcome is not RedeemOutcome.REDEEMED:
            log.info("token refused offer=%s reason=%s", offer_id, result.outcome.value)
            error = error_for(result)
            await self._emit(
                "token.failed",
                result.offer.id if result.offer else None,
                error=error.error,
                error_description=error.description,
                reason=result.outcome.value,
            )
            raise error
        log.debug("token issued offer=%s", offer_id)
        await self._emit("token.issued", offer_id)
        return token_response(access_token, expires_in=ttl)

    async def new_nonce(self) -> str:
        """§7.2: a stateless c_nonce (MAC and expiry inside, nothing stored); single use is enforced at its use."""
        expires = self.clock.now() + timedelta(seconds=self.settings.issuance.c_nonce_expires_in)
        return issue_nonce(self.nonce_key, random16=self.random.bytes(16), expires_at=expires)

    # -- credential -------------------------------------------------------------------------------------

    async def authorize(self, authorization: str | None) -> TokenOffer:
        """The access token behind an ``Authorization: Bearer`` header with the offer it was issued for, or 401
        (RFC 6750 §3.1)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError("a Bearer access token is required")
        # RFC 6750 §2.1: not one we issued, nor text to hash or look up (aiohttp hands over header bytes that are
        # not UTF-8 as lone surrogates)
        if not _B64TOKEN.fullmatch(token.strip()):
            raise InvalidTokenError("the access token is unknown or expired")
        found = await self.store.get_token_offer(secret_hash(token.strip()), now=self.clock.now())
        if found is None:
            raise InvalidTokenError("the access token is unknown or expired")
        return found

    async def credential(self, authorized: TokenOffer, body: Any) -> CredentialResponse:
        """Issue (or defer) for one Credential Request; emits credential.issued / credential.deferred, or
        credential.failed with the wire error."""
        token = authorized.token
        try:
            return await self._credential(token, authorized.offer, body)
        except ProtocolError as exc:
            config_id = body.get("credential_configuration_id") if isinstance(body, dict) else None
            await self._emit(
                "credential.failed",
                token.offer_id,
                error=exc.error,
                error_description=exc.description,
                credential_configuration_id=config_id if isinstance(config_id, str) else None,
            )
            raise

    async def _credential(self, token: AccessTokenRecord, offer: OfferRecord, body: Any) -> CredentialResponse:
        request = validate_credential_request(
            body,
            known_configurations=frozenset(self.settings.credential_configurations),
            granted_configurations=token.credential_configuration_ids,
            batch_size=self.settings.issuance.batch_size,
        )
        now = self.clock.now()
        proofs = [
            verify_jwt_proof(
                jwt,
                verifier=self.verifier,
                audience=self.issuer_url,
                allowed_algs=frozenset(md.PROOF_SIGNING_ALGS),
                now=now,
                max_age=self.settings.issuance.proof_max_age,
                max_skew=self.settings.issuance.proof_max_skew,
            )
            for jwt in request.jwt_proofs
        ]
        if len({p.jkt for p in proofs}) != len(proofs):
            raise InvalidProofError("each proof in a batch must use a distinct key")
        for nonce in {p.nonce for p in proofs}:
            # §8.3.1.2 / §13.8: only a c_nonce we issued, unexpired, and used once (the store records its use)
            expires = check_nonce(self.nonce_key, nonce, now=now)
            if expires is None or not await self.store.consume_nonce(nonce, expires_at=expires, now=now):
                raise InvalidNonceError("c_nonce is invalid, expired or already used; fetch a new one")
        config_id = request.credential_configuration_id
        holders = [HolderKey(p.holder_jwk, p.holder_did, p.jkt) for p in proofs]
        if offer.approval_required and offer.approved_at is None:
            return await self._defer(token, offer, config_id, holders, now)
        body = await self._deliver(
            offer, config_id, holders, now,
            record=functools.partial(self.store.record_issuance, token.token_hash, config_id),
            lost=CredentialRequestDeniedError("credentials for this configuration were already issued"),
        )
        return CredentialResponse(body)

    async def _defer(
        self, token: AccessTokenRecord, offer: OfferRecord, config_id: str, holders: list[HolderKey], now: datetime
    ) -> CredentialResponse:
        """§8.3: 202 with a transaction_id; the verified holder keys wait with it for the issuer's approval."""
        transaction_id = self.random.token()
        expires = now + timedelta(seconds=self.settings.issuance.deferred_expires_in)
        transaction = DeferredTransaction(
            secret_hash(transaction_id), token.token_hash, offer.id, config_id, tuple(holders), now, expires
        )
        if not await self.store.record_deferral(transaction, token_expires_at=expires):
            raise CredentialRequestDeniedError("credentials for this configuration were already requested")
        log.info("credential deferred offer=%s config=%s count=%d", offer.id, config_id, len(holders))
        await self._emit("credential.deferred", offer.id, credential_configuration_id=config_id, count=len(holders))
        return CredentialResponse(
            deferred_response(transaction_id, interval=self.settings.issuance.deferred_interval), deferred=True
        )

    async def deferred_credential(self, token: AccessTokenRecord, body: Any) -> CredentialResponse:
        """§9: the credentials once the offer is approved (the transaction_id is then used up), else 202 again."""
        try:
            transaction_id = parse_deferred_credential_request(body)
            now = self.clock.now()
            transaction = await self.store.get_deferred(secret_hash(transaction_id), now=now)
            # §9.3: unknown, expired, already used, or issued to another access token
            if transaction is None or transaction.token_hash != token.token_hash:
                raise InvalidTransactionIdError("the transaction_id is unknown, expired or already used")
            offer = await self.get_offer(transaction.offer_id)
            if offer.approval_required and offer.approved_at is None:
                interval = self.settings.issuance.deferred_interval
                return CredentialResponse(deferred_response(transaction_id, interval=interval), deferred=True)
            body_out = await self._deliver(
                offer, transaction.credential_configuration_id, list(transaction.holders), now,
                record=functools.partial(self.store.complete_deferred, transaction.transaction_id_hash, now=now),
                lost=InvalidTransactionIdError("the transaction_id is unknown, expired or already used"),
            )
            return CredentialResponse(body_out)
        except ProtocolError as exc:
            await self._emit("credential.failed", token.offer_id, error=exc.error, error_description=exc.description,
                             deferred=True)
            raise

    async def _deliver(
        self,
        offer: OfferRecord,
        config_id: str,
        holders: list[HolderKey],
        now: datetime,
        *,
        record: Callable[[list[IssuedCredentialRecord]], Awaitable[bool]],
        lost: ProtocolError,
    ) -> JsonObject:
        """Sign one credential per holder key, record them (``record`` returns False when another request won),
        and build the response with its notification_id."""
        notification_id = self.random.token(16)
        credentials, records = await self._sign_all(config_id, offer, holders, now, notification_id)
        if not await record(records):
            raise lost
        for rec in records:
            await self._emit(
                "credential.issued",
                offer.id,
                credential_id=rec.id,
                format=rec.format,
                credential_configuration_id=config_id,
                holder_jkt=rec.holder_jkt,
                status_list=rec.status.list_id if rec.status else None,
            )
            log.info("credential issued offer=%s credential=%s format=%s jkt=%s", offer.id, rec.id, rec.format,
                     rec.holder_jkt)
        return {"credentials": [{"credential": c} for c in credentials], "notification_id": notification_id}

    async def _sign_all(
        self, config_id: str, offer: OfferRecord, holders: list[HolderKey], now: datetime, notification_id: str
    ) -> tuple[list[SignedCredential], list[IssuedCredentialRecord]]:
        config, fmt = self._config(config_id)
        key, profile = self._issuer_for(fmt)
        statuses: list[IssuedStatus | None] = [None] * len(holders)
        if self.status is not None and self.status.enabled:
            statuses = list(await self.status.allocate(fmt.status_form, len(holders), now=now))
        in_document = fmt.status_form != "token"  # W3C credentialStatus, else the SD-JWT VC status claim
        signed: list[SignedCredential] = []
        records: list[IssuedCredentialRecord] = []
        for holder_key, status in zip(holders, statuses, strict=True):
            holder = HolderBinding(jwk=holder_key.jwk, did=holder_key.did)
            unsigned = await build_credential(
                config.credential_type,
                offer.credential_subject,
                credential_id=self.random.uuid_urn,
                issuer=profile,
                holder_id=holder_key.did,
                valid_from=now,
                valid_until=self._valid_until(now),
                vcdm=fmt.vcdm(config),
                extra_contexts=fmt.extra_contexts(config),
                nested_issuer=self._issuer_for(self.formats["ldp_vc"])[1],
                sign_nested=functools.partial(self._sign_nested, holder=holder, now=now),
                credential_status=status.entry if status and in_document else None,
                nested_credential_status=status.nested_entry if status else None,
            )
            claim = status.entry if status and not in_document else None
            signed.append(await fmt.sign(unsigned, config=config, key=key, holder=holder, now=now, status=claim))
            records.append(
                IssuedCredentialRecord(
                    unsigned["id"], offer.id, config_id, fmt.format, holder_key.jkt, now,
                    status=status.ref if status else None, notification_id=notification_id,
                )
            )
        return signed, records

    async def _sign_nested(self, credential: JsonObject, *, holder: HolderBinding, now: datetime) -> JsonObject:
        """A CLR's nested AchievementCredential, secured with eddsa-rdfc-2022 (what 1EdTech certifies)."""
        ldp = self.formats["ldp_vc"]
        signed = await ldp.sign(credential, config=NESTED_LDP_CONFIG, key=self.issuer_key(ldp), holder=holder, now=now)
        assert isinstance(signed, dict)
        return signed
