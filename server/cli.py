"""The ``kiemtra`` command: run the app, migrate, seed, manage users, verify and anchor the audit chain.

Built on click, the library under Litestar's own CLI; ``run`` hands the app factory to uvicorn.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from server.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(fn: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``fn(engine)`` on a fresh engine for the configured database."""
    from server.db import make_engine

    async def main() -> T:
        engine = make_engine(_settings().db_url)
        try:
            return await fn(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@click.group()
def main() -> None:
    """Kiểm tra ANTT: field inspections of conditional businesses."""


@main.command()
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL for more than 1).")
@click.option("--seed/--no-seed", "do_seed", default=None, help="Load the demo data first (default: in demo mode).")
def run(workers: int, do_seed: bool | None) -> None:
    """Migrate (and in demo mode seed), then serve the app with uvicorn."""
    import uvicorn

    settings = _settings()
    from server.migrate import upgrade

    if do_seed if do_seed is not None else settings.demo:
        from seed.loader import load

        _run(lambda engine: load(engine, settings.demo_password, blobs=settings.blobs))
    else:
        _run(upgrade)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"Kiểm tra ANTT is serving on {url}")
    if settings.demo:
        from seed.people import USERS
        from server.audit.checkpoints import create_key, key_path

        if not key_path(settings).exists():  # the demo anchors its audit chain too (production: kiemtra keys create)
            click.echo(f"created the audit signing key {key_path(settings)} (key id {create_key(key_path(settings))})")

        click.echo(f"Demo logins (password: {settings.demo_password}):")
        for user in USERS:
            click.echo(f"  {user.username:<16} {', '.join(r.value for r in user.roles)}")
    uvicorn.run("server.app:create_app", factory=True, host=settings.host, port=settings.port, workers=workers,
                proxy_headers=False, log_level="info")  # the app reads X-Forwarded-For (server/proxies.py)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration."""
    from server.migrate import upgrade

    _run(upgrade)
    click.echo("database is up to date")


@main.command()
def seed() -> None:
    """Migrate and load the demo data (idempotent)."""
    from seed.loader import load

    settings = _settings()
    if not settings.demo_password:
        raise click.ClickException("set KIEMTRA_DEMO_PASSWORD (or KIEMTRA_DEMO=1) for the demo users")
    counts = _run(lambda engine: load(engine, settings.demo_password, blobs=settings.blobs))
    for table, n in counts.items():
        click.echo(f"{table:<22} {n}")


@main.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.argument("username")
@click.option("--full-name", default="")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["inspector", "team_lead", "ward_police", "city_office", "admin"]))
@click.option("--ward", "wards", multiple=True, help="Ward code (repeat for several).")
@click.password_option()
def user_create(username: str, full_name: str, roles: tuple[str, ...], wards: tuple[str, ...], password: str) -> None:
    """Create a user (the password is asked twice, or read from --password)."""
    from server.auth.models import Role
    from server.auth.services import UserIn, create_user
    from server.db import make_sessionmaker
    from server.errors import AppError

    async def create(engine: Any) -> None:
        async with make_sessionmaker(engine)() as session, session.begin():
            await create_user(session, None, UserIn(username=username, full_name=full_name, password=password,
                                                    roles=[Role(r) for r in roles], wards=list(wards)))

    try:
        _run(create)
    except AppError as exc:
        detail = "; ".join(f"{e.path}: {e.message}" for e in exc.errors) or exc.detail
        raise click.ClickException(detail) from exc
    click.echo(f"created {username}")


@main.group()
def audit() -> None:
    """The audit chain."""


