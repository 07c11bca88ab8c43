"""/dashboard on Discord: an animator gets the link only they can see; a member is refused."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiohttp

from bot.clock import SimulatedClock
from cogs.bot import EntraideBot
from tests.discord.conftest import START, DiscordSim, make_config


async def test_dashboard_link_is_ephemeral_and_for_animators(dsim: DiscordSim) -> None:
    dsim.engine.ctx.dashboard_url = "https://entraide.example.org"
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    out = await dsim.command(alice, "dashboard")
    reply = dsim.calls[-1].reply
    assert reply.ok, reply.text
    assert len(out) == 1 and out[0].ephemeral
    assert reply.data["url"].startswith("https://entraide.example.org/login?t=")
    assert reply.data["url"] in out[0].content

    out = await dsim.command(dsim.members["bob"], "dashboard")
    assert dsim.calls[-1].reply.error == "permission_denied" and out[0].ephemeral


async def test_entraide_run_serves_the_dashboard_and_stops_it(tmp_path: Path) -> None:
    """What `entraide run` starts: with [dashboard] enabled the bot serves it, and closing the bot ends it."""
    config = make_config(dashboard={"enabled": True, "port": 0})
    bot = EntraideBot(config, tmp_path / "community.sqlite", SimulatedClock(datetime.fromisoformat(START)),
                      sync="none", background=False)
    await bot._async_setup_hook()
    await bot.setup_hook()
    try:
        assert bot.dashboard is not None and bot.engine.ctx.dashboard_url == bot.dashboard.url
        async with aiohttp.ClientSession() as http, http.get(bot.dashboard.url + "/") as resp:
            assert resp.status == 401 and resp.headers["Cache-Control"] == "no-store"
        ctx = bot.engine.ctx
    finally:
        bot.ws = None
        await bot.close()
    assert bot.dashboard is None and ctx.dashboard_url is None and ctx.live.closed
