"""The audit chain verifies on seeded data and names the first row edited behind the app's back."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.dbs import execute


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIEMTRA_DATABASE_URL": database_url, "KIEMTRA_SECRET_KEY": "k" * 40}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_chain_verifies_on_seeded_data(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    verdict = as_user("cityoffice").get("/api/v1/audit/verify").json()
    assert verdict["ok"] is True and verdict["checked"] > 100
    result = cli(database_url, "audit", "verify")
    assert result.returncode == 0 and result.stdout.startswith("OK")


def test_an_edited_row_is_detected_by_page_api_and_cli(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    victim = execute(database_url, "SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 20")[0][0]
    execute(database_url, "UPDATE audit_events SET target_id = 'forged' WHERE id = :id", {"id": victim})
    city = as_user("cityoffice")
    verdict = city.get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False and verdict["broken_id"] == victim
    assert f"#{victim}" in city.get("/audit").text
    result = cli(database_url, "audit", "verify")
    assert result.returncode == 1 and f"BROKEN at event {victim}" in result.stdout


def test_a_deleted_row_breaks_the_next_link(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    ids = [r[0] for r in execute(database_url, "SELECT id FROM audit_events ORDER BY id LIMIT 2 OFFSET 5")]
    execute(database_url, "DELETE FROM audit_events WHERE id = :id", {"id": ids[0]})
    verdict = as_user("cityoffice").get("/api/v1/audit/verify").json()
    assert verdict["ok"] is False and verdict["broken_id"] == ids[1]


def test_writes_add_chained_events_in_the_same_transaction(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    before = execute(database_url, "SELECT count(*) FROM audit_events")[0][0]
    admin = as_user("admin")  # the login itself is audited
    created = admin.post("/api/v1/users", json={"username": "inspector9", "full_name": "Phạm Thị Chín",
                                                "password": "correct-horse-9", "roles": ["inspector"]})
    assert created.status_code == 201
    rows = execute(database_url, "SELECT action, target_id FROM audit_events ORDER BY id DESC LIMIT 1")
    assert rows[0] == ("user.create", str(created.json()["id"]))
    assert execute(database_url, "SELECT count(*) FROM audit_events")[0][0] == before + 2
    assert admin.get("/api/v1/audit/verify").json()["ok"] is True