@audit.command("verify")
def audit_verify() -> None:
    """Print OK, or the first wrong event (checked against the signed checkpoints too) and exit 1."""
    from server.audit.services import verify
    from server.db import make_sessionmaker
    from server.i18n import local_time

    settings = _settings()

    async def check(engine: Any) -> Any:
        async with make_sessionmaker(engine)() as session:
            return await verify(session, settings)

    verdict = _run(check)
    if verdict.ok:
        click.echo(f"OK: {verdict.checked} events, {verdict.checkpoints} signed checkpoints, "
                   f"{verdict.unanchored} events since the newest checkpoint")
    else:
        where = f"event {verdict.broken_id}" if verdict.broken_id is not None else "the checkpoint log"
        click.echo(f"BROKEN at {where}: {verdict.reason} ({verdict.checked} events before it)")
        if verdict.since is not None:
            click.echo(f"wrong since {local_time(verdict.since)} (Vietnamese time): the log is not to be trusted "
                       "from then on")
        if verdict.anchored_at is not None:
            click.echo(f"it was intact when the checkpoint of {local_time(verdict.anchored_at)} was signed")
        sys.exit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Write a signed checkpoint of the chain's head now (the app also writes them on its own)."""
    from server.db import make_sessionmaker
    from server.webhooks.anchoring import anchor

    settings = _settings()
    checkpoint = _run(lambda engine: anchor(make_sessionmaker(engine), settings, force=True))
    if checkpoint is None:
        raise click.ClickException("no signing key: run `kiemtra keys create` first")
    click.echo(f"checkpoint at event {checkpoint.seq} ({checkpoint.count} events), key {checkpoint.key}")


@main.group()
def keys() -> None:
    """The key that signs the audit checkpoints."""


@keys.command("create")
def keys_create() -> None:
    """Make the Ed25519 key file named by KIEMTRA_AUDIT_KEY_FILE (never overwrites one)."""
    from server.audit.checkpoints import KeyError_, create_key, key_path

    path = key_path(_settings())
    try:
        kid = create_key(path)
    except KeyError_ as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {path} (key id {kid}); back it up and keep it off the database server")


@keys.command("public")
def keys_public() -> None:
    """Print the public key (PEM) of KIEMTRA_AUDIT_KEY_FILE: give it to whoever checks the audit chain
    (KIEMTRA_AUDIT_PUBLIC_KEY_FILE on their machine) instead of the signing key."""
    from server.audit.checkpoints import key_path, load_key, public_pem

    path = key_path(_settings())
    private = load_key(path)
    if private is None:
        raise click.ClickException(f"{path} does not exist: make it with `kiemtra keys create`")
    click.echo(public_pem(private).decode(), nl=False)


