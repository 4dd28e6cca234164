"""Two app machines (two server processes with their own data directories) on one database and one object store
(SeaweedFS): the PostgreSQL pass of CI runs this on PostgreSQL, the SQLite pass on one SQLite file shared by the
two processes. Nothing a request needs may live in one process: a record and its photo sent to A are reviewed
and served on B; a session opened on A works on B; failed logins and public tips count across both; the
audit chain stays one chain; each webhook delivery is sent once though both deliver; a SIGKILL of A under load
loses nothing A acknowledged while B carries on."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from server.auth.services import MAX_FAILURES
from server.tips.public import POSTS_PER_WINDOW
from tests.conftest import DEMO_PASSWORD
from tests.crash import stored, submissions
from tests.dbs import execute
from tests.live import LiveServer
from tests.seaweed import SeaweedFS
from tests.submissions import image, sent_with_photo, upload
from tests.test_import import row, xlsx
from tests.test_webhooks import SECRET as WEBHOOK_SECRET
from tests.test_webhooks import Receiver

#: Every client the test opens, closed at its end (an unclosed socket is a warning, and warnings are errors).
OPENED: list[httpx.Client] = []


def opened(url: str, cookies: httpx.Cookies | None = None) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, cookies=cookies)
    OPENED.append(client)
    return client


def signed_in(url: str, username: str) -> httpx.Client:
    client = opened(url)
    assert client.post("/api/v1/session", json={"username": username, "password": DEMO_PASSWORD}).status_code == 201
    return client


def on(client: httpx.Client, url: str) -> httpx.Client:
    """The same cookies (session, CSRF) against the other machine."""
    return opened(url, client.cookies)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def test_two_machines_share_one_database_and_one_object_store(database_url: str, seaweedfs: SeaweedFS,
                                                               tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.start()
    env = {"KIEMTRA_BLOB_URL": seaweedfs.url(), **seaweedfs.env, "KIEMTRA_WEBHOOK_URLS": receiver.url,
           "KIEMTRA_WEBHOOK_SECRET": WEBHOOK_SECRET, "KIEMTRA_WEBHOOK_INTERVAL_SECONDS": "0.2"}
    a = LiveServer(database_url, tmp_path / "a", env=env)
    b = LiveServer(database_url, tmp_path / "b", env=env)
    with ThreadPoolExecutor(2) as pool:  # both start at once: each takes seconds on a busy machine
        list(pool.map(LiveServer.start, (a, b)))
    try:
        # a record and its photo sent to A; reviewed, and the photo served, on B
        phone_a = signed_in(a.url, "inspector1")
        photo = image(size=(120, 90))
        sha = hashlib.sha256(photo).hexdigest()
        uid = sent_with_photo(phone_a, database_url, photo)
        assert upload(phone_a, uid, photo).status_code == 201
        office_b = signed_in(b.url, "cityoffice")
        served = office_b.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
        assert served.status_code == 200 and served.content == photo
        assert not any((tmp_path / m / "blobs").exists() for m in "ab")  # in the bucket, on neither disk
        assert office_b.post(f"/api/v1/inspections/{uid}/review", json={"decision": "approve"}).status_code == 200
        # the session opened on A is good on B, and logging out on B ends it on A
        phone_b = on(phone_a, b.url)
        assert phone_b.get(f"/api/v1/inspections/{uid}").json()["review_state"] == "approved"
        assert phone_b.delete("/api/v1/session").status_code == 204
        assert phone_a.get(f"/api/v1/inspections/{uid}").status_code == 401

        # a team lead's import checked on A is committed on B (the upload is kept in the database)
        lead_a = signed_in(a.url, "teamlead")
        checked = lead_a.post("/api/v1/imports/establishments",
                              files={"file": ("hai-may.xlsx", xlsx([row(name="Karaoke Hai Máy", kind="Karaoke",
                                                                        reg="TWO-MACHINES-1")]))})
        assert checked.status_code == 200 and checked.json()["ok"], checked.text
        committed = on(lead_a, b.url).post(f"/api/v1/imports/establishments/{checked.json()['token']}/commit")
        assert committed.status_code == 200 and committed.json()["created"] == 1, committed.text
        assert execute(database_url, "SELECT count(*) FROM establishments WHERE business_reg_no = "
                                     "'TWO-MACHINES-1'")[0][0] == 1

        # failed logins count across machines: the lockout holds on both
        for i in range(MAX_FAILURES):
            wrong = httpx.post((a, b)[i % 2].url + "/api/v1/session",
                               json={"username": "inspector2", "password": "wrong password"})
            assert wrong.status_code == 401
        for machine in (a, b):
            locked = httpx.post(machine.url + "/api/v1/session",
                                json={"username": "inspector2", "password": DEMO_PASSWORD})
            assert locked.status_code == 429, locked.text

        # the public tip form's limit counts posts on both machines (honeypot posts count, are not stored)
        citizen = opened(a.url)
        csrf = csrf_of(citizen.get("/report"))
        citizens = (citizen, on(citizen, b.url))
        for i in range(POSTS_PER_WINDOW):
            posted = citizens[i % 2].post("/report", data={"_csrf_token": csrf, "address": "Số 12 phố Trường Thi",
                                                           "description": f"tin {i}", "website": "bot"})
            assert posted.status_code == 200
        for c in citizens:
            assert c.post("/report", data={"_csrf_token": csrf, "address": "Số 12 phố Trường Thi",
                                           "description": "một tin nữa"}).status_code == 429

        # webhook deliveries: both machines' loops look for due rows; each delivery is sent once
        decided = [u for (u,) in execute(database_url, "SELECT uuid FROM inspections WHERE review_state = "
                                                       "'submitted' ORDER BY id LIMIT 12")]
        offices = (signed_in(a.url, "cityoffice"), office_b)
        for n, other in enumerate(decided):
            assert offices[n % 2].post(f"/api/v1/inspections/{other}/review",
                                       json={"decision": "approve"}).status_code == 200

        # every decision's webhook arrived once, whichever machine sent it (before the kill: a row A had
        # leased when it died would be sent again after its lease, at least once by design)
        wait_until_delivered(database_url)
        ids = Counter(headers["x-kiemtra-delivery"] for headers, _ in receiver.received)
        events = {e for (e,) in execute(database_url, "SELECT event_id FROM webhook_outbox")}
        assert len(events) > len(decided) and set(ids) == events and set(ids.values()) == {1}

        # SIGKILL of A under load: what A acknowledged is stored, B carries on
        batch = submissions(database_url, 40)
        acknowledged: set[str] = set()
        lock = threading.Lock()
        to_a, to_b = signed_in(a.url, "inspector1"), signed_in(b.url, "inspector1")

        def send(item: tuple[int, tuple[str, dict[str, object]]]) -> None:
            n, (key, sent) = item
            try:
                response = (to_a if n % 2 == 0 else to_b).put(f"/api/v1/inspections/{key}", json=sent)
            except httpx.HTTPError:
                return
            with lock:
                if response.status_code in (200, 201):
                    acknowledged.add(key)
                    if len(acknowledged) == 12:
                        a.kill()

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(send, enumerate(batch)))
        assert a.process is not None and a.process.poll() is not None  # A really died mid-batch
        keys = [key for key, _ in batch]
        assert set(stored(database_url, keys)) >= acknowledged
        missed = [item for item in batch if item[0] not in acknowledged]
        assert missed  # A's requests in flight or after the kill
        assert {to_b.put(f"/api/v1/inspections/{key}", json=sent).status_code for key, sent in missed} <= {200, 201}
        assert stored(database_url, keys) == {key: 1 for key in keys}  # every record once, none twice

        # one audit chain, intact, though two machines wrote to it at the same time
        verdict = office_b.get("/api/v1/audit/verify").json()
        assert verdict["ok"] is True, verdict
    finally:
        while OPENED:
            OPENED.pop().close()
        a.kill()
        b.kill()
        receiver.stop()


def wait_until_delivered(database_url: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while execute(database_url, "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'")[0][0]:
        assert time.monotonic() < deadline, execute(database_url, "SELECT status, last_error FROM webhook_outbox")
        time.sleep(0.1)
