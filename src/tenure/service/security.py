"""Who is asking, and what they may do: users, roles, API keys, and the audit of every write.

* **Users** have a role: ``admin`` (settings, keys, users), ``manager`` (every account) or
  ``rep`` (by default only the accounts whose ``owner`` is the rep's user name). Passwords are
  hashed with Argon2 (pwdlib's recommended hasher); the hash is all that is kept.
* **API keys** belong to a user and are scoped ``read`` or ``write`` (write includes read). A
  key reads ``tk_<key id>_<secret>``; only the SHA-256 of the secret is kept. A fast hash is
  right here, unlike for passwords: the secret is 32 random bytes, so there is nothing to guess,
  and ingestion checks a key on every request.
* A request authenticates with ``Authorization: Bearer <key>``, or with HTTP Basic: the key as
  user name and an empty password (what Segment and RudderStack send with a write key), or a
  user name and password.
* Every write through the API is recorded in ``service_audit`` (who, when, what).

The tables live in the warehouse beside the data (``service_users``, ``service_keys``,
``service_audit``) and are written only through the single writer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pwdlib import PasswordHash

from tenure.errors import InputError
from tenure.warehouse import Warehouse

__all__ = [
    "KEY_PREFIX",
    "AuthStore",
    "Principal",
    "Role",
    "Scope",
    "create_tables",
    "hash_password",
    "verify_password",
]

KEY_PREFIX = "tk_"

_hasher = PasswordHash.recommended()

_TABLES = (
    ("CREATE TABLE IF NOT EXISTS service_users (name VARCHAR PRIMARY KEY, role VARCHAR NOT "
     "NULL, password_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, disabled BOOLEAN NOT "
     "NULL DEFAULT false)"),
    ("CREATE TABLE IF NOT EXISTS service_keys (key_id VARCHAR PRIMARY KEY, user_name VARCHAR "
     "NOT NULL, scope VARCHAR NOT NULL, secret_sha256 VARCHAR NOT NULL, label VARCHAR, "
     "created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)"),
    ("CREATE TABLE IF NOT EXISTS service_audit (happened_at TIMESTAMP NOT NULL, actor VARCHAR "
     "NOT NULL, action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR)"),
)


class Role(StrEnum):
    """What a user may see and change (``docs/service.md``)."""

    admin = "admin"
    manager = "manager"
    rep = "rep"


class Scope(StrEnum):
    """What an API key may do; ``write`` includes ``read``."""

    read = "read"
    write = "write"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user, and the key they came with (``None``: a password)."""

    user: str
    role: Role
    scope: Scope
    key_id: str | None = None

    @property
    def can_write(self) -> bool:
        return self.scope is Scope.write

    @property
    def sees_every_account(self) -> bool:
        return self.role is not Role.rep

    def can_see(self, owner: str | None) -> bool:
        """Whether this caller may read an account owned by ``owner``."""
        return self.sees_every_account or (owner is not None and owner == self.user)

    @property
    def actor(self) -> str:
        """How the audit names this caller."""
        return self.user if self.key_id is None else f"{self.user} (key {self.key_id})"


def hash_password(password: str) -> str:
    """The Argon2 hash of ``password`` (refused when shorter than 8 characters)."""
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters; choose a longer one.")
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_tables(warehouse: Warehouse) -> None:
    """Create the service's tables when absent (a writer job)."""
    warehouse.execute_in_transaction(list(_TABLES))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _Key:
    key_id: str
    user: str
    scope: Scope
    secret_sha256: str


@dataclass(frozen=True)
class _User:
    name: str
    role: Role
    password_hash: str
    disabled: bool


