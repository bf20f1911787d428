"""What one running server holds for its project: settings, the single writer, users and keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from tenure.config import ProjectConfig, load_config
from tenure.service.security import AuthStore, Role, Scope, create_tables
from tenure.service.settings import ServiceSettings
from tenure.service.writer import Writer

__all__ = ["DevLogin", "ServiceState"]


@dataclass(frozen=True)
class DevLogin:
    """The throwaway admin login and write key ``--dev`` creates and prints at start-up."""

    user: str
    password: str
    write_key: str


@dataclass
class ServiceState:
    """The server's hold on one project (built at start-up, closed at shutdown)."""

    project: Path
    settings: ServiceSettings
    config: ProjectConfig
    writer: Writer
    auth: AuthStore = field(default_factory=AuthStore)
    dev_login: DevLogin | None = None

    @classmethod
    def open(cls, project: Path, settings: ServiceSettings) -> ServiceState:
        """Open the project's warehouse read-write (waiting for a running command to finish),
        create the service tables, and read users and keys."""
        project = Path(project)
        config = load_config(project)
        writer = Writer(project / config.warehouse, lock_timeout=config.lock_timeout_seconds)
        state = cls(project=project, settings=settings, config=config, writer=writer)
        writer.submit(create_tables).result()
        writer.submit(state.auth.refresh).result()
        if settings.dev:
            state.dev_login = writer.submit(state._dev_login).result()
        return state

    def _dev_login(self, warehouse) -> DevLogin:  # type: ignore[no-untyped-def]
        """A fresh ``dev-admin`` password and write key, replacing the last dev run's."""
        password = secrets.token_urlsafe(12)
        raw = warehouse.con.con
        raw.execute("UPDATE service_keys SET revoked_at = now() WHERE user_name = 'dev-admin' "
                    "AND revoked_at IS NULL")
        raw.execute("DELETE FROM service_users WHERE name = 'dev-admin'")
        self.auth.add_user(warehouse, name="dev-admin", role=Role.admin, password=password)
        _, key = self.auth.add_key(warehouse, user="dev-admin", scope=Scope.write,
                                   label="tenure serve --dev")
        return DevLogin(user="dev-admin", password=password, write_key=key)

    @property
    def ingest_log_dir(self) -> Path:
        return self.project / self.settings.ingest_log_dir

    def close(self) -> None:
        self.writer.close()
