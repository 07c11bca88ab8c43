"""The human REPL can say everything the protocol's `join` says: `:join USER [fr|en] [since=DATE]
[dms-closed]`, so `setup adopt` and closed DMs can be tried interactively too."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.transports.console_protocol import ProtocolError
from bot.transports.console_repl import parse_repl_line
from tests.pg_support import entraide


def test_join_reads_locale_since_and_closed_dms_in_any_order() -> None:
    assert parse_repl_line(":join ana") == {"type": "join", "user": "ana"}
    assert parse_repl_line(":join ana en") == {"type": "join", "user": "ana", "locale": "en"}
    assert parse_repl_line(":join ana since=2024-03-01 en dms-closed") == {
        "type": "join", "user": "ana", "locale": "en", "joined_at": "2024-03-01", "dms_closed": True}
    assert parse_repl_line(":join ana depuis=2024-03-01T10:00", "lilas") == {
        "type": "join", "user": "ana", "joined_at": "2024-03-01T10:00", "community": "lilas"}
    with pytest.raises(ProtocolError):
        parse_repl_line(":join ana color=blue")


def test_the_repl_adopts_members_who_were_there_before_the_bot(tmp_path: Path) -> None:
    lines = "\n".join([
        ":join olga since=2024-03-01 en", ":join paul since=2025-06-15", ":join anim",
        ":click anim charter:accept", ":role anim +animator", "anim> setup adopt", "olga> profile show",
        ":join zoe dms-closed", ":join zoe since=nope",
    ]) + "\n"
    command = entraide("console", "--db", str(tmp_path / "r.sqlite"), "--start", "2026-12-01T09:00:00+01:00")
    proc = subprocess.run(command, input=lines.encode(), capture_output=True, timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "2 membres du serveur sont désormais connu·e·s du bot" in out, out
    assert "olga's profile" in out and "DM → olga (welcome)" not in out, out
    assert "#welcome (welcome)" in out  # zoe's DMs are closed: her welcome is a mention in #welcome
    assert "date illisible « nope »" in out  # zoe's language is the community's: French
