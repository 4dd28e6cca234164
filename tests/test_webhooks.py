"""Webhooks: each review decision and follow-up reaches a local receiver once, signed, even after the
receiver was down for a while; failures are retried with backoff and shown to the admin."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.db import make_sessionmaker, utcnow
from server.settings import Settings
from server.webhooks.delivery import deliver_due
from tests.conftest import login
from tests.dbs import execute, run
from tests.reviewing import HAM_RONG, inspection_in, with_violation

SECRET = "webhook-secret-for-tests-0123456789"


class Receiver:
    """A tiny HTTP server on 127.0.0.1 in a thread that records every POST (or is down)."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/kiemtra"
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def hooked(settings: Settings, receiver: Receiver) -> Callable[..., Settings]:
    def make(**changes: Any) -> Settings:
        return msgspec.structs.replace(settings, **{"webhook_urls": receiver.url, "webhook_secret": SECRET,
                                                    "webhook_interval_seconds": 0, **changes})
    return make


@pytest.fixture
def clients(hooked: Callable[..., Settings]) -> Iterator[Callable[[str], TestClient]]:
    opened: list[TestClient] = []

    def make(username: str, **changes: Any) -> TestClient:
        client = TestClient(create_app(hooked(**changes)))
        client.__enter__()
        opened.append(client)
        return login(client, username)

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def deliver(url: str, settings: Settings, after: timedelta = timedelta(0)) -> int:
    return run(lambda engine: deliver_due(make_sessionmaker(engine), settings, now=utcnow() + after), url)


def check_signed(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-kiemtra-signature"], expected)
    payload = msgspec.json.decode(body)
    assert headers["x-kiemtra-delivery"] == payload["id"] and headers["x-kiemtra-event"] == payload["event"]
    return payload


def test_a_decision_reaches_the_receiver_once_after_it_was_down(clients, hooked, receiver, database_url) -> None:  # type: ignore[no-untyped-def]
    settings = hooked()
    uuid = inspection_in(database_url, HAM_RONG)
    police = clients("police.hamrong")
    assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "approve"}).status_code == 200
    assert execute(database_url, "SELECT event, status FROM webhook_outbox") == [("review.approve", "pending")]
    # the receiver is down: the attempt fails, is scheduled later and shows on the admin's page
    assert deliver(database_url, settings) == 1
    status, attempts, error = execute(database_url, "SELECT status, attempts, last_error FROM webhook_outbox")[0]
    assert (status, attempts) == ("pending", 1) and error
    admin = clients("admin")
    assert admin.get("/api/v1/webhooks/deliveries").json()["counts"]["failing"] == 1
    page = admin.get("/admin/webhooks").text
    assert "review.approve" in page and error.split(":")[0] in page
    assert deliver(database_url, settings) == 0  # backing off: not due yet
    assert deliver(database_url, settings, timedelta(seconds=20)) == 0
    # a while later the receiver is back: the same event arrives once, signed
    receiver.start()
    assert deliver(database_url, settings, timedelta(minutes=5)) == 1
    assert deliver(database_url, settings, timedelta(days=2)) == 0
    assert len(receiver.received) == 1
    payload = check_signed(*receiver.received[0])
    assert payload["event"] == "review.approve"
    assert payload["data"]["inspection"] == uuid and payload["data"]["to_state"] == "approved"
    assert payload["data"]["ward"] == HAM_RONG and payload["data"]["reviewer"] == "police.hamrong"
    assert execute(database_url, "SELECT status, attempts FROM webhook_outbox") == [("delivered", 2)]
    assert admin.get("/api/v1/webhooks/deliveries").json()["counts"]["delivered"] == 1


def test_follow_ups_are_sent_and_two_workers_do_not_double_send(clients, hooked, receiver, database_url) -> None:  # type: ignore[no-untyped-def]
    settings = hooked()
    police = clients("police.hamrong")
    uuids = [inspection_in(database_url, HAM_RONG, offset=n) for n in range(6)]
    for uuid in uuids:
        with_violation(database_url, uuid)
        assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "approve"}).status_code == 200
        created = police.post(f"/api/v1/inspections/{uuid}/follow-ups",
                              json={"kind": "remediation", "deadline": "2024-02-01"})
        assert created.status_code == 201
    refused = police.post(f"/api/v1/inspections/{uuids[0]}/follow-ups", json={"kind": "remediation"})
    assert refused.status_code == 422  # rolled back: no outbox row either
    assert execute(database_url, "SELECT count(*) FROM webhook_outbox") == [(12,)]
    receiver.start()

    async def two_workers(engine):  # type: ignore[no-untyped-def]
        sessions = make_sessionmaker(engine)
        return await asyncio.gather(deliver_due(sessions, settings), deliver_due(sessions, settings))

    counts = run(two_workers, database_url)
    assert sum(counts) == 12
    ids = [h["x-kiemtra-delivery"] for h, _ in receiver.received]
    assert len(ids) == len(set(ids)) == 12
    events = sorted(check_signed(h, b)["event"] for h, b in receiver.received)
    assert events == ["follow_up.create"] * 6 + ["review.approve"] * 6


def test_a_delivery_gives_up_and_the_admin_sends_it_again(clients, hooked, receiver, database_url) -> None:  # type: ignore[no-untyped-def]
    settings = hooked(webhook_max_attempts=2)
    uuid = inspection_in(database_url, HAM_RONG)
    city = clients("cityoffice", webhook_max_attempts=2)
    assert city.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "reject", "comment": "Sai địa điểm"}
                     ).status_code == 200
    assert deliver(database_url, settings) == 1
    assert deliver(database_url, settings, timedelta(hours=1)) == 1
    assert execute(database_url, "SELECT status FROM webhook_outbox") == [("dead",)]
    assert execute(database_url, "SELECT action FROM audit_events ORDER BY id DESC LIMIT 1") == [("webhook.dead",)]
    assert deliver(database_url, settings, timedelta(days=30)) == 0
    admin = clients("admin")
    dead = admin.get("/api/v1/webhooks/deliveries").json()
    assert dead["counts"]["dead"] == 1 and dead["items"][0]["status"] == "dead"
    assert admin.post(f"/api/v1/webhooks/deliveries/{dead['items'][0]['id']}/requeue").status_code == 204
    receiver.start()
    assert deliver(database_url, settings) == 1
    assert len(receiver.received) == 1 and check_signed(*receiver.received[0])["event"] == "review.reject"
    assert admin.post(f"/api/v1/webhooks/deliveries/{dead['items'][0]['id']}/requeue").status_code == 409
    assert clients("police.hamrong").get("/admin/webhooks").status_code == 403


def test_the_apps_own_loop_delivers(clients, receiver, database_url) -> None:  # type: ignore[no-untyped-def]
    receiver.start()
    police = clients("police.hamrong", webhook_interval_seconds=0.05)
    uuid = inspection_in(database_url, HAM_RONG)
    assert police.post(f"/api/v1/inspections/{uuid}/review",
                       json={"decision": "escalate", "comment": "Nghi có hoạt động mại dâm"}).status_code == 200
    deadline = time.monotonic() + 20
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # several more passes of the loop: still one delivery
    assert len(receiver.received) == 1
    assert check_signed(*receiver.received[0])["data"]["comment"] == "Nghi có hoạt động mại dâm"


def test_urls_without_a_secret_refuse_to_start() -> None:
    from server.settings import SettingsError

    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings(secret_key="k" * 40, webhook_urls="http://127.0.0.1:9/x")
