"""Console users, service tokens and the checks behind login."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.login_limits import Lockout, LockScope, LoginLimiter
from hub.domain.passwords import check_password
from hub.domain.roles import Role
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual, Language
from hub.services import audit
from hub.services.clock import Clock
from hub.storage.db import Database
from hub.storage.models import ApiTokenRow, ConsoleSessionRow, UserRow

TOKEN_CACHE_SECONDS = 10.0
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
TOKEN_PREFIX = "kzk_"
UNKNOWN_NAME = "(unknown name)"

__all__ = ["LoginLimiter", "Principal", "UserInfo", "UserService"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever makes a request: a signed-in user or a service holding a token."""

    name: str
    role: Role
    kind: str  # "user" or "token"
    full_name: str = ""
    language: Language = Language.KK
    user_id: int | None = None
    # Fingerprint of the password hash that was verified at login: a session is
    # opened only if it is still the current one (no reset slipped in between).
    credential: str = ""

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


def _check_full_name(full_name: str) -> str:
    return safe_text(full_name, field="full_name", max_length=300, required=True,
                     what=Bilingual(kk="аты-жөні", ru="ФИО"))


def _check_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not USERNAME.fullmatch(cleaned):
        raise ValidationFailed(
            f"username {username!r} must be 2–64 Latin letters, digits, '.', '-' or '_'",
            Bilingual(kk="Пайдаланушы аты 2–64 латын әрпінен, цифрдан, «.», «-», «_» тұруы керек",
                      ru="Имя пользователя: 2–64 латинских букв, цифр, «.», «-», «_»"),
            field="username")
    return cleaned


