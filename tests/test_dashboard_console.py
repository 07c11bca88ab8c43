"""`entraide console --dashboard-port`: the console serves the dashboard too, so scenarios can use it."""
from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.pg_support import entraide

ROOT = Path(__file__).resolve().parent.parent


def test_the_console_serves_the_dashboard_and_hands_out_links(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        entraide("console", "--jsonl", "--config", str(ROOT / "config.example.toml"),
         "--db", str(tmp_path / "c.sqlite"), "--start", "2026-12-01T09:00", "--dashboard-port", "0"),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
        banner = proc.stderr.readline()
        assert banner.startswith("dashboard: http://127.0.0.1:"), banner
        base = banner.split()[1]
        events = [{"type": "join", "user": "anim", "locale": "en"},
                  {"type": "roles", "user": "anim", "add": ["animator"]},
                  {"type": "command", "user": "anim", "command": "dashboard", "id": "link"}]
        for event in events:
            proc.stdin.write(json.dumps(event) + "\n")
        proc.stdin.flush()
        reply = None
        for line in proc.stdout:
            obj = json.loads(line)
            if obj["type"] == "reply":
                reply = obj
            if obj["type"] == "done" and obj.get("id") == "link":
                break
        assert reply is not None and reply["ok"], reply
        url = reply["data"]["url"]
        assert url.startswith(base + "/login?t=")
        with urllib.request.urlopen(url, timeout=10) as page:  # the confirmation page, link not used yet
            assert page.status == 200 and page.headers["Referrer-Policy"] == "no-referrer"
        try:
            urllib.request.urlopen(url + "x", timeout=10)
            raise AssertionError("a forged link must be refused")
        except urllib.error.HTTPError as refused:
            assert refused.code == 403
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
