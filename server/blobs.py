"""Where the bytes of photo evidence live, by sha256: a local directory or an S3-compatible object store.

``KIEMTRA_BLOB_URL`` empty keeps them under ``<data dir>/blobs/<first two hex digits>/<sha256>`` (one
machine); ``s3://bucket[/prefix]?endpoint=http://host:port[&region=...]`` puts them in a bucket that every
app machine shares (keys from ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, boto3's usual chain).
Both are content-addressed: the key is the sha256 of the bytes, so writing twice is harmless (the S3 store
puts on the condition that no object is there yet) and every copy can be checked. Writes happen before the
database commit, so a 2xx never names a missing blob; a blob without a row (a failed commit) is an orphan
that ``kiemtra blobs check`` lists. The store's calls block (disk, boto3), so the async methods run them in
a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread

#: Read and sent in pieces of this size: a download never holds a whole photo in memory.
CHUNK = 256 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobMissing(LookupError):
    """No blob under this sha256."""


def check_name(sha256: str) -> str:
    """``sha256`` if it is 64 lowercase hex digits (no path or key tricks), else ``BlobMissing``."""
    if not SHA256.fullmatch(sha256):
        raise BlobMissing(sha256)
    return sha256


def key_of(sha256: str) -> str:
    """``<first two hex digits>/<sha256>``: the same layout in the directory and in the bucket."""
    return f"{sha256[:2]}/{check_name(sha256)}"


class BlobStore(ABC):
    """Blocking primitives (``*_sync``, for the CLI and worker threads) and their async twins for handlers."""

    @abstractmethod
    def put_sync(self, sha256: str, data: bytes) -> None:
        """Store ``data`` durably under its sha256, unless it is there already."""

    @abstractmethod
    def has_sync(self, sha256: str) -> bool: ...

    @abstractmethod
    def open_sync(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in chunks; ``BlobMissing`` is raised here, before the first chunk is asked for."""

    @abstractmethod
    def delete_sync(self, sha256: str) -> None: ...

    @abstractmethod
    def listing_sync(self) -> Iterator[tuple[str, datetime]]:
        """(sha256, when written) of every blob."""

    def read_sync(self, sha256: str) -> bytes:
        return b"".join(self.open_sync(sha256))

    async def put(self, sha256: str, data: bytes) -> None:
        await anyio.to_thread.run_sync(self.put_sync, sha256, data)

    async def has(self, sha256: str) -> bool:
        return await anyio.to_thread.run_sync(self.has_sync, sha256)

    async def stream(self, sha256: str) -> AsyncIterator[bytes]:
        """Open the blob now (``BlobMissing`` before any response starts), then yield its chunks."""
        chunks = await anyio.to_thread.run_sync(self.open_sync, sha256)
        return _drain(chunks)


async def _drain(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    try:
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _pieces(source: IO[bytes]) -> Iterator[bytes]:
    with contextlib.closing(source):
        while chunk := source.read(CHUNK):
            yield chunk


class DirectoryBlobs(BlobStore):
    """``<root>/<aa>/<sha256>``, written to a temporary file, fsynced and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / key_of(sha256)

    def put_sync(self, sha256: str, data: bytes) -> None:
        path = self.path(sha256)
        if path.exists() and path.stat().st_size == len(data):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def has_sync(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open_sync(self, sha256: str) -> Iterator[bytes]:
        try:
            source = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        return _pieces(source)

    def delete_sync(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def listing_sync(self) -> Iterator[tuple[str, datetime]]:
        for path in sorted(self.root.glob("??/*")):
            if SHA256.fullmatch(path.name) and path.parent.name == path.name[:2]:
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3Blobs(BlobStore):
    """A bucket of an S3-compatible store (AWS, SeaweedFS, MinIO, Ceph ...) through boto3."""

    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None, region: str | None = None,
                 client: Any = None) -> None:
        import boto3  # imported on first use: a one-machine install never loads it
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint, region_name=region or "us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 4, "mode": "standard"},
                          max_pool_connections=32))

    def key(self, sha256: str) -> str:
        return self.prefix + key_of(sha256)

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put_sync(self, sha256: str, data: bytes) -> None:
        """A conditional PUT (``If-None-Match: *``): one round trip, and an object already there is kept (412).
        A store that ignores the condition writes the same bytes again under the same key: no harm."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data, IfNoneMatch="*",
                                   ContentType="application/octet-stream")
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) not in ("PreconditionFailed", "412"):
                raise

    def has_sync(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def open_sync(self, sha256: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as exc:
            if self._missing(exc):
                raise BlobMissing(sha256) from None
            raise
        return _pieces(body)

    def delete_sync(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def listing_sync(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if len(name) == 67 and SHA256.fullmatch(name[3:]) and name[:3] == name[3:5] + "/":
                    yield name[3:], item["LastModified"]


def parse_url(url: str) -> dict[str, str]:
    """``s3://bucket[/prefix]?endpoint=...&region=...`` → its parts; ``ValueError`` when malformed."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("expected s3://bucket[/prefix]?endpoint=http://host:port")
    if set(query) - {"endpoint", "region"}:
        raise ValueError(f"unknown parameters {sorted(set(query) - {'endpoint', 'region'})}")
    prefix = parts.path.strip("/")
    return {"bucket": parts.netloc, "prefix": prefix + "/" if prefix else "", **query}


@lru_cache(maxsize=8)
def open_store(blob_url: str, data_dir: Path) -> BlobStore:
    """The store a setting names (one per process and setting: boto3's client is thread-safe and pooled)."""
    if not blob_url:
        return DirectoryBlobs(data_dir / "blobs")
    return S3Blobs(**parse_url(blob_url))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_all(source: BlobStore, target: BlobStore) -> Iterator[tuple[str, str]]:
    """Copy every blob of ``source`` into ``target``, checking the hash of both copies; yields (sha256,
    ``copied`` | ``present`` | ``corrupt`` (the source's bytes do not match their name) | ``failed`` (the
    target's copy does not))."""
    for sha256, _at in source.listing_sync():
        data = source.read_sync(sha256)
        if digest(data) != sha256:
            yield sha256, "corrupt"
            continue
        present = target.has_sync(sha256)
        if not present:
            target.put_sync(sha256, data)
        yield sha256, ("failed" if digest(target.read_sync(sha256)) != sha256 else "present" if present else "copied")


#: A blob younger than this may belong to an upload whose transaction has not committed yet: never an orphan.
ORPHAN_GRACE = timedelta(hours=1)


def compare(rows: set[str], listing: Iterator[tuple[str, datetime]], now: datetime) -> tuple[list[str], list[str]]:
    """(rows without blobs, blobs without rows written more than ``ORPHAN_GRACE`` ago), each sorted."""
    stored: set[str] = set()
    orphans = []
    for sha256, at in listing:
        stored.add(sha256)
        if sha256 not in rows and now - at > ORPHAN_GRACE:
            orphans.append(sha256)
    return sorted(rows - stored), sorted(orphans)