@main.group("import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("establishments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Commit without asking when every row is good.")
@click.option("--dry-run", is_flag=True, help="Only check the file and print the report.")
def import_establishments(file: Path, yes: bool, dry_run: bool) -> None:
    """Import businesses from an .xlsx or .csv file (the template's headers); all rows or none.

    Rows whose business registration number (Số ĐKKD) is registered update that business."""
    from types import SimpleNamespace

    from server.db import make_sessionmaker
    from server.errors import AppError
    from server.registry import imports, tables
    from server.registry.import_routes import geocoder_for
    from server.registry.locating import build_locator

    settings = _settings()
    data = file.read_bytes()

    async def go(engine: Any) -> None:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            locator = await build_locator(session)
        gen = tables.scan(data, file.name, locator, geocoder_for(SimpleNamespace(), settings))
        bar, last = None, 0
        while True:
            try:
                done, total = next(gen)
            except StopIteration as stop:
                scan = stop.value
                break
            if bar is None:
                bar = click.progressbar(length=total, label="checking rows", file=sys.stderr)
                bar.__enter__()
            bar.length = max(bar.length or 0, total)
            bar.update(done - last)
            last = done
        if bar is not None:
            bar.__exit__(None, None, None)
        async with sessions() as session:
            token = await imports.store_upload(session, None, file.name, data)
            report, _ = await imports.finish(session, None, token, file.name, scan)
        click.echo(f"{report.rows} rows: {report.create} new, {report.update} updates, {len(report.problems)} problems")
        for p in report.problems:
            click.echo(f"  row {p.row or '-'}\t{p.column or '-'}\t{p.code}: {p.message}")
        if not report.ok:
            raise click.exceptions.Exit(1)
        if dry_run or not (yes or click.confirm("Write these rows?", default=False)):
            click.echo("nothing written")
            return
        try:
            async with sessions() as session, session.begin():
                result = await imports.commit_import(session, None, None, token, file.name, scan)
        except AppError as exc:
            raise click.ClickException(exc.detail) from exc
        click.echo(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged")

    _run(go)


@main.group("wards")
def wards_group() -> None:
    """Administrative units (phường, xã)."""


@wards_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "valid_from", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day the units come into force (YYYY-MM-DD); the units in force end the day before.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON {old code: new code or [codes]}; default: merged_from by full name, then same codes.")
def wards_import(file: Path, valid_from: Any, mapping: Path | None) -> None:
    """Import a new set of units from GeoJSON; businesses follow their point, user scopes the mapping."""
    from server.db import make_sessionmaker
    from server.errors import AppError
    from server.registry import import_units

    content, pairs = file.read_bytes(), mapping.read_text(encoding="utf-8") if mapping else None

    async def go(engine: Any) -> Any:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await import_units(session, None, content, valid_from.date(), pairs)

    try:
        report = _run(go)
    except AppError as exc:
        for e in exc.errors:
            click.echo(f"  {e.path}: {e.message}", err=True)
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{report.created} units from {report.valid_from}, {report.ended} ended; businesses: "
               f"{report.moved} moved ({report.by_point} by point, {report.by_mapping} by mapping), "
               f"{report.unplaced} unplaced; visits moved {report.visits_moved}; users {report.users}")
    for w in report.wards:
        if w.businesses:
            click.echo(f"  {w.code} {w.full_name}: {w.businesses} -> {', '.join(w.to) or '-'} "
                       f"({w.by_point} by point, {w.by_mapping} by mapping, {w.unplaced} unplaced)")


@main.group()
def webhooks() -> None:
    """Webhook deliveries (the outbox)."""


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering (every KIEMTRA_WEBHOOK_INTERVAL_SECONDS, default 5).")
def webhooks_deliver(loop: bool) -> None:
    """Send every due webhook once (or forever with --loop); several workers may run at the same time."""
    from server.db import make_sessionmaker
    from server.webhooks.delivery import deliver_due, run_loop

    settings = _settings()

    async def deliver(engine: Any) -> int:
        if loop:
            await run_loop(make_sessionmaker(engine), settings)
        return await deliver_due(make_sessionmaker(engine), settings)

    click.echo(f"{_run(deliver)} attempts")


@main.group()
def blobs() -> None:
    """Photo evidence in the blob store (KIEMTRA_BLOB_URL, else <data dir>/blobs)."""


@blobs.command("migrate")
def blobs_migrate() -> None:
    """Copy every blob of <data dir>/blobs into KIEMTRA_BLOB_URL's store, checking each copy's sha256."""
    from server.blobs import DirectoryBlobs, copy_all

    settings = _settings()
    if not settings.blob_url:
        raise click.ClickException("set KIEMTRA_BLOB_URL to the object store to copy the blobs into")
    counts: dict[str, int] = {}
    for sha256, outcome in copy_all(DirectoryBlobs(settings.data_path / "blobs"), settings.blobs):
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome in ("corrupt", "failed"):
            click.echo(f"{outcome}: {sha256}", err=True)
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no blobs")
    if counts.get("corrupt") or counts.get("failed"):
        sys.exit(1)


@blobs.command("check")
@click.option("--remove-orphans", is_flag=True, help="Delete the blobs that no attachment row names.")
def blobs_check(remove_orphans: bool) -> None:
    """List attachment rows whose blob is missing and blobs no row names (older than an hour); exit 1 if any."""
    from sqlalchemy import select

    from server.blobs import compare
    from server.db import utcnow
    from server.inspections.models import Attachment

    settings = _settings()

    async def rows(engine: Any) -> set[str]:
        async with engine.connect() as conn:
            return set((await conn.scalars(select(Attachment.sha256).distinct())).all())

    missing, orphans = compare(_run(rows), settings.blobs.listing_sync(), utcnow())
    for sha256 in missing:
        click.echo(f"missing: {sha256}")
    for sha256 in orphans:
        if remove_orphans:
            settings.blobs.delete_sync(sha256)
        click.echo(f"{'removed' if remove_orphans else 'orphan'}: {sha256}")
    click.echo(f"{len(missing)} missing, {len(orphans)} {'removed' if remove_orphans else 'orphans'}")
    if missing or (orphans and not remove_orphans):
        sys.exit(1)


if __name__ == "__main__":
    main()
