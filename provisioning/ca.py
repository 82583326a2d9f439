"""The center's small certificate authority (the `cryptography` package): a CA
certificate every node trusts, the broker's server certificate (its host name and
addresses as subject alternative names) and, optionally, client certificates whose
common name is the node id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv6Address

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20  # the appliance's life: renewing the CA means visiting every node
LEAF_YEARS = 10
# A Pi without a real-time clock may boot with a stale time before NTP answers:
# certificates are valid from a day back so that first boot does not fail on them.
BACKDATE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Issued:
    certificate_pem: bytes
    key_pem: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str, center: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Kezek {center}"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class CertificateAuthority:
    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey
                 ) -> None:
        self.certificate = certificate
        self._key = key

    @classmethod
    def create(cls, center: str, now: datetime | None = None) -> CertificateAuthority:
        now = now or datetime.now(UTC)
        key = _key()
        name = _name(f"Kezek {center} CA", center)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
        return cls(certificate, key)

    @classmethod
    def load(cls, certificate_pem: bytes, key_pem: bytes) -> CertificateAuthority:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key is not an elliptic-curve key made by provisioning")
        return cls(x509.load_pem_x509_certificate(certificate_pem), key)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return _key_pem(self._key)

    def issue_server(self, center: str, host: str,
                     addresses: list[IPv4Address | IPv6Address],
                     now: datetime | None = None) -> Issued:
        names: list[x509.GeneralName] = [x509.DNSName(host)]
        names += [x509.IPAddress(address) for address in addresses]
        return self._issue(_name(host, center), names, ExtendedKeyUsageOID.SERVER_AUTH, now)

    def issue_client(self, center: str, node_id: str, now: datetime | None = None) -> Issued:
        return self._issue(_name(node_id, center), [], ExtendedKeyUsageOID.CLIENT_AUTH, now)

    def _issue(self, subject: x509.Name, names: list[x509.GeneralName],
               usage: x509.ObjectIdentifier, now: datetime | None) -> Issued:
        now = now or datetime.now(UTC)
        key = _key()
        builder = (
            x509.CertificateBuilder().subject_name(subject)
            .issuer_name(self.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=365 * LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=True, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._key.public_key()), critical=False))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        certificate = builder.sign(self._key, hashes.SHA256())
        return Issued(certificate.public_bytes(serialization.Encoding.PEM), _key_pem(key))
