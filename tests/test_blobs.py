"""Photo evidence in an S3-compatible store (a real SeaweedFS): uploaded through the app into the bucket, streamed
back, laid out in the record PDF; ``kiemtra blobs migrate`` copies the directory into the bucket checking every
hash, ``kiemtra blobs check`` finds rows without blobs and (only on request) removes blobs without rows."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner, Result
from litestar.testing import TestClient
from pypdf import PdfReader

from server.app import create_app
from server.blobs import DirectoryBlobs
from server.cli import main
from server.settings import Settings, SettingsError
from tests.conftest import login
from tests.dbs import execute
from tests.seaweed import SeaweedFS
from tests.submissions import image, sent_with_photo, upload


@pytest.fixture
def s3_settings(settings: Settings, seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in seaweedfs.env.items():
        monkeypatch.setenv(name, value)
    return msgspec.structs.replace(settings, blob_url=seaweedfs.url())


@pytest.fixture
def phone(s3_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(s3_settings)) as client:
        yield login(client, "inspector1")


def test_photos_go_to_the_bucket_once_and_stream_back(phone: TestClient, s3_settings: Settings,
                                                      seaweedfs: SeaweedFS, database_url: str) -> None:
    photo = image(size=(320, 240))
    sha = hashlib.sha256(photo).hexdigest()
    uid = sent_with_photo(phone, database_url, photo)
    assert upload(phone, uid, photo).status_code == 201
    assert upload(phone, uid, photo).status_code == 200
    other = sent_with_photo(phone, database_url, photo)  # the same evidence for another record
    assert upload(phone, other, photo).status_code == 201
    assert seaweedfs.keys(s3_settings.blob_url) == [f"{sha[:2]}/{sha}"]  # stored once, by sha256
    assert not (Path(s3_settings.data_dir) / "blobs" / sha[:2] / sha).exists()  # not on this machine's disk
    got = phone.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg" and got.headers["content-length"] == str(len(photo))
    assert got.headers["x-content-type-options"] == "nosniff"
    pdf = phone.get(f"/inspections/{uid}/record.pdf")
    assert pdf.status_code == 200
    sizes = [i.image.size for page in PdfReader(io.BytesIO(pdf.content)).pages for i in page.images]
    assert (320, 240) in sizes  # the photo, read from the bucket by the PDF's fetcher


def test_a_photo_missing_from_the_bucket_is_a_clear_404(phone: TestClient, s3_settings: Settings,
                                                       seaweedfs: SeaweedFS, database_url: str) -> None:
    photo = image(colour=(10, 200, 10))
    sha = hashlib.sha256(photo).hexdigest()
    uid = sent_with_photo(phone, database_url, photo)
    assert upload(phone, uid, photo).status_code == 201
    s3_settings.blobs.delete_sync(sha)
    got = phone.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
    assert got.status_code == 404 and "không tìm thấy tệp ảnh" in got.json()["detail"]


Cli = Callable[..., Result]


@pytest.fixture
def cli(settings: Settings, seaweedfs: SeaweedFS) -> Cli:
    """``kiemtra ...`` with this test's database and data directory."""
    env = {"KIEMTRA_DATABASE_URL": settings.database_url, "KIEMTRA_DATA_DIR": settings.data_dir,
           "KIEMTRA_SECRET_KEY": settings.secret_key, **seaweedfs.env}

    def run(*args: str, blob_url: str = "") -> Result:
        return CliRunner().invoke(main, list(args), env={**env, "KIEMTRA_BLOB_URL": blob_url})

    return run


def test_migrate_copies_every_blob_and_checks_each_hash(cli: Cli, settings: Settings, seaweedfs: SeaweedFS) -> None:
    local = DirectoryBlobs(Path(settings.data_dir) / "blobs")
    names = sorted(sha for sha, _ in local.listing_sync())
    assert names  # the seeded history's evidence photos
    url = seaweedfs.url()
    first = cli("blobs", "migrate", blob_url=url)
    assert first.exit_code == 0 and first.output.strip() == f"{len(names)} copied", first.output
    assert sorted(key[3:] for key in seaweedfs.keys(url)) == names
    again = cli("blobs", "migrate", blob_url=url)
    assert again.exit_code == 0 and again.output.strip() == f"{len(names)} present"
    assert cli("blobs", "check", blob_url=url).exit_code == 0  # every row has its blob in the bucket
    damaged = local.path(names[0])
    damaged.write_bytes(damaged.read_bytes() + b"x")
    broken = cli("blobs", "migrate", blob_url=seaweedfs.url())
    assert broken.exit_code == 1 and f"corrupt: {names[0]}" in broken.output
    assert "set KIEMTRA_BLOB_URL" in cli("blobs", "migrate").output


def test_check_lists_missing_blobs_and_removes_orphans_only_when_asked(cli: Cli, settings: Settings,
                                                                         database_url: str) -> None:
    local = DirectoryBlobs(Path(settings.data_dir) / "blobs")
    rows = sorted({sha for (sha,) in execute(database_url, "SELECT sha256 FROM attachments")})
    assert rows and cli("blobs", "check").output.strip() == "0 missing, 0 orphans"
    local.delete_sync(rows[0])
    orphan, fresh = image(colour=(1, 1, 1)), image(colour=(2, 2, 2))
    for data in (orphan, fresh):
        local.put_sync(hashlib.sha256(data).hexdigest(), data)
    old = local.path(hashlib.sha256(orphan).hexdigest())
    os.utime(old, (old.stat().st_atime - 7200, old.stat().st_mtime - 7200))  # written two hours ago
    found = cli("blobs", "check")
    assert found.exit_code == 1
    assert found.output.splitlines() == [f"missing: {rows[0]}", f"orphan: {old.name}", "1 missing, 1 orphans"]
    assert old.exists()  # listed, not removed
    removed = cli("blobs", "check", "--remove-orphans")
    assert f"removed: {old.name}" in removed.output and not old.exists()
    assert local.has_sync(hashlib.sha256(fresh).hexdigest())  # younger than an hour: maybe an upload in flight


@pytest.mark.parametrize("url", ["http://bucket", "s3://", "s3://bucket?endpoint=http://x&acl=public"])
def test_a_malformed_blob_url_stops_the_start(url: str) -> None:
    with pytest.raises(SettingsError, match="KIEMTRA_BLOB_URL"):
        Settings(secret_key="k" * 32, blob_url=url)
