"""What the onboarding tests share: a community with its own config sections, godparent volunteers,
members who keep writing, the godparent introductions among the outputs, who is whose godparent."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness import Sim, config_with, of

Outs = list[dict[str, Any]]


async def open_sim(tmp_path: Path, **sections: dict[str, Any]) -> Sim:
    return await Sim(tmp_path / "community.sqlite", config_with(**sections) if sections else None).open()


async def volunteer(sim: Sim, user: str, locale: str = "fr", **profile: Any) -> None:
    """A member who volunteers as godparent (tenure still to be earned)."""
    await sim.onboard(user, locale, godparent=True, **profile)


async def stay_active(sim: Sim, days: int, users: tuple[str, ...], step: int = 10) -> Outs:
    """Let days pass while these members keep writing now and then (so nobody goes quiet)."""
    outs: Outs = []
    remaining = days
    while remaining > 0:
        hop = min(step, remaining)
        outs += await sim.advance(by=f"{hop}d")
        for user in users:
            await sim.send({"type": "message", "user": user, "channel": "general", "text": "hi"})
        remaining -= hop
    return outs


def intros(outs: Outs) -> Outs:
    return of(outs, kind="godparent-intro")


async def godparent_of(sim: Sim, user: str) -> str | None:
    shown = await sim.command(user, "profile show")
    assert shown["ok"], shown
    return shown["data"]["godparent"]
