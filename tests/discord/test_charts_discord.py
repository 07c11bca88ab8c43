"""The vitality chart on Discord: drawn in a worker thread (the event loop keeps serving), uploaded, and
its managed folder removed once the reply is sent; an export leaves nothing behind either (issue 17)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import cogs.base
from bot import charts
from tests.discord.conftest import DiscordSim


def leftovers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")) if root.exists() else []


async def test_the_chart_is_drawn_off_the_event_loop_and_leaves_no_folder(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cogs.base, "DEFER_AFTER_SECONDS", 60.0)
    drawn_in: list[str] = []
    real = charts.small_multiples

    def spy(*args: Any, **kwargs: Any) -> Path:
        drawn_in.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "small_multiples", spy)
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(bob, "profile set", skills="plomberie")
    await dsim.command(alice, "request new", title="Fuite", skills="plomberie")
    responses = await dsim.command(alice, "vitality", days=30)
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    assert drawn_in and drawn_in[0] != threading.main_thread().name, drawn_in
    uploads = [f for r in responses for f in r.files]
    assert [f.filename for f in uploads] == ["vitality.png"]
    root = dsim.engine.ctx.files.root
    assert leftovers(root) == [], leftovers(root)
    # The export (a file too) goes the same way: nothing is left once it is sent.
    await dsim.command(bob, "profile export")
    await dsim.deliver()
    assert leftovers(root) == [], leftovers(root)
