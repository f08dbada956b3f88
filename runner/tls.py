"""`dtu serve --tls`: HTTPS with a self-signed certificate made at start (the `cryptography` library).

The certificate covers 127.0.0.1, ::1 and localhost (and the bound host), lives for a week, and is
written with its key to a fresh temp dir. Clients trust it through the certificate file (it is its
own CA): SSL_CERT_FILE for Python's ssl and aiohttp (the okta SDK), REQUESTS_CA_BUNDLE for requests,
NODE_EXTRA_CA_CERTS for Node, `curl --cacert`."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_FOR = _dt.timedelta(days=7)


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                     x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.IPAddress(ipaddress.ip_address("::1"))]
    try:
        ip = ipaddress.ip_address(host)
        if not ip.is_unspecified and x509.IPAddress(ip) not in names:
            names.append(x509.IPAddress(ip))
    except ValueError:
        if host and host != "localhost":
            names.append(x509.DNSName(host))
    return names


def make_certificate(host: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate (also its own CA) and its key for `host`, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dtu serve (self-signed)")])
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "dtu-cert.pem"
    key_path = folder / "dtu-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def make_context(host: str) -> tuple[ssl.SSLContext, str]:
    """A server SSL context with a fresh certificate, and the message telling clients how to trust it."""
    folder = Path(tempfile.mkdtemp(prefix="dtu-tls-"))
    cert_path, key_path = make_certificate(host, folder)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_path, key_path)
    trust = (
        f"dtu serve: TLS with a self-signed certificate: DTU_TLS_CERT={cert_path}\n"
        f"  trust it: SSL_CERT_FILE={cert_path} (Python ssl, aiohttp, the okta SDK), "
        f"REQUESTS_CA_BUNDLE={cert_path} (requests), NODE_EXTRA_CA_CERTS={cert_path}, "
        f"curl --cacert {cert_path}"
    )
    return ctx, trust
