"""Service configuration from `EXPORTWATCH_*` environment variables (or a `.env` file).

Unset scale-out settings mean the embedded default: SQLite store and FTS5 index under the data
dir, email written to the outbox. `load_settings` turns a validation error into one readable line.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from exportwatch.errors import ConfigError

__all__ = ["Settings", "load_settings"]

ENV_PREFIX = "EXPORTWATCH_"


class Settings(BaseSettings):
    """Everything an operator can set; field `x` is read from `EXPORTWATCH_X`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(Path("var"), description="Where the SQLite files and outbox live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite in DATA_DIR."
    )
    elasticsearch_url: str | None = Field(None, description="Unset: the embedded SQLite index.")
    elasticsearch_index_prefix: str = Field("exportwatch", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    smtp_url: SecretStr | None = Field(
        None, description="smtp://user:pass@host:port?starttls=true or smtps://; unset: outbox."
    )
    mail_from: str = "exportwatch <alerts@localhost>"
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL used in email links.")
    secret_key: SecretStr | None = Field(None, description="Signs tokens; default: generated.")
    config_dir: Path = Field(Path("config"), description="Holds sectors.yaml and markets.yaml.")
    sources_dir: Path = Path("config/sources")
    allow_private_networks: bool = False
    admin_token: SecretStr | None = None
    admin_emails: list[str] = Field(
        default_factory=list, description='Told about failing sources, e.g. ["ops@example.org"].'
    )
    index_sync_seconds: int = Field(60, ge=1, description="How often the index catches up.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def resolved_database_url(self) -> str:
        """The store's URL: `DATABASE_URL` or a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'exportwatch.db').resolve()}"

    @property
    def outbox_dir(self) -> Path:
        """Where emails go as `.eml` files when no SMTP server is configured."""
        return self.data_dir / "outbox"

    @cached_property
    def signing_key(self) -> str:
        """`SECRET_KEY`, else a random key kept in the data dir so links survive restarts."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise ConfigError with one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(_describe(error), file="environment") from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = ENV_PREFIX + "_".join(str(part) for part in item["loc"]).upper()
        problems.append(f"{name}={item.get('input')!r}: {item['msg']}")
    return "; ".join(problems)
