"""The benchmark code runs end to end at tiny N (no timing is asserted here: `make bench` does that)."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from benchmarks import run as bench_run
from benchmarks.bench_end_to_end import script
from benchmarks.common import percentile, result
from benchmarks.generate import Spec, generate


@pytest.fixture(autouse=True)
def _engines_as_the_benchmarks_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmarks pick their engines themselves (the SQLite files they build, the postgres family
    on ENTRAIDE_TEST_DATABASE_URL): on the PostgreSQL run too, a path stays a file here."""
    import storage.database

    monkeypatch.setattr(storage.database, "path_to_url", None)


REQUIRED = {"name", "n", "value", "unit", "baseline", "baseline_value", "ratio", "target", "ok"}


def _digest(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def test_generated_community_is_deterministic_and_consistent(tmp_path: Path) -> None:
    spec = Spec(300, open_requests=40, seed=3)
    counts = generate(tmp_path / "a.sqlite", spec)
    generate(tmp_path / "b.sqlite", spec)
    generate(tmp_path / "c.sqlite", Spec(300, open_requests=40, seed=4))
    assert _digest(tmp_path / "a.sqlite") == _digest(tmp_path / "b.sqlite")
    assert _digest(tmp_path / "a.sqlite") != _digest(tmp_path / "c.sqlite")
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA user_version").fetchone()[0] > 0  # migrated by the real migrations
        offers = conn.execute("SELECT MIN(c), MAX(c), COUNT(*) FROM (SELECT COUNT(*) c FROM member_skill "
                              "WHERE kind = 'offer' GROUP BY member_id)").fetchone()
        assert offers[0] >= 1 and offers[1] <= 5 and offers[2] == 300
        assert conn.execute("SELECT COUNT(*) FROM request WHERE status = 'open'").fetchone()[0] >= 40
        assert conn.execute("SELECT COUNT(DISTINCT day) FROM activity_day").fetchone()[0] > 200
        godparents = conn.execute("SELECT MAX(c) FROM (SELECT COUNT(*) c FROM member WHERE godparent_id "
                                  "IS NOT NULL GROUP BY godparent_id)").fetchone()[0]
        assert godparents is not None and godparents <= 3
    finally:
        conn.close()
    assert counts["member"] == 300


def test_ratio_means_better_than_baseline_and_targets_decide_ok() -> None:
    from benchmarks.common import at_least_ratio, at_most

    faster = result("x", 1, 2.0, "ms", baseline="b", baseline_value=50.0, target=at_least_ratio(20))
    assert faster.ratio == 25 and faster.ok is True
    rate = result("y", 1, 100.0, "events/s", baseline="b", baseline_value=10.0, higher_is_better=True,
                  target=at_least_ratio(20))
    assert rate.ratio == 10 and rate.ok is False
    assert result("z", 1, 11.0, "ms", target=at_most(10, "ms")).ok is False
    assert result("w", 1, 3.0, "s").ok is None
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([5.0], 99) == 5.0


def test_end_to_end_script_is_deterministic_and_sized() -> None:
    events = script(500)
    assert len(events) == 500 and events == script(500)
    assert {"join", "click", "message"} <= {e["type"] for e in events}
    assert any(e.get("command") == "request new" for e in events)


@pytest.mark.slow
def test_every_benchmark_runs_at_tiny_scale(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    code = bench_run.main(["--scale", "tiny", "--data-dir", str(tmp_path / "data"), "-o", str(output)])
    assert code in (0, 1)  # targets are for `make bench` at full scale; here only the code paths count
    rows = json.loads(output.read_text())
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) >= REQUIRED, row
        assert row["machine"] and row["date"]
        assert not str(row.get("note", "")).startswith("crashed"), row
    names = {row["name"] for row in rows}
    for expected in ("activity ingestion vs naive", "start-up to ready (restart)", "end to end through --jsonl"):
        assert expected in names
    assert any(name.startswith("routing") for name in names)
    assert any(name.startswith("weekly jobs") for name in names)
    assert any(name.startswith("vitality") for name in names)
    assert any(name.startswith("network weekly jobs") for name in names)
