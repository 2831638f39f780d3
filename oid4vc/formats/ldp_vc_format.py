"""``ldp_vc``: a W3C VC secured with an embedded Data Integrity proof (OpenID4VCI 1.0 Appendix A.1.2).

Per configuration (``ldp_suite``):
- ``eddsa-rdfc-2022`` (default): a VCDM 2.0 Open Badge with a ``DataIntegrityProof`` -- the proof 1EdTech
  certifies for Open Badges 3.0;
- ``Ed25519Signature2020``: a VCDM 1.1 credential with the legacy suite, for wallets that only know it (the
  Learner Credential Wallet's older releases, Credo's ldp_vc path).

Metadata (A.1.2): ``credential_definition`` with ``@context`` and ``type``; the signing values are the Data
Integrity cryptosuite / legacy proof type names (the LD suite registry the spec points at predates cryptosuites;
see docs/formats.md). Canonicalization runs in the executor handed in at construction (a process pool in the
server), so signing never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from datetime import datetime
from typing import Literal

from oid4vc.config import CredentialConfigurationSettings
from oid4vc.formats.base import HolderBinding, IssuerKey, PreflightError, SignedCredential, StatusForm, Vcdm
from oid4vc.formats.ldp_vc import DataIntegrityError, add_proof, canonicalize
from oid4vc.jose import JsonObject

__all__ = ["ED25519_2020_CONTEXT", "LdpVc"]

ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


class LdpVc:
    format: str = "ldp_vc"
    key_type: Literal["EC", "OKP"] = "OKP"
    status_form: StatusForm = "di"

    def __init__(self, executor: Executor | None) -> None:
        self._executor = executor

    def vcdm(self, config: CredentialConfigurationSettings) -> Vcdm:
        return "1.1" if config.ldp_suite == "Ed25519Signature2020" else "2.0"

    def extra_contexts(self, config: CredentialConfigurationSettings) -> tuple[str, ...]:
        return (ED25519_2020_CONTEXT,) if config.ldp_suite == "Ed25519Signature2020" else ()

    def signing_algs(self, config: CredentialConfigurationSettings) -> list[str]:
        return [config.ldp_suite]

    async def preflight(self, credential: JsonObject, *, config: CredentialConfigurationSettings) -> None:
        """JSON-LD safe mode on the preview: a term the contexts do not define would be silently unsigned."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, canonicalize, credential)
        except DataIntegrityError as exc:
            raise PreflightError(f"credential_subject: {exc.message}") from None

    def configuration_metadata(self, config: CredentialConfigurationSettings, *, public_url: str) -> JsonObject:
        base = (
            "https://www.w3.org/2018/credentials/v1"
            if self.vcdm(config) == "1.1"
            else "https://www.w3.org/ns/credentials/v2"
        )
        contexts = (
            [base, _CLR_CONTEXT, _OB_CONTEXT] if config.credential_type == "ClrCredential" else [base, _OB_CONTEXT]
        )
        contexts += list(self.extra_contexts(config))
        return {
            "credential_definition": {"@context": contexts, "type": ["VerifiableCredential", config.credential_type]}
        }

    async def sign(
        self,
        credential: JsonObject,
        *,
        config: CredentialConfigurationSettings,
        key: IssuerKey,
        holder: HolderBinding,
        now: datetime,
        status: JsonObject | None = None,
    ) -> SignedCredential:
        return await add_proof(
            credential,
            signer=key.signer,
            verification_method=key.verification_method,
            created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            executor=self._executor,
            cryptosuite=config.ldp_suite,
        )
