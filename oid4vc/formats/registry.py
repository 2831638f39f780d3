"""The format registry: one instance per ``format`` identifier this build can sign (OpenID4VCI 1.0 Appendix A)."""

from __future__ import annotations

from concurrent.futures import Executor

from oid4vc.formats.base import CredentialFormat
from oid4vc.formats.jwt_vc import JwtVcJson
from oid4vc.formats.ldp_vc_format import LdpVc
from oid4vc.formats.sd_jwt_vc_format import DcSdJwt

__all__ = ["build_formats"]


def build_formats(*, public_url: str, jsonld_executor: Executor | None) -> dict[str, CredentialFormat]:
    return {
        "jwt_vc_json": JwtVcJson(),
        "ldp_vc": LdpVc(jsonld_executor),
        "dc+sd-jwt": DcSdJwt(public_url=public_url),
    }