class UserService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._hasher = PasswordHasher()
        self._tokens: dict[str, tuple[float, Principal]] = {}
        self._revocations = 0
        # Verified against when the user does not exist, so timing does not tell.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    def create_user(self, *, username: str, full_name: str, role: Role, password: str,
                    language: Language = Language.KK, actor: str) -> UserInfo:
        name = _check_username(username)
        cleaned_name = _check_full_name(full_name)
        check_password(password, username=name)
        now = self._clock.now()
        exists = Conflict(f"user {name!r} already exists",
                          Bilingual(kk=f"«{name}» пайдаланушысы бар",
                                    ru=f"Пользователь «{name}» уже существует"),
                          field="username")
        password_hash = self._hasher.hash(password)
        try:
            with self._db.write() as session:
                if session.scalars(select(UserRow).where(UserRow.username == name)).first():
                    raise exists
                row = UserRow(username=name, full_name=cleaned_name, role=role.value,
                              password_hash=password_hash, language=language.value,
                              active=True, created_at=now)
                session.add(row)
                session.flush()
                audit.record(session, actor=actor, action="create_user", entity="user",
                             entity_id=row.username, at=now, after=_public(row))
                return _info(row)
        except IntegrityError:  # the same name created at the same moment
            raise exists from None

    def update_user(self, username: str, *, actor: str, full_name: str | None = None,
                    role: Role | None = None, language: Language | None = None,
                    active: bool | None = None, password: str | None = None) -> UserInfo:
        if password is not None:
            check_password(password, username=username)
        cleaned_name = _check_full_name(full_name) if full_name is not None else None
        now = self._clock.now()
        with self._db.write() as session:
            row = self._user(session, username)
            before = _public(row)
            if (row.role == Role.ADMINISTRATOR.value and row.active
                    and (active is False or (role is not None
                                             and role is not Role.ADMINISTRATOR))):
                self._keep_an_administrator(session, row)
            if cleaned_name is not None:
                row.full_name = cleaned_name
            if role is not None:
                row.role = role.value
            if language is not None:
                row.language = language.value
            if active is not None:
                row.active = active
            if password is not None:
                row.password_hash = self._hasher.hash(password)
            after = _public(row) | ({"password": "changed"} if password else {})
            if password is not None or before["active"] != row.active or (
                    before["role"] != row.role):
                # Whoever holds an old cookie must sign in again under the new rules.
                session.execute(delete(ConsoleSessionRow).where(
                    ConsoleSessionRow.username == row.username))
            audit.record(session, actor=actor, action="update_user", entity="user",
                         entity_id=row.username, at=now, before=before, after=after)
            return _info(row)

    @staticmethod
    def _keep_an_administrator(session: Session, leaving: UserRow) -> None:
        others = session.scalars(select(UserRow.id).where(
            UserRow.role == Role.ADMINISTRATOR.value, UserRow.active.is_(True),
            UserRow.id != leaving.id)).first()
        if others is None:
            raise Conflict(
                "the last active administrator cannot be blocked or demoted",
                Bilingual(kk="Соңғы белсенді әкімшіні бұғаттауға немесе рөлін өзгертуге "
                             "болмайды",
                          ru="Нельзя заблокировать или понизить последнего активного "
                             "администратора"),
                field="role")

    # Console sessions --------------------------------------------------------

    def open_session(self, principal: Principal, hours: float) -> str | None:
        """Start a console session for a user just authenticated; the returned id goes
        into the signed cookie. None if the password, or the user, changed since."""
        sid = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._db.write() as session:
            user = session.scalars(select(UserRow).where(
                UserRow.username == principal.name)).first()
            if (user is None or not user.active
                    or _digest(user.password_hash) != principal.credential):
                return None
            session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
            session.add(ConsoleSessionRow(sid_sha256=_digest(sid), username=principal.name,
                                          created_at=now,
                                          expires_at=now + timedelta(hours=hours)))
        return sid

    def close_session(self, sid: str) -> None:
        with self._db.write() as session:
            session.execute(delete(ConsoleSessionRow).where(
                ConsoleSessionRow.sid_sha256 == _digest(sid)))

    def session_principal(self, sid: str) -> Principal | None:
        """The user of a live console session, if it exists, has not expired and
        the user is still active."""
        with self._db.read() as session:
            found = session.execute(
                select(UserRow).join(ConsoleSessionRow,
                                     ConsoleSessionRow.username == UserRow.username)
                .where(ConsoleSessionRow.sid_sha256 == _digest(sid),
                       ConsoleSessionRow.expires_at > self._clock.now(),
                       UserRow.active.is_(True))).scalar_one_or_none()
            if found is None:
                return None
            return Principal(name=found.username, role=Role(found.role), kind="user",
                             full_name=found.full_name, language=Language(found.language),
                             user_id=found.id)

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
                if fresh.password_hash == stored:
                    fresh.password_hash = stored = self._hasher.hash(password)
        return Principal(name=row.username, role=Role(row.role), kind="user",
                         full_name=row.full_name, language=Language(row.language),
                         user_id=row.id, credential=_digest(stored))

    def record_lockout(self, lockout: Lockout) -> None:
        """Audit a sign-in lockout: who was guessed (only a name that exists: a password
        typed into the name field must not land in the log), from where, for how long."""
        name = lockout.username
        with self._db.write() as session:
            known = bool(name) and session.scalars(select(UserRow.id).where(
                UserRow.username == name)).first() is not None
            shown = name if known else UNKNOWN_NAME
            audit.record(session, actor=f"address:{lockout.address}", action="login_locked",
                         entity="user" if lockout.scope is LockScope.USER_AT_ADDRESS
                         else "address",
                         entity_id=shown if lockout.scope is LockScope.USER_AT_ADDRESS
                         else lockout.address,
                         at=self._clock.now(),
                         after={"scope": lockout.scope.value, "address": lockout.address,
                                "username": shown if lockout.scope is LockScope.USER_AT_ADDRESS
                                else None,
                                "seconds": round(lockout.seconds)})

    # Service tokens ----------------------------------------------------------

    def create_token(self, *, name: str, role: Role, actor: str) -> str:
        """Make a bearer token for a service; the plain token is shown once, never stored."""
        token_name = _check_username(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        exists = Conflict(f"token {token_name!r} already exists",
                          Bilingual(kk=f"«{token_name}» токені бар",
                                    ru=f"Токен «{token_name}» уже существует"),
                          field="name")
        try:
            with self._db.write() as session:
                if session.scalars(select(ApiTokenRow).where(
                        ApiTokenRow.name == token_name)).first():
                    raise exists
                session.add(ApiTokenRow(name=token_name, token_sha256=_digest(token),
                                        role=role.value, created_at=now))
                audit.record(session, actor=actor, action="create_token", entity="token",
                             entity_id=token_name, at=now, after={"name": token_name,
                                                                  "role": role.value})
        except IntegrityError:
            raise exists from None
        return token

    def revoke_token(self, name: str, *, actor: str) -> None:
        name = name.strip().lower()
        now = self._clock.now()
        with self._db.write() as session:
            row = session.scalars(select(ApiTokenRow).where(ApiTokenRow.name == name)).first()
            if row is None:
                raise NotFound(f"no token named {name!r}",
                               Bilingual(kk="Токен табылмады", ru="Токен не найден"),
                               field="name")
            row.revoked_at = now
            digest = row.token_sha256
            audit.record(session, actor=actor, action="revoke_token", entity="token",
                         entity_id=name, at=now, before={"revoked": False},
                         after={"revoked": True})
        # Only after the commit: a lookup racing the revoke must not cache it again.
        self._revocations += 1
        self._tokens.pop(digest, None)

    def remembered_token(self, token: str) -> Principal | None:
        """The cached principal of a token, without touching the database."""
        cached = self._tokens.get(_digest(token))
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        return None

    def token_principal(self, token: str) -> Principal | None:
        """The service behind a bearer token. Devices send one with every request, so
        a valid token is remembered for TOKEN_CACHE_SECONDS; a revoke here forgets it
        at once (another hub process notices within that time)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        remembered = self.remembered_token(token)
        if remembered is not None:
            return remembered
        digest = _digest(token)
        revocations = self._revocations
        with self._db.read() as session:
            row = session.scalars(select(ApiTokenRow).where(
                ApiTokenRow.token_sha256 == digest)).first()
            if row is None or row.revoked_at is not None:
                return None
            principal = Principal(name=row.name, role=Role(row.role), kind="token")
        if revocations == self._revocations:  # no revoke ran while we read
            if len(self._tokens) > 1000:
                self._tokens.clear()
            self._tokens[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, principal)
        return principal

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
