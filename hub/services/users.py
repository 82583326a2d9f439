"""Console users, service tokens and the checks behind login."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.roles import Role
from hub.domain.text import Bilingual, Language
from hub.services import audit
from hub.services.clock import Clock
from hub.storage.db import Database
from hub.storage.models import ApiTokenRow, UserRow

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "kzk_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever makes a request: a signed-in user or a service holding a token."""

    name: str
    role: Role
    kind: str  # "user" or "token"
    full_name: str = ""
    language: Language = Language.KK
    user_id: int | None = None

    @property
    def actor(self) -> str:
        return self.name if self.kind == "user" else f"token:{self.name}"


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: Role
    language: Language
    active: bool


def _info(row: UserRow) -> UserInfo:
    return UserInfo(id=row.id, username=row.username, full_name=row.full_name,
                    role=Role(row.role), language=Language(row.language), active=row.active)


def _public(row: UserRow) -> dict[str, Any]:
    return {"username": row.username, "full_name": row.full_name, "role": row.role,
            "language": row.language, "active": row.active}


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            Bilingual(kk=f"Құпиясөз кемінде {MIN_PASSWORD_LENGTH} таңбадан тұруы керек",
                      ru=f"Пароль должен содержать не менее {MIN_PASSWORD_LENGTH} символов"),
            field="password")


def _check_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not (2 <= len(cleaned) <= 80) or not cleaned.replace(".", "").replace("-", "").replace(
            "_", "").isalnum():
        raise ValidationFailed(
            f"username {username!r} must be 2–80 letters, digits, '.', '-' or '_'",
            Bilingual(kk="Пайдаланушы аты 2–80 әріптен, цифрдан, «.», «-», «_» тұруы керек",
                      ru="Имя пользователя: 2–80 букв, цифр, «.», «-», «_»"),
            field="username")
    return cleaned


class UserService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._hasher = PasswordHasher()
        # Verified against when the user does not exist, so timing does not tell.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    def create_user(self, *, username: str, full_name: str, role: Role, password: str,
                    language: Language = Language.KK, actor: str) -> UserInfo:
        name = _check_username(username)
        _check_password(password)
        now = self._clock.now()
        with self._db.write() as session:
            if session.scalars(select(UserRow).where(UserRow.username == name)).first():
                raise Conflict(f"user {name!r} already exists",
                               Bilingual(kk=f"«{name}» пайдаланушысы бар",
                                         ru=f"Пользователь «{name}» уже существует"),
                               field="username")
            row = UserRow(username=name, full_name=full_name.strip(), role=role.value,
                          password_hash=self._hasher.hash(password), language=language.value,
                          active=True, created_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor=actor, action="create_user", entity="user",
                         entity_id=row.username, at=now, after=_public(row))
            return _info(row)

    def update_user(self, username: str, *, actor: str, full_name: str | None = None,
                    role: Role | None = None, language: Language | None = None,
                    active: bool | None = None, password: str | None = None) -> UserInfo:
        if password is not None:
            _check_password(password)
        now = self._clock.now()
        with self._db.write() as session:
            row = self._user(session, username)
            before = _public(row)
            if full_name is not None:
                row.full_name = full_name.strip()
            if role is not None:
                row.role = role.value
            if language is not None:
                row.language = language.value
            if active is not None:
                row.active = active
            if password is not None:
                row.password_hash = self._hasher.hash(password)
            after = _public(row) | ({"password": "changed"} if password else {})
            audit.record(session, actor=actor, action="update_user", entity="user",
                         entity_id=row.username, at=now, before=before, after=after)
            return _info(row)

    def list_users(self) -> list[UserInfo]:
        with self._db.read() as session:
            return [_info(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]

    def get(self, username: str) -> UserInfo:
        with self._db.read() as session:
            return _info(self._user(session, username))

    def count(self) -> int:
        with self._db.read() as session:
            return len(session.scalars(select(UserRow.id)).all())

    def authenticate(self, username: str, password: str) -> Principal | None:
        name = username.strip().lower()
        with self._db.read() as session:
            row = session.scalars(select(UserRow).where(UserRow.username == name)).first()
            stored = row.password_hash if row is not None and row.active else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._db.write() as session:
                fresh = self._user(session, name)
                fresh.password_hash = self._hasher.hash(password)
        return Principal(name=row.username, role=Role(row.role), kind="user",
                         full_name=row.full_name, language=Language(row.language),
                         user_id=row.id)

    def principal(self, username: str) -> Principal | None:
        """The user behind a console session, if still active."""
        with self._db.read() as session:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None or not row.active:
                return None
            return Principal(name=row.username, role=Role(row.role), kind="user",
                             full_name=row.full_name, language=Language(row.language),
                             user_id=row.id)

    # Service tokens ----------------------------------------------------------

    def create_token(self, *, name: str, role: Role, actor: str) -> str:
        """Make a bearer token for a service; the plain token is shown once, never stored."""
        token_name = _check_username(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._db.write() as session:
            if session.scalars(select(ApiTokenRow).where(ApiTokenRow.name == token_name)).first():
                raise Conflict(f"token {token_name!r} already exists",
                               Bilingual(kk=f"«{token_name}» токені бар",
                                         ru=f"Токен «{token_name}» уже существует"),
                               field="name")
            session.add(ApiTokenRow(name=token_name, token_sha256=_digest(token), role=role.value,
                                    created_at=now))
            audit.record(session, actor=actor, action="create_token", entity="token",
                         entity_id=token_name, at=now, after={"name": token_name,
                                                              "role": role.value})
        return token

    def revoke_token(self, name: str, *, actor: str) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            row = session.scalars(select(ApiTokenRow).where(ApiTokenRow.name == name)).first()
            if row is None:
                raise NotFound(f"no token named {name!r}",
                               Bilingual(kk="Токен табылмады", ru="Токен не найден"),
                               field="name")
            row.revoked_at = now
            audit.record(session, actor=actor, action="revoke_token", entity="token",
                         entity_id=name, at=now, before={"revoked": False},
                         after={"revoked": True})

    def token_principal(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self._db.read() as session:
            row = session.scalars(select(ApiTokenRow).where(
                ApiTokenRow.token_sha256 == _digest(token))).first()
            if row is None or row.revoked_at is not None:
                return None
            return Principal(name=row.name, role=Role(row.role), kind="token")

    @staticmethod
    def _user(session: Any, username: str) -> UserRow:
        row: UserRow | None = session.scalars(
            select(UserRow).where(UserRow.username == username.strip().lower())).first()
        if row is None:
            raise NotFound(f"no user {username!r}",
                           Bilingual(kk="Пайдаланушы табылмады", ru="Пользователь не найден"),
                           field="username")
        return row


def _digest(token: str) -> str:
    # Tokens are long random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


class LoginLimiter:
    """Failed logins allowed per key (username and address) in a sliding window."""

    def __init__(self, attempts: int, window_seconds: float) -> None:
        self._attempts = attempts
        self._window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self._window:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 if it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self._attempts:
                return 0.0
            return max(0.0, self._window - (now - failures[0]))

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
