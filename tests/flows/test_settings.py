"""Settings: .env file support, environment precedence, and refusal of bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import ConfigError, load_settings


def test_env_file_supplies_values_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LEGACY_4D_URL=http://4d.local:8080/rest/\nPYERP_SYNC_TARGET_SCHEMA=from_file\n")
    monkeypatch.setenv("PYERP_SYNC_TARGET_SCHEMA", "from_env")
    settings = load_settings(env_file)
    assert settings.legacy_url == "http://4d.local:8080"  # trailing /rest is not part of the base URL
    assert settings.target_schema == "from_env"


def test_empty_database_url_means_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYERP_SYNC_DATABASE_URL", "  ")
    monkeypatch.setenv("PYERP_SYNC_HOME", str(tmp_path / "data"))
    settings = load_settings(tmp_path / "missing.env")
    assert settings.database_url is None
    assert settings.postgres_dir == tmp_path / "data" / "postgres"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PYERP_SYNC_TARGET_SCHEMA", "Pyerp-Prod", "not a plain lower-case SQL identifier"),
        ("PYERP_SYNC_TARGET_SCHEMA", "legacy_raw", "collides"),
        ("LEGACY_4D_URL", "ftp://4d", "is not an http"),
        ("PYERP_SYNC_DATABASE_URL", "mysql://x", "must start with postgresql://"),
        ("PYERP_SYNC_ALERT_WEBHOOK", "hooks.local", "must be an http"),
    ],
)
def test_bad_values_are_refused(name: str, value: str, message: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path / "missing.env")


def test_password_never_in_repr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_4D_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("PYERP_SYNC_DATABASE_URL", "postgresql://u:dbpass@h/d")
    text = repr(load_settings(tmp_path / "missing.env"))
    assert "s3cret-pw" not in text and "dbpass" not in text


def test_missing_legacy_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LEGACY_4D_URL is not set"):
        load_settings(tmp_path / "missing.env").require_legacy_url()
