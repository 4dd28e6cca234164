"""The ``kiemtra`` command: run the app, migrate, seed, manage users, verify the audit chain.

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

        _run(lambda engine: load(engine, settings.demo_password, data_dir=settings.data_path))
    else:
        _run(upgrade)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"Kiểm tra ANTT is serving on {url}")
    if settings.demo:
        from seed.people import USERS

        click.echo(f"Demo logins (password: {settings.demo_password}):")
        for user in USERS:
            click.echo(f"  {user.username:<16} {', '.join(r.value for r in user.roles)}")
    uvicorn.run("server.app:create_app", factory=True, host=settings.host, port=settings.port, workers=workers,
                proxy_headers=True, log_level="info")


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
    counts = _run(lambda engine: load(engine, settings.demo_password, data_dir=settings.data_path))
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
    """Print OK, or the first broken event and exit 1."""
    from server.audit.services import verify
    from server.db import make_sessionmaker

    async def check(engine: Any) -> Any:
        async with make_sessionmaker(engine)() as session:
            return await verify(session)

    verdict = _run(check)
    if verdict.ok:
        click.echo(f"OK: {verdict.checked} events")
    else:
        click.echo(f"BROKEN at event {verdict.broken_id}: {verdict.reason} ({verdict.checked} events before it)")
        sys.exit(1)


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
        token = imports.store_upload(settings.data_path, None, file.name, data)
        async with sessions() as session:
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


if __name__ == "__main__":
    main()
