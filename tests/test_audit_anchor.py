"""The audit chain anchored outside the database: Ed25519-signed checkpoints in an append-only log (and in the
webhook outbox). Every way of rewriting the database behind the app's back is found, with the first wrong
event and since when: an edited row, a deleted row, a truncated tail, a rewritten chain (hashes recomputed),
a deleted-and-re-hashed chain, and an edited-and-re-hashed last row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.audit import create_key, key_path, log_path
from server.audit.models import AuditEvent
from server.audit.services import chain_hash
from server.db import make_sessionmaker
from server.settings import Settings
from server.webhooks import anchor
from tests.dbs import execute, run

Login = Callable[[str], TestClient]


def checkpoint(settings: Settings, url: str) -> dict:  # type: ignore[type-arg]
    made = run(lambda engine: anchor(make_sessionmaker(engine), settings, force=True), url)
    assert made is not None
    return msgspec.to_builtins(made)


def ids(url: str) -> list[int]:
    return [r[0] for r in execute(url, "SELECT id FROM audit_events ORDER BY id")]


def rehash(url: str, start: int, edit: Callable[[AuditEvent], None] | None = None) -> None:
    """What someone with write access to the database does: change events and recompute every later hash."""
    async def go(engine: AsyncEngine) -> None:
        async with make_sessionmaker(engine)() as session, session.begin():
            events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
            prev = "0" * 64
            for event in events:
                if event.id >= start:
                    if edit is not None and event.id == start:
                        edit(event)
                    event.prev_hash = prev
                    event.hash = "x" + event.hash[1:]  # unique while the new hashes are written in order
                    await session.flush()
                    event.hash = chain_hash(prev, event)
                    await session.flush()
                prev = event.hash
    run(go, url)


@pytest.fixture
def city(as_user: Login) -> TestClient:
    """The city office, logged in before the checkpoint (its login is an anchored event)."""
    return as_user("cityoffice")


@pytest.fixture
def anchored(city: TestClient, settings: Settings, database_url: str) -> Settings:
    create_key(key_path(settings))
    checkpoint(settings, database_url)
    return settings


def verdict(city: TestClient) -> dict:  # type: ignore[type-arg]
    return city.get("/api/v1/audit/verify").json()


def test_an_untouched_chain_verifies_against_its_checkpoints(anchored: Settings, as_user: Login,
                                                             database_url: str) -> None:
    lines = log_path(anchored).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["seq"] == ids(database_url)[-1]
    police = as_user("police.hamrong")  # one more event, after the checkpoint
    assert police.get("/").status_code == 200
    city = as_user("cityoffice")
    result = city.get("/api/v1/audit/verify").json()
    assert result["ok"] is True and result["checkpoints"] == 1 and result["unanchored"] == 2
    assert "Mốc ký số (Ed25519) đã đối chiếu: 1" in city.get("/audit").text


def test_an_edited_row(anchored: Settings, city: TestClient, database_url: str) -> None:
    victim = ids(database_url)[20]
    execute(database_url, "UPDATE audit_events SET target_id = 'forged' WHERE id = :id", {"id": victim})
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == victim and "content" in result["reason"]
    assert result["since"] and result["anchored_at"]


def test_a_deleted_row(anchored: Settings, city: TestClient, database_url: str) -> None:
    victim = ids(database_url)[5]
    execute(database_url, "DELETE FROM audit_events WHERE id = :id", {"id": victim})
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == victim and "deleted" in result["reason"]


def test_a_truncated_tail_named_by_page_api_and_cli(anchored: Settings, city: TestClient, database_url: str) -> None:
    every = ids(database_url)
    execute(database_url, "DELETE FROM audit_events WHERE id >= :id", {"id": every[-50]})
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == every[-50] and "cut off" in result["reason"]
    page = city.get("/audit").text
    assert f"#{every[-50]}" in page and 'id="since"' in page and 'id="anchored"' in page
    cli = _cli(anchored, database_url, "audit", "verify")
    assert cli.returncode == 1 and f"BROKEN at event {every[-50]}" in cli.stdout
    assert "wrong since" in cli.stdout and "intact when the checkpoint" in cli.stdout


def test_a_rewritten_chain(anchored: Settings, city: TestClient, database_url: str) -> None:
    victim = ids(database_url)[30]

    def forge(event: AuditEvent) -> None:
        event.target_id = "forged"
    rehash(database_url, victim, forge)
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == victim and "re-hashed" in result["reason"]


def test_a_deleted_and_rehashed_chain(anchored: Settings, city: TestClient, database_url: str) -> None:
    every = ids(database_url)
    execute(database_url, "DELETE FROM audit_events WHERE id = :id", {"id": every[40]})
    rehash(database_url, every[41])
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == every[40] and "deleted" in result["reason"]


def test_an_edited_and_rehashed_last_row(anchored: Settings, city: TestClient, database_url: str) -> None:
    last = ids(database_url)[-1]

    def forge(event: AuditEvent) -> None:
        event.after = {"forged": True}
    rehash(database_url, last, forge)
    result = verdict(city)
    assert result["ok"] is False and result["broken_id"] == last and "re-hashed" in result["reason"]


def test_an_edited_checkpoint_log_is_refused(anchored: Settings, city: TestClient) -> None:
    path = log_path(anchored)
    line = json.loads(path.read_text())
    line["hash"] = "0" * 64
    path.write_text(json.dumps(line) + "\n")
    result = verdict(city)
    assert result["ok"] is False and "signature" in result["reason"]


def _cli(settings: Settings, url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "KIEMTRA_DATABASE_URL": url, "KIEMTRA_SECRET_KEY": "k" * 40,
               "KIEMTRA_DATA_DIR": settings.data_dir, **env}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=environ, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_reviewer_checks_with_the_public_key_alone(anchored: Settings, database_url: str, tmp_path: Path) -> None:
    """`keys public` gives the public half; with it pinned the check needs no signing key, and a signing key
    swapped on the server (the log re-signed with it) is refused."""
    exported = _cli(anchored, database_url, "keys", "public")
    assert exported.returncode == 0 and exported.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    pinned = tmp_path / "reviewer" / "audit-public-key.pem"
    pinned.parent.mkdir()
    pinned.write_text(exported.stdout)
    reviewer = {"KIEMTRA_AUDIT_KEY_FILE": str(tmp_path / "reviewer" / "no-signing-key.pem"),
                "KIEMTRA_AUDIT_PUBLIC_KEY_FILE": str(pinned),
                "KIEMTRA_AUDIT_CHECKPOINT_LOG": str(log_path(anchored))}
    ok = _cli(anchored, database_url, "audit", "verify", **reviewer)
    assert ok.returncode == 0 and "OK:" in ok.stdout and "1 signed checkpoints" in ok.stdout, ok.stdout + ok.stderr
    without = _cli(anchored, database_url, "audit", "verify", **{**reviewer, "KIEMTRA_AUDIT_PUBLIC_KEY_FILE": ""})
    assert without.returncode == 1 and "cannot be checked" in without.stdout

    key_path(anchored).unlink()  # someone with the server's files swaps the key and re-signs the log with it
    log_path(anchored).unlink()
    create_key(key_path(anchored))
    checkpoint(anchored, database_url)
    swapped = _cli(anchored, database_url, "audit", "verify", **reviewer)
    assert swapped.returncode == 1 and "another key" in swapped.stdout
    assert _cli(anchored, database_url, "audit", "verify").returncode == 0  # the server's own key agrees with itself


def test_checkpoints_are_due_every_n_events_and_go_to_the_webhook_outbox(settings: Settings,
                                                                          database_url: str) -> None:
    settings = msgspec.structs.replace(settings, audit_checkpoint_every=3, webhook_urls="http://127.0.0.1:9/hook",
                                       webhook_secret="s" * 20)
    create_key(key_path(settings))
    first = run(lambda engine: anchor(make_sessionmaker(engine), settings), database_url)
    assert first is not None  # the first one is due at once
    assert run(lambda engine: anchor(make_sessionmaker(engine), settings), database_url) is None  # nothing new
    execute(database_url, "UPDATE users SET full_name = full_name WHERE id = 1")  # no event: still not due
    assert run(lambda engine: anchor(make_sessionmaker(engine), settings), database_url) is None
    rows = execute(database_url, "SELECT event, body FROM webhook_outbox WHERE event = 'audit.checkpoint'")
    assert len(rows) == 1 and json.loads(rows[0][1])["data"]["seq"] == first.seq
    assert Path(log_path(settings)).read_text().count("\n") == 1
    later = first.time + timedelta(hours=1, minutes=1)  # an hour without events: a checkpoint all the same
    hourly = run(lambda engine: anchor(make_sessionmaker(engine), settings, now=later), database_url)
    assert hourly is not None and hourly.seq == first.seq and hourly.ids == []
    for n in range(3):  # three events: due before the hour is up
        execute(database_url, "INSERT INTO audit_events (at, actor_id, action, target_type, target_id, prev_hash, "
                              "hash) VALUES (:at, NULL, 'user.update', 'user', '1', :p, :h)",
                {"at": later, "p": str(n), "h": f"{n:064d}"})
    third = run(lambda engine: anchor(make_sessionmaker(engine), settings, now=later), database_url)
    assert third is not None and third.count == first.count + 3
    assert len(Path(log_path(settings)).read_text().splitlines()) == 3
