"""`entraide console --jsonl` as a separate process, driven the way the shared acceptance scenarios
drive it (/work/shared/acceptance/console_driver.py), with a network's `community` field: the process
is started, killed and started again on the same database like a real deployment.

The command is $ENTRAIDE_CMD, else scripts/entraide-on-postgres when the suite runs on PostgreSQL
(`make test-pg`), else .venv/bin/entraide, else `python -m bot`."""
from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests import pg_support

ROOT = Path(__file__).resolve().parent.parent


def console_command() -> list[str]:
    if os.environ.get("ENTRAIDE_CMD"):
        return shlex.split(os.environ["ENTRAIDE_CMD"])
    if pg_support.ON_PG:
        return [str(ROOT / "scripts" / "entraide-on-postgres")]
    venv = ROOT / ".venv" / "bin" / "entraide"
    return [str(venv)] if venv.exists() else [sys.executable, "-m", "bot"]


class Console:
    """One running console process on one database; `community` is added to every input when set."""

    def __init__(self, db: Path, start: str, config: Path, timeout: float = 90) -> None:
        self.db, self.config, self.timeout = Path(db), Path(config), timeout
        self.proc: subprocess.Popen[str] | None = None
        self.outputs: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []
        self.start(start)

    def start(self, start: str) -> list[dict[str, Any]]:
        cmd = console_command() + ["console", "--jsonl", "--config", str(self.config), "--db", str(self.db),
                                   "--start", start]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1, cwd=ROOT)
        # Each process gets its own queue: a killed process's reader, reaching its end late, must not
        # put its end into the queue of the process started after it.
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        self.startup = self._read_until(lambda o: o.get("type") == "ready")
        return self.startup

    @staticmethod
    def _pump(stream: Any, lines: queue.Queue[str | None]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def _read_until(self, stop: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                raise AssertionError(f"no answer in {self.timeout}s; got so far: {out}") from None
            if line is None:
                raise AssertionError(f"console exited; got so far: {out}\nstderr:\n{self._stderr()}")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise AssertionError(f"stdout line is not JSON: {line!r}") from None
            out.append(obj)
            self.outputs.append(obj)
            if stop(obj):
                return out

    def _stderr(self) -> str:
        """The end of what the process wrote on stderr, once it has ended (never waiting forever)."""
        assert self.proc is not None and self.proc.stderr is not None
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return "(still running: stdout closed)"
        return self.proc.stderr.read()[-3000:]

    def send(self, event: dict[str, Any], community: str | None = None) -> list[dict[str, Any]]:
        """Write one event (in `community` when given); every output up to and including its `done`."""
        if community is not None:
            event = {**event, "community": community}
        return self.send_raw(json.dumps(event))

    def send_raw(self, line: str) -> list[dict[str, Any]]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.last = self._read_until(lambda o: o.get("type") == "done")
        return self.last

    def command(self, user: str, command: str, community: str | None = None, **options: Any) -> dict[str, Any]:
        """Run one command; its single reply (asserting there is exactly one)."""
        outs = self.send({"type": "command", "user": user, "command": command, "options": options}, community)
        replies = of_type(outs, "reply")
        assert len(replies) == 1, f"expected one reply to {command!r}, got {outs}"
        return replies[0]

    def click(self, user: str, custom_id: str, community: str | None = None) -> dict[str, Any]:
        outs = self.send({"type": "click", "user": user, "custom_id": custom_id}, community)
        replies = of_type(outs, "reply")
        assert len(replies) == 1, f"expected one reply to click {custom_id!r}, got {outs}"
        return replies[0]

    def advance(self, **when: str) -> list[dict[str, Any]]:
        return self.send({"type": "advance", **when})

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, like a crash or a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def of_type(outs: list[dict[str, Any]], type_: str, **match: Any) -> list[dict[str, Any]]:
    return [o for o in outs if o.get("type") == type_ and all(o.get(k) == v for k, v in match.items())]


def onboard(c: Console, user: str, community: str | None = None, locale: str = "fr", **profile: Any) -> None:
    """A member joins (a community), accepts the charter and, if given, fills a profile."""
    c.send({"type": "join", "user": user, "locale": locale}, community)
    r = c.click(user, "charter:accept", community)
    assert r["ok"], r
    if profile:
        r = c.command(user, "profile set", community, **profile)
        assert r["ok"], r
