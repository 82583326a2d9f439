"""Mosquitto password files, written without `mosquitto_passwd`.

Mosquitto 2 stores `user:$7$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA512 over the
password with a 12-byte salt, 101 iterations, 64-byte hash, both base64. Computing it
with hashlib means an installer's laptop needs no Mosquitto to provision a center, and
the hub can cut a node off by editing the file it manages; the tests check the broker
accepts these hashes and that they match `mosquitto_passwd`'s own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from provisioning.files import SECRET_MODE, replace_file

ITERATIONS = 101  # Mosquitto's own default (mosquitto_passwd -I)
SALT_BYTES = 12
HASH_BYTES = 64
_LINE = re.compile(r"^([^:\s]+):(\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+)$")


def new_password() -> str:
    """192 random bits, URL-safe: a machine's password nobody types."""
    return secrets.token_urlsafe(24)


def mosquitto_hash(password: str, salt: bytes | None = None,
                   iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return (f"$7${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def verify(password: str, stored: str) -> bool:
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt),
                                     int(iterations), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(expected, actual)


def render_password_file(hashes: dict[str, str]) -> str:
    return "".join(f"{user}:{hashed}\n" for user, hashed in sorted(hashes.items()))


def read_password_file(path: Path) -> dict[str, str]:
    users: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path} line {number} is not a Mosquitto password entry")
        users[match.group(1)] = match.group(2)
    return users


def remove_user(path: Path, user: str) -> bool:
    """Remove `user` from the password file (atomically); False when it was not there."""
    users = read_password_file(path)
    if users.pop(user, None) is None:
        return False
    replace_file(path, render_password_file(users), SECRET_MODE)
    return True
