"""A throwaway P-256 leaf certificate for the x509 Client Identifier Prefix tests (tests may use cryptography)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from oid4vc.crypto.keys import SigningKey


def leaf(dns_name: str = "verifier.example") -> tuple[SigningKey, list[str], bytes]:
    """(signing key, x5c, leaf DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return SigningKey(key, kid="request-signing"), [base64.b64encode(der).decode("ascii")], der
