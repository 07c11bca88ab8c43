"""What the help-request tests share: plumbers on hand, a request asked or opened, its row read back,
an animator."""
from __future__ import annotations

from typing import Any

from storage import requests as requests_repo
from tests.harness import Sim


async def plumbers(sim: Sim, *names: str, **profile: Any) -> None:
    for name in names:
        await sim.onboard(name, skills="plomberie", **profile)


async def ask(sim: Sim, user: str = "req", **options: Any) -> dict[str, Any]:
    options = {"title": "Fuite sous l'évier", "details": "L'eau coule", "skills": "plomberie", **options}
    return await sim.command(user, "request new", **options)


async def opened(sim: Sim, user: str = "req", **options: Any) -> dict[str, Any]:
    reply = await ask(sim, user, **options)
    assert reply["ok"], reply
    return reply["data"]


async def request_row(sim: Sim, request_id: int) -> requests_repo.Request:
    row = await requests_repo.by_id(sim.ctx.db.reader, sim.ctx.guild_id, request_id)
    assert row is not None
    return row


async def make_animator(sim: Sim, user: str = "boss") -> None:
    await sim.onboard(user)
    await sim.roles(user, add=["animator"])
