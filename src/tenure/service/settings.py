"""Settings of ``tenure serve``: one validated class, from ``tenure.yaml`` and the environment.

The project's ``tenure.yaml`` may hold a ``service:`` section; every setting can also come from
an environment variable ``TENURE_<NAME>`` (``TENURE_SECRET_KEY``, ``TENURE_PORT``...), which
wins over the file, so secrets need never be written into the project folder.

Secrets are never defaults: outside development mode the server refuses to start with an empty
secret, a known placeholder, or one shorter than :data:`MIN_SECRET_LENGTH` characters.
``tenure serve --dev`` binds to loopback only and generates throwaway secrets instead.
"""

from __future__ import annotations

import secrets
from datetime import time
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenure.config import CONFIG_FILE, read_yaml
from tenure.errors import ConfigError

__all__ = ["LOOPBACK", "MIN_SECRET_LENGTH", "ServiceSettings", "load_service_settings"]

#: The only address ``--dev`` binds to.
LOOPBACK = "127.0.0.1"

#: Shortest secret accepted outside development mode (32 characters of a generated token).
MIN_SECRET_LENGTH = 32

#: Placeholders copied from examples and templates: never a secret.
_PLACEHOLDERS = {"changethis", "change-me", "changeme", "secret", "password", "dev", "test"}


class ServiceSettings(BaseSettings):
    """Settings of the Tenure server (``docs/service.md`` documents each).

    Examples
    --------
    >>> s = ServiceSettings(dev=True)
    >>> s.host, len(s.secret_key.get_secret_value()) >= MIN_SECRET_LENGTH
    ('127.0.0.1', True)
    """

    model_config = SettingsConfigDict(env_prefix="TENURE_", extra="forbid",
                                      validate_default=True)

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8765, ge=0, le=65535,
                      description="Port the server listens on (0: any free port).")
    secret_key: SecretStr = Field(
        SecretStr(""),
        description=("Key that signs sessions and tokens; at least 32 characters, from the "
                     "environment (TENURE_SECRET_KEY). Generate one with "
                     "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."),
    )
    dev: bool = Field(
        False,
        description=("Development mode (`tenure serve --dev`): loopback only, throwaway secrets "
                     "and an admin login printed at start-up."),
    )
    pipeline_time: time | None = Field(
        None,
        description=("Time of day (HH:MM, in pipeline_timezone) the daily pipeline runs; empty: "
                     "the server runs no pipeline by itself."),
    )
    pipeline_timezone: str = Field("UTC", description="IANA time zone of pipeline_time.")
    ingest_log_dir: str = Field(
        "ingest-log",
        description=("Folder, relative to the project, of the append-only log that holds every "
                     "acknowledged event until it is in the warehouse."),
    )

    @field_validator("pipeline_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. UTC, Europe/Paris)"
                             ) from None
        return value

    @model_validator(mode="after")
    def _secrets_are_never_defaults(self) -> ServiceSettings:
        if self.dev:
            self.host = LOOPBACK
            if not self.secret_key.get_secret_value():
                self.secret_key = SecretStr(secrets.token_urlsafe(32))
            return self
        secret = self.secret_key.get_secret_value()
        if not secret:
            raise ValueError(
                "secret_key is empty: set TENURE_SECRET_KEY to a random string of at least "
                f"{MIN_SECRET_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'), or try the server with `tenure serve --dev`")
        if secret.lower() in _PLACEHOLDERS or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"secret_key is a placeholder or shorter than {MIN_SECRET_LENGTH} characters: "
                "set TENURE_SECRET_KEY to a random string (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')")
        return self


def load_service_settings(project: Path, **overrides: Any) -> ServiceSettings:
    """The server's settings for ``project``: its ``tenure.yaml`` ``service:`` section, then the
    environment (``TENURE_*``), then ``overrides`` (command-line options), each winning over
    the one before.

    Raises
    ------
    ConfigError
        Naming the setting, the value and the fix (an empty or placeholder secret included).
    """
    path = Path(project) / CONFIG_FILE
    section: dict[str, Any] = {}
    if path.exists():
        raw = read_yaml(path.read_text(), str(path))
        section = dict(raw.get("service") or {}) if isinstance(raw, dict) else {}
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        # Environment over the file: only file values the environment does not set are passed
        # as arguments (pydantic-settings gives arguments priority over the environment).
        env_names = {name for name in ServiceSettings.model_fields
                     if _env_has(f"TENURE_{name.upper()}")}
        from_file = {k: v for k, v in section.items() if k not in env_names}
        return ServiceSettings(**{**from_file, **given})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'service'}: "
            f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise ConfigError(f"service settings ({path} `service:` section or TENURE_* "
                          f"environment variables): {problems}") from None


def _env_has(name: str) -> bool:
    import os

    return name in os.environ