class AuthStore:
    """Users and keys, read once from the warehouse and kept in memory.

    Checking a key costs one dictionary lookup and one hash, with no query: ingestion checks
    one on every request. Writes (:meth:`add_user`, :meth:`add_key`, :meth:`revoke_key`) are
    writer jobs that update the table and then this cache.
    """

    def __init__(self) -> None:
        self._users: dict[str, _User] = {}
        self._keys: dict[str, _Key] = {}
        self._lock = threading.Lock()

    def refresh(self, warehouse: Warehouse) -> None:
        """Re-read users and keys from ``warehouse``."""
        raw = warehouse.con.con
        users = {name: _User(name, Role(role), ph, bool(disabled)) for name, role, ph, disabled
                 in raw.execute("SELECT name, role, password_hash, disabled FROM service_users")
                 .fetchall()}
        keys = {kid: _Key(kid, user, Scope(scope), sha) for kid, user, scope, sha in raw.execute(
            "SELECT key_id, user_name, scope, secret_sha256 FROM service_keys "
            "WHERE revoked_at IS NULL").fetchall()}
        with self._lock:
            self._users, self._keys = users, keys

    # -- reads ---------------------------------------------------------------------------

    @property
    def has_users(self) -> bool:
        return bool(self._users)

    def user_role(self, name: str) -> Role | None:
        user = self._users.get(name)
        return None if user is None or user.disabled else user.role

    def check_key(self, token: str) -> Principal | None:
        """The principal of API key ``token``; ``None`` when unknown, revoked or malformed."""
        if not token.startswith(KEY_PREFIX):
            return None
        key_id, _, secret = token[len(KEY_PREFIX):].partition("_")
        key = self._keys.get(key_id)
        if key is None or not secret or not hmac.compare_digest(key.secret_sha256,
                                                                _sha256(secret)):
            return None
        user = self._users.get(key.user)
        if user is None or user.disabled:
            return None
        return Principal(user=user.name, role=user.role, scope=key.scope, key_id=key.key_id)

    def check_password(self, name: str, password: str) -> Principal | None:
        """The principal of user ``name`` with ``password``; ``None`` when either is wrong."""
        user = self._users.get(name)
        if user is None or user.disabled or not verify_password(password, user.password_hash):
            return None
        return Principal(user=user.name, role=user.role, scope=Scope.write)

    # -- writes (run as writer jobs) -------------------------------------------------------

    def add_user(self, warehouse: Warehouse, *, name: str, role: Role | str,
                 password: str) -> None:
        """Create user ``name`` (refused when the name is taken)."""
        role = _parse(Role, role, "role")
        if not name or not name.strip() or name != name.strip():
            raise InputError(f"user name {name!r} is empty or has spaces around it.")
        raw = warehouse.con.con
        if raw.execute("SELECT 1 FROM service_users WHERE name = ?", [name]).fetchone():
            raise InputError(f"a user named {name!r} already exists; choose another name.")
        raw.execute("INSERT INTO service_users VALUES (?, ?, ?, ?, false)",
                    [name, role.value, hash_password(password), _now()])
        self.refresh(warehouse)

    def add_key(self, warehouse: Warehouse, *, user: str, scope: Scope | str,
                label: str | None = None) -> tuple[str, str]:
        """Create an API key for ``user``; returns ``(key_id, token)``. The token is shown once:
        only its hash is kept."""
        scope = _parse(Scope, scope, "scope")
        if user not in self._users:
            raise InputError(f"no user named {user!r}; create the user first.")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        warehouse.con.con.execute(
            "INSERT INTO service_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [key_id, user, scope.value, _sha256(secret), label, _now()])
        self.refresh(warehouse)
        return key_id, f"{KEY_PREFIX}{key_id}_{secret}"

    def revoke_key(self, warehouse: Warehouse, key_id: str) -> bool:
        """Revoke key ``key_id``; ``False`` when there is no such active key."""
        found = warehouse.con.con.execute(
            "UPDATE service_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL "
            "RETURNING key_id", [_now(), key_id]).fetchone()
        self.refresh(warehouse)
        return found is not None


def audit(warehouse: Warehouse, principal: Principal, action: str, target: str | None = None,
          detail: str | None = None) -> None:
    """Record a write in ``service_audit`` (call it inside the writer job that writes)."""
    warehouse.con.con.execute("INSERT INTO service_audit VALUES (?, ?, ?, ?, ?)",
                              [_now(), principal.actor, action, target, detail])


def _parse(kind: type[StrEnum], value: object, what: str) -> StrEnum:  # type: ignore[type-arg]
    try:
        return kind(value)
    except ValueError:
        raise InputError(f"{what} {value!r} is unknown; use "
                         f"{', '.join(v.value for v in kind)}.") from None
