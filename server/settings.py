"""Typed settings, read once from ``KIEMTRA_*`` environment variables and passed into ``create_app``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import msgspec

from server.blobs import BlobStore, open_store, parse_url
from server.proxies import parse_networks

PREFIX = "KIEMTRA_"
DEFAULT_DATA_DIR = "var"


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the app needs to know about its environment.

    Each field is documented in the README's settings table (a test checks it).
    """

    database_url: str = ""
    data_dir: str = DEFAULT_DATA_DIR
    blob_url: str = ""
    secret_key: str = ""
    demo: bool = False
    demo_password: str = ""
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    language: str = "vi"
    host: str = "127.0.0.1"
    port: int = 8000
    session_days: int = 14
    presence_max_distance_m: float = 150.0
    presence_max_accuracy_m: float = 100.0
    clock_skew_minutes: int = 10
    debug: bool = False
    geocoder_url: str = ""
    osrm_url: str = ""
    route_time_limit_s: float = 1.0
    webhook_urls: str = ""
    webhook_secret: str = ""
    webhook_interval_seconds: float = 5.0
    webhook_max_attempts: int = 15
    trusted_proxies: str = ""
    audit_key_file: str = ""
    audit_public_key_file: str = ""
    audit_checkpoint_log: str = ""
    audit_checkpoint_every: int = 1000

    def __post_init__(self) -> None:
        if self.language not in ("vi", "en"):
            raise SettingsError("KIEMTRA_LANGUAGE must be 'vi' or 'en'")
        if not self.secret_key and not self.demo:
            raise SettingsError(
                "KIEMTRA_SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or set KIEMTRA_DEMO=1 for a local demo."
            )
        if self.secret_key and len(self.secret_key) < 32:
            raise SettingsError("KIEMTRA_SECRET_KEY must be at least 32 characters")
        if self.webhooks and len(self.webhook_secret) < 16:
            raise SettingsError("KIEMTRA_WEBHOOK_SECRET (at least 16 characters) signs the webhooks: set it")
        if self.audit_checkpoint_every < 1:
            raise SettingsError("KIEMTRA_AUDIT_CHECKPOINT_EVERY must be at least 1")
        if self.blob_url:
            try:
                parse_url(self.blob_url)
            except ValueError as exc:
                raise SettingsError(f"KIEMTRA_BLOB_URL: {exc}") from exc
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as exc:
            raise SettingsError(f"KIEMTRA_TRUSTED_PROXIES: {exc}") from exc

    @property
    def webhooks(self) -> list[str]:
        """The receivers of review and follow-up webhooks."""
        return [u.strip() for u in self.webhook_urls.split(",") if u.strip()]

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def blobs(self) -> BlobStore:
        """Where photo evidence is kept: ``KIEMTRA_BLOB_URL``'s object store, else ``<data dir>/blobs``."""
        return open_store(self.blob_url, self.data_path)

    @property
    def db_url(self) -> str:
        """The database URL; the default is a SQLite file in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_path / 'kiemtra.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``KIEMTRA_<FIELD>`` variables; ``overrides`` win over the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            value = env.get(PREFIX + name.upper())
            if value is not None:
                raw[name] = value
        raw.update(overrides)
        if _truthy(raw.get("demo")):
            data_dir = Path(str(raw.get("data_dir") or DEFAULT_DATA_DIR))
            if not raw.get("secret_key"):
                raw["secret_key"] = _kept_secret(data_dir / "demo-secret-key", 48)
            if not raw.get("demo_password"):
                raw["demo_password"] = _kept_secret(data_dir / "demo-password", 9)
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"bad setting: {exc}") from exc


def _kept_secret(path: Path, nbytes: int) -> str:
    """A random value made once and kept in the data directory, so that restarts and several worker
    processes of a demo share it (demo mode only; production sets its secrets in the environment)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _truthy(value: object) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")
