"""Settings come from KIEMTRA_* variables; a production start without a secret is refused."""

from __future__ import annotations

import pytest

from server.settings import Settings, SettingsError


def test_settings_are_read_from_the_environment() -> None:
    s = Settings.from_env({"KIEMTRA_SECRET_KEY": "s" * 40, "KIEMTRA_DATABASE_URL": "postgresql+asyncpg://h/db",
                           "KIEMTRA_PORT": "9001", "KIEMTRA_LANGUAGE": "en", "KIEMTRA_DEMO": "0"})
    assert s.db_url == "postgresql+asyncpg://h/db" and s.port == 9001 and s.language == "en" and not s.demo
    assert not s.is_sqlite


def test_default_database_is_a_sqlite_file_under_the_data_dir() -> None:
    s = Settings.from_env({"KIEMTRA_SECRET_KEY": "s" * 40})
    assert s.db_url == "sqlite+aiosqlite:///var/kiemtra.db"


def test_missing_secret_outside_demo_mode_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="KIEMTRA_SECRET_KEY"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"KIEMTRA_SECRET_KEY": "short"})


def test_demo_mode_keeps_one_generated_secret_and_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"KIEMTRA_DEMO": "1", "KIEMTRA_DATA_DIR": str(tmp_path)}
    first, second = Settings.from_env(env), Settings.from_env(env)
    assert first.demo and len(first.secret_key) >= 32 and first.demo_password
    assert (first.secret_key, first.demo_password) == (second.secret_key, second.demo_password)
    assert Settings.from_env({**env, "KIEMTRA_DEMO_PASSWORD": "given-pass"}).demo_password == "given-pass"


def test_bad_values_are_refused() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"KIEMTRA_SECRET_KEY": "s" * 40, "KIEMTRA_PORT": "eighty"})
    with pytest.raises(SettingsError):
        Settings.from_env({"KIEMTRA_SECRET_KEY": "s" * 40, "KIEMTRA_LANGUAGE": "fr"})
