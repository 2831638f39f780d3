"""X.509 for the Verifier's Client Identifier Prefixes ``x509_san_dns`` and ``x509_hash`` (OpenID4VP 1.0 §5.9.3):
load a configured certificate chain and key, read a leaf's DNS SANs, and make a self-signed development
certificate when none is configured (HAIP §5 forbids self-signed leaves in production; the docs say so)."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from oid4vc.crypto.keys import SigningKey, private_jwk
from oid4vc.jose import jwk_thumbprint

__all__ = ["leaf_dns_sans", "load_chain", "load_or_create_dev_certificate", "self_signed_certificate"]


def leaf_dns_sans(der: bytes) -> list[str]:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.get_values_for_type(x509.DNSName)]


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _leaf_ips(der: bytes) -> list[str]:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def self_signed_certificate(key: ec.EllipticCurvePrivateKey, dns_name: str, *, now: datetime, days: int = 365) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_san(dns_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def load_chain(cert_pem: Path, key_pem: Path) -> tuple[list[bytes], SigningKey]:
    """A PEM chain (leaf first) and its P-256 private key."""
    certs = x509.load_pem_x509_certificates(cert_pem.read_bytes())
    key = serialization.load_pem_private_key(key_pem.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("the verifier key must be an EC P-256 key (ES256)")
    if certs[0].public_key() != key.public_key():
        raise ValueError("the verifier certificate does not match its key")
    signer = SigningKey(key, kid=jwk_thumbprint(private_jwk(key)))
    return [c.public_bytes(serialization.Encoding.DER) for c in certs], signer


def load_or_create_dev_certificate(folder: Path, dns_name: str, *, now: datetime) -> tuple[list[bytes], SigningKey]:
    """``<folder>/verifier-cert.pem`` + ``verifier-key.pem`` (0600), made self-signed for ``dns_name`` if missing."""
    cert_path, key_path = folder / "verifier-cert.pem", folder / "verifier-key.pem"
    if cert_path.exists() and key_path.exists():
        chain, signer = load_chain(cert_path, key_path)
        if dns_name in leaf_dns_sans(chain[0]) or dns_name in _leaf_ips(chain[0]):
            return chain, signer
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    der = self_signed_certificate(key, dns_name, now=now)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path.unlink(missing_ok=True)
    key_path.touch(mode=0o600)
    key_path.write_bytes(key_pem)
    cert_path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
    return load_chain(cert_path, key_path)
