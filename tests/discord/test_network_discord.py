"""One Discord bot in several servers of a network (issue 22): each server routes to its community's engine."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend as dpy_backend
from discord.webhook import async_ as webhook_async

from bot.clock import SimulatedClock
from bot.commands.registry import Actor, Reply
from bot.config import Config, parse_config
from cogs.bot import EntraideBot
from storage import members as members_repo
from tests.discord.conftest import CHANNELS, START, DiscordSim, RecordingAdapter


class NetworkSim(DiscordSim):
    """Two servers, Les Lilas (French) and La Tanière (English), one bot; `use(i)` picks the server acted in."""

    def __init__(self, bot: EntraideBot, adapter: RecordingAdapter) -> None:
        super().__init__(bot, adapter)
        self.guilds: list[discord.Guild] = list(dpytest.get_config().guilds)
        self.routed: list[tuple[str, str, Reply]] = []  # (community id, command or custom id, reply)

    def use(self, index: int) -> discord.Guild:
        self.guild = self.guilds[index]
        return self.guild

    def spy_engines(self) -> None:
        for engine in self.bot.engine.engines:
            command, click, community = engine.command, engine.click, engine.ctx.id

            async def spy_command(actor: Actor, name: str, options: dict[str, Any] | None, *,
                                  _run: Any = command, _id: str = community) -> Reply:
                reply = await _run(actor, name, options)
                self.routed.append((_id, name, reply))
                return reply

            async def spy_click(actor: Actor, custom_id: str, values: list[str] | None = None, *,
                                _run: Any = click, _id: str = community) -> Reply:
                reply = await _run(actor, custom_id, values)
                self.routed.append((_id, custom_id, reply))
                return reply

            engine.command = spy_command  # type: ignore[method-assign]
            engine.click = spy_click  # type: ignore[method-assign]


def network_config(lilas: int, ours: int) -> Config:
    return parse_config({"network": {"name": "Réseau"}, "communities": [
        {"id": "lilas", "name": "Les Lilas", "guild_id": str(lilas)},
        {"id": "ours", "name": "La Tanière", "guild_id": str(ours), "locale": "en"},
        {"id": "quai", "name": "Le Quai", "group": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG="},
    ]})


@pytest.fixture
async def nsim(tmp_path: Path) -> AsyncIterator[NetworkSim]:
    clock = SimulatedClock(datetime.fromisoformat(START))
    bot = EntraideBot(Config(), tmp_path / "network.sqlite", clock, sync="none", background=False)
    await bot._async_setup_hook()
    dpytest.configure(bot, guilds=["Lilas", "Taniere"], text_channels=CHANNELS, voice_channels=0,
                      members=["alice", "bob"])
    state = bot._connection
    state._command_tree = bot.tree
    bot.tree._state = state
    lilas, ours = dpytest.get_config().guilds
    bot.config = network_config(lilas.id, ours.id)
    bot.guild_id = str(lilas.id)
    adapter = RecordingAdapter()
    token = webhook_async.async_context.set(adapter)
    await bot.setup_hook()
    await bot.engine.start()
    sim = NetworkSim(bot, adapter)
    for guild in sim.guilds:
        sim.use(guild is ours and 1 or 0)
        for role in ("member", "animator", "member-of-the-month"):
            dpy_backend.make_role(role, guild)
    sim.use(0)
    sim.spy_engines()
    try:
        yield sim
    finally:
        webhook_async.async_context.reset(token)
        bot.ws = None
        await bot.close()
        await dpytest.empty_queue()


def member_named(guild: discord.Guild, name: str) -> discord.Member:
    found = discord.utils.get(guild.members, name=name)
    assert found is not None, name
    return found


async def test_the_bot_serves_only_the_communities_bound_to_a_server(nsim: NetworkSim) -> None:
    engines = nsim.bot.engine.engines
    assert [e.ctx.id for e in engines] == ["lilas", "ours"]  # Le Quai is a Signal group: not served here
    assert nsim.bot.guild_keys == [str(g.id) for g in nsim.guilds]
    assert nsim.bot.engine_for(nsim.guilds[1].id) is engines[1]
    quai = engines[0].ctx.network.community("quai")  # still one of the network's (its directory, its requests)
    assert quai is not None and nsim.bot.engine.for_community("quai") is None and nsim.bot.engine.dispatcher.only


async def test_each_server_reaches_its_own_community(nsim: NetworkSim) -> None:
    erin = await dpytest.member_join(1, name="erin")  # joins La Tanière only
    await dpytest.run_all_events()
    lilas, ours = nsim.bot.engine.engines
    reader = lilas.ctx.db.reader
    assert await members_repo.by_platform_id(reader, ours.ctx.guild_id, str(erin.id)) is not None
    assert await members_repo.by_platform_id(reader, lilas.ctx.guild_id, str(erin.id)) is None
    sent = await nsim.deliver()
    [welcome] = [m for m in sent if isinstance(m.channel, discord.DMChannel)]
    assert "La Tanière" in welcome.content and "Welcome" in welcome.content

    nsim.use(1)
    await nsim.command(member_named(nsim.guilds[1], "erin"), "charter", locale="en-US")
    assert nsim.routed[-1][0] == "ours"
    nsim.use(0)
    await nsim.command(member_named(nsim.guilds[0], "alice"), "help")
    assert nsim.routed[-1][0] == "lilas"


async def test_a_dm_click_goes_to_the_community_that_sent_the_dm(nsim: NetworkSim) -> None:
    erin = await dpytest.member_join(1, name="erin")  # La Tanière…
    await dpytest.run_all_events()
    sent = await nsim.deliver()
    [welcome] = [m for m in sent if isinstance(m.channel, discord.DMChannel)]  # with its charter button
    await nsim.bot.on_member_join(dpy_backend.make_member(erin._user, nsim.guilds[0]))  # … and Les Lilas
    await nsim.deliver()
    nsim.use(1)
    components = [{"custom_id": "charter:accept", "label": "OK"}]
    payload = nsim._base(3, member_named(nsim.guilds[1], "erin"), "en-US", dm=True)
    from cogs.base import build_view

    view = build_view(components)
    assert view is not None
    payload["data"] = {"custom_id": "charter:accept", "component_type": 2}
    payload["message"] = {
        "id": str(welcome.id), "channel_id": payload["channel_id"], "author": {"id": str(nsim.bot.user.id),
                                                                            "username": "entraide",
                                                                            "discriminator": "0", "avatar": None},
        "content": "…", "timestamp": "2026-12-01T08:00:00+00:00", "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": False, "type": 0, "flags": 0, "components": view.to_components(),
    }
    await nsim._dispatch(payload)
    community, name, reply = nsim.routed[-1]
    assert (community, name) == ("ours", "charter:accept") and reply.ok, reply.text
    sent = await nsim.deliver()
    posts = [m for m in sent if not isinstance(m.channel, discord.DMChannel)]
    assert posts and {m.guild.id for m in posts} == {nsim.guilds[1].id}  # La Tanière's welcome channel
    member_role = discord.utils.get(nsim.guilds[1].roles, name="member")
    assert member_role in member_named(nsim.guilds[1], "erin").roles


async def test_a_server_outside_the_network_is_refused_politely(nsim: NetworkSim, monkeypatch) -> None:  # noqa: ANN001
    left: list[int] = []

    async def leave(self: discord.Guild) -> None:
        left.append(self.id)

    monkeypatch.setattr(discord.Guild, "leave", leave)
    other = dpy_backend.make_guild("Elsewhere")
    stranger = dpy_backend.make_member(dpy_backend.make_user("mallory", 9), other)
    payload = nsim._base(2, member_named(nsim.guilds[0], "alice"), "en-US")
    payload["guild_id"] = str(other.id)
    payload["member"] = nsim._member_payload(stranger)
    payload["channel"].update(guild_id=str(other.id), position=0)
    payload["data"] = {"id": "1", "type": 1, "name": "help", "resolved": {}, "options": []}
    out = await nsim._dispatch(payload)
    assert len(out) == 1 and out[0].ephemeral and "another community" in out[0].content
    assert nsim.routed == []
    for guild in (*nsim.guilds, other):
        await nsim.bot.on_guild_join(guild)
    assert set(left) == {other.id}  # the network's servers are kept, the other one is left


async def test_autocomplete_and_forms_read_the_servers_own_community(nsim: NetworkSim) -> None:
    from types import SimpleNamespace

    from cogs.base import server_engine
    from cogs.choices import _ctx

    lilas, ours = nsim.bot.engine.engines
    for guild, engine in ((nsim.guilds[0], lilas), (nsim.guilds[1], ours)):
        interaction = SimpleNamespace(client=nsim.bot, guild_id=guild.id)
        assert server_engine(interaction) is engine  # type: ignore[arg-type]
        assert _ctx(interaction) is engine.ctx  # type: ignore[arg-type]
    assert server_engine(SimpleNamespace(client=nsim.bot, guild_id=None)) is lilas  # type: ignore[arg-type]
