"""Fixtures: a seeded database per test (SQLite, or PostgreSQL when KIEMTRA_TEST_POSTGRES is set),
the app on it, and logged-in clients for the demo personas."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from litestar.testing import TestClient

from seed.loader import load
from server.app import create_app
from server.settings import Settings
from tests.dbs import Databases, run

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.live import LiveServer
    from tests.seaweed import SeaweedFS

DEMO_PASSWORD = "demo-password-for-tests"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of the seeded template (the evidence photos of its history)."""
    return tmp_path_factory.mktemp("seed-data")


@pytest.fixture(scope="session")
def seeded_template(databases: Databases, seed_data_dir: Path) -> str:
    url = databases.new()
    run(lambda engine: load(engine, DEMO_PASSWORD, data_dir=seed_data_dir), url)
    return url


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """SeaweedFS's S3 gateway, started once per test process; when it cannot start the test fails (no skip)."""
    from tests.seaweed import SeaweedFS

    store = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield store
    store.stop()


@pytest.fixture
def database_url(databases: Databases, seeded_template: str) -> str:
    """A fresh copy of the seeded demo database for this test."""
    return databases.new(template=seeded_template)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, seed_data_dir: Path) -> Settings:
    if (seed_data_dir / "blobs").is_dir():  # the seeded history's photos go with the copy of its database
        shutil.copytree(seed_data_dir / "blobs", tmp_path / "data" / "blobs")
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), secret_key=SECRET,
                    demo_password=DEMO_PASSWORD, tile_url="")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[[], TestClient]]:
    """Extra independent clients on the same app database (one per persona)."""
    opened: list[TestClient] = []

    def make() -> TestClient:
        c = TestClient(create_app(settings))
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> TestClient:
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return client


@pytest.fixture
def as_user(make_client: Callable[[], TestClient]) -> Callable[[str], TestClient]:
    """``as_user("police.hamrong")`` gives a client logged in as that demo persona."""
    return lambda username: login(make_client(), username)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app as a real uvicorn process on this test's database (for the browser tests)."""
    from tests.live import LiveServer

    with LiveServer(database_url, tmp_path / "data") as live:
        yield live


@pytest.fixture
def browser(server: LiveServer) -> Iterator[Browser]:
    """Debian's Chromium; after the server (and its database), since Playwright's loop forbids asyncio.run()."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
