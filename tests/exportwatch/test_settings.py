"""Settings come from EXPORTWATCH_* variables; bad values stop startup with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportwatch.errors import ConfigError
from exportwatch.settings import load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in ("DATA_DIR", "DATABASE_URL", "ELASTICSEARCH_URL", "SMTP_URL", "PORT"):
        monkeypatch.delenv(f"EXPORTWATCH_{name}", raising=False)


def test_defaults_are_the_embedded_backends(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.elasticsearch_url is None
    assert settings.smtp_url is None
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'exportwatch.db'}"
    assert settings.outbox_dir == Path("var") / "outbox"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTWATCH_DATABASE_URL", "postgresql://u:p@127.0.0.1/ew")
    monkeypatch.setenv("EXPORTWATCH_BASE_URL", "https://alerts.example.org/")
    monkeypatch.setenv("EXPORTWATCH_ALLOW_PRIVATE_NETWORKS", "true")
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql://u:p@127.0.0.1/ew"
    assert settings.base_url == "https://alerts.example.org"
    assert settings.allow_private_networks is True


def test_unparsable_value_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTWATCH_PORT", "eighty")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert "EXPORTWATCH_PORT='eighty'" in message
    assert "integer" in message


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "data").signing_key
    again = load_settings(data_dir=tmp_path / "data").signing_key
    assert len(first) >= 32
    assert first == again
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
