"""A PostgreSQL URL that cannot be used (no server listening, a database that does not exist) is one
sentence naming it on stderr and a failed exit, not a traceback, for every command that takes `--db`
(and migrate-to's target); the password never shows."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

NOBODY = "postgresql://entraide:secret@127.0.0.1:1/entraide"  # port 1: nothing listens there


def unusable_urls() -> list[str]:
    urls = [NOBODY]
    server = os.environ.get("ENTRAIDE_TEST_DATABASE_URL", "")
    if server:  # a real server, a database nobody created
        urls.append(server.rsplit("/", 1)[0] + "/no_such_database_here")
    return urls


def said_clearly(err: str, url: str) -> None:
    assert "Traceback" not in err, err
    assert "PostgreSQL" in err and url.rsplit("/", 1)[1] in err, err
    assert "secret" not in err, err


@pytest.mark.parametrize("url", unusable_urls())
@pytest.mark.parametrize("command", [["migrate"], ["backup", "out.dump"], ["export"]])
def test_a_command_on_an_unusable_database_says_so_in_one_sentence(
        command: list[str], url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status = main([command[0], "--db", url, *command[1:]])
    assert status != 0
    said_clearly(capsys.readouterr().err, url)


@pytest.mark.parametrize("url", unusable_urls())
def test_migrate_to_an_unusable_database_says_so_and_keeps_the_file(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.database

    monkeypatch.setattr(storage.database, "path_to_url", None)  # the source is a real SQLite file on both runs
    source = tmp_path / "community.sqlite"
    assert main(["migrate", "--db", str(source)]) == 0
    before = source.read_bytes()
    capsys.readouterr()
    assert main(["migrate-to", url, "--db", str(source)]) != 0
    said_clearly(capsys.readouterr().err, url)
    assert source.read_bytes() == before


@pytest.mark.parametrize("url", unusable_urls())
def test_the_console_on_an_unusable_database_says_so(url: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "bot", "console", "--jsonl", "--config",
                           str(root / "config.example.toml"), "--db", url, "--start", "2026-12-01T09:00:00+01:00"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode != 0 and '"ready"' not in done.stdout, done
    said_clearly(done.stderr, url)
