"""Nothing acknowledged is lost when the server process is killed mid-stream, and replays never duplicate."""

from __future__ import annotations

from pathlib import Path

from tests.crash import run_crash


def test_sigkill_during_concurrent_submissions_loses_nothing_acknowledged(database_url: str, tmp_path: Path) -> None:
    first, stored, codes = run_crash(database_url, tmp_path / "data", n=40, kill_after=12)
    assert len(first.acknowledged) >= 12, "the server must have acknowledged some submissions before the kill"
    missing = [u for u in first.acknowledged if stored.get(u) != 1]
    assert not missing, f"acknowledged but not stored after the crash: {missing}"
    assert set(codes) <= {200, 201}, codes
    assert len(stored) == 40 and set(stored.values()) == {1}, "each submission exactly once after the replay"
    assert codes.count(200) >= len(first.acknowledged)
