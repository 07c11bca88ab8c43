"""One process, one runtime for a network mixing Discord servers and a Signal group (issues 22 and 24):
two Discord-like communities through discord.py's own objects, one Signal-like community through the
fake signal-cli peer, all on one database, dispatcher and scheduler."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend as dpy_backend
from discord.webhook import async_ as webhook_async

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.config import Config, parse_config
from bot.transports.signal_network import SignalNetwork
from bot.transports.signal_rpc import Endpoint, SignalRpc
from cogs.bot import EntraideBot
from storage.database import DatabaseError
from tests.discord.conftest import CHANNELS, START, DiscordSim, RecordingAdapter
from tests.signal_harness import aci
from tests.signal_peer import BOT_ACI, BOT_NUMBER, FakeSignalCli, envelope

QUAI = "cXVhaS1ncm91cC1lbnRyYWlkZS0wMDAwMDAwMDAwMDAwMDA="


def mixed_config(lilas: int, ours: int, socket: str) -> Config:
    return parse_config({
        "signal": {"account": BOT_NUMBER, "socket": socket},
        "network": {"name": "Réseau"},
        "communities": [
            {"id": "lilas", "name": "Les Lilas", "guild_id": str(lilas)},
            {"id": "ours", "name": "La Tanière", "guild_id": str(ours), "locale": "en"},
            {"id": "quai", "name": "Le Quai", "group": QUAI},
        ],
    })


class MixedSim(DiscordSim):
    """The Discord side as tests/discord/conftest.py drives it; the Signal side through the fake daemon."""

    def __init__(self, bot: EntraideBot, adapter: RecordingAdapter, peer: FakeSignalCli, tmp: Path) -> None:
        super().__init__(bot, adapter)
        self.guilds: list[discord.Guild] = list(dpytest.get_config().guilds)
        self.peer, self.tmp = peer, tmp
        self.group_members: list[str] = []
        self._stamp = 1_764_500_000_000
        peer.handlers["listGroups"] = self._groups

    @property
    def signal(self) -> SignalNetwork:
        assert self.bot.signal is not None
        return self.bot.signal

    def _groups(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        bot = {"uuid": BOT_ACI, "number": BOT_NUMBER}
        return [{"id": QUAI, "name": "Quai", "isMember": True, "isBlocked": False,
                 "members": [bot] + [{"uuid": aci(n), "number": None} for n in self.group_members],
                 "pendingMembers": [], "requestingMembers": [], "admins": [bot]}]

    def engine_of(self, community: str) -> Engine:
        found = self.bot.engine.for_community(community)
        assert found is not None, community
        return found

    async def settled(self, count: int) -> None:
        for _ in range(500):
            if self.signal.reconciles >= count and not self.signal.reconciling():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no reconcile #{count}")

    async def say(self, name: str, text: str, dm: bool = False) -> list[dict[str, Any]]:
        """A Signal member writes in the group (or privately); what the daemon was asked to send meanwhile,
        Discord's messages of the same delivery in `self.discord_sent`."""
        self._stamp += 1000
        mark = len(self.peer.sent)
        await self.peer.notify(envelope(aci(name), name.capitalize(), text=text, timestamp=self._stamp,
                                        group=None if dm else QUAI))
        note = await asyncio.wait_for(self.signal.rpc.notifications.get(), 5)
        await self.signal.handle_notification(note)
        self.discord_sent = await self.deliver()
        return [s for s in self.peer.sent[mark:] if s["method"] == "send"]

    async def adopt_in(self, community: str, platform_id: str, handle: str) -> None:
        from bot.services.members import ensure_member
        from storage import onboarding as onboarding_repo

        ctx = self.engine_of(community).ctx
        async with ctx.db.transaction() as tx:
            row = await ensure_member(tx, ctx, platform_id, handle)
            await onboarding_repo.accept_charter(tx, row.id, ctx.now_ts())


async def open_mixed(tmp: Path, clock: SimulatedClock, peer: FakeSignalCli) -> tuple[EntraideBot, RecordingAdapter]:
    bot = EntraideBot(Config(), tmp / "network.sqlite", clock, sync="none", background=False)
    await bot._async_setup_hook()
    dpytest.configure(bot, guilds=["Lilas", "Taniere"], text_channels=CHANNELS, voice_channels=0,
                      members=["zoe", "yann"])
    state = bot._connection
    state._command_tree = bot.tree
    bot.tree._state = state
    lilas, ours = dpytest.get_config().guilds
    bot.config = mixed_config(lilas.id, ours.id, peer.path)
    bot.guild_id = str(lilas.id)
    rpc = SignalRpc(Endpoint(socket=peer.path), backoff_start=0.01, backoff_max=0.05, timeout=10)
    bot.signal = SignalNetwork(bot.config, rpc)
    adapter = RecordingAdapter()
    await bot.setup_hook()
    return bot, adapter


@pytest.fixture
async def mixed(tmp_path: Path) -> AsyncIterator[MixedSim]:
    clock = SimulatedClock(datetime.fromisoformat(START))
    peer = FakeSignalCli(tmp_path / "signal-cli.sock")
    await peer.start()
    bot, adapter = await open_mixed(tmp_path, clock, peer)
    token = webhook_async.async_context.set(adapter)
    sim = MixedSim(bot, adapter, peer, tmp_path)
    sim.group_members[:] = ["sam", "sacha"]
    for guild in sim.guilds:
        for role in ("member", "animator", "member-of-the-month"):
            dpy_backend.make_role(role, guild)
    await bot.engine.start()
    await sim.signal.rpc.connect()
    await sim.settled(1)
    try:
        yield sim
    finally:
        webhook_async.async_context.reset(token)
        sim.bot.ws = None
        await sim.bot.close()
        await dpytest.empty_queue()
        await peer.stop()


def member_named(guild: discord.Guild, name: str) -> discord.Member:
    found = discord.utils.get(guild.members, name=name)
    assert found is not None, name
    return found


async def test_one_process_serves_two_servers_and_a_signal_group(mixed: MixedSim) -> None:
    bot = mixed.bot
    assert [e.ctx.id for e in bot.engine.engines] == ["lilas", "ours", "quai"]  # one runtime
    assert [e.ctx.id for e in bot.discord_engines] == ["lilas", "ours"]
    assert list(mixed.signal.servers) == [QUAI] and mixed.signal.servers[QUAI].engine is mixed.engine_of("quai")
    assert bot.guild_keys == [str(g.id) for g in mixed.guilds]
    assert all(e.dispatcher is bot.engine.dispatcher for e in bot.engine.engines)
    # The group's members were read from the daemon: members of Le Quai only.
    quai = mixed.engine_of("quai")
    assert await quai.roles_of(f"signal:{aci('sam')}") is not None
    # A second process that would serve Le Quai is refused, naming it; the runtime holds every community.
    with pytest.raises(DatabaseError, match="Le Quai"):
        await Engine.open(bot.config, mixed.tmp / "network.sqlite", quai.ctx.clock, bot.engine.transport,
                          serves=lambda entry: entry.id == "quai")


async def test_help_across_platforms_in_one_process(mixed: MixedSim, monkeypatch: pytest.MonkeyPatch) -> None:
    dms: list[tuple[int, str, list[str]]] = []  # (Discord user, text, buttons) of every Discord DM
    real_send = discord.User.send

    async def spy(self: discord.User, *args: Any, **kwargs: Any) -> discord.Message:
        view = kwargs.get("view")
        dms.append((self.id, kwargs.get("content") or (args[0] if args else ""),
                    [item.custom_id for item in view.children] if view else []))  # type: ignore[attr-defined]
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(discord.User, "send", spy)
    lilas_guild, ours_guild = mixed.guilds
    zoe, yann = member_named(lilas_guild, "zoe"), member_named(ours_guild, "yann")
    sam = f"signal:{aci('sam')}"
    await mixed.adopt_in("lilas", str(zoe.id), "zoe")
    await mixed.adopt_in("ours", str(yann.id), "yann")
    await mixed.adopt_in("quai", sam, "Sam")
    await mixed.deliver()

    # Zoé shares her profile in Les Lilas (Discord); Yann, in La Tanière, offers the same skill unshared.
    mixed.guild = lilas_guild
    await mixed.command(zoe, "profile set", skills="plomberie", network=True)
    mixed.guild = ours_guild
    await mixed.command(yann, "profile set", locale="en-US", skills="plomberie")
    await mixed.deliver()

    # Sam finds her from the Signal group; Yann is never shown.
    found = await mixed.say("sam", "!annuaire compétence=plomberie réseau=oui", dm=True)
    text = " ".join(s["message"] for s in found)
    assert found and all(s.get("recipient") == [aci("sam")] for s in found), found
    assert "zoe" in text and "Les Lilas" in text and "yann" not in text

    # Sam asks in the group; nobody local offers plumbing: widened, Zoé is asked by a Discord DM.
    asked = await mixed.say("sam", '!demande nouvelle titre="Fuite sous l\'évier" compétences=plomberie')
    number = re.search(r"n°(\d+)", " ".join(s["message"] for s in asked))
    assert number, [s["message"] for s in asked]
    rid = int(number.group(1))
    await mixed.say("sam", f"!demande élargir id={rid}")
    assert [(who, buttons) for who, _, buttons in dms] == [(zoe.id, [f"request:claim:{rid}"])], dms
    assert "Le Quai" in dms[0][1] and "Sam" in dms[0][1]  # which community asks, and who (Sam widened it)
    assert not any("yann" in s["message"] for s in mixed.peer.sent if s["method"] == "send")

    # Zoé claims from her Discord DM; both are introduced: a Signal DM to Sam, a Discord DM to Zoé.
    mark, before = len(mixed.peer.sent), len(dms)
    await mixed.click(zoe, [{"custom_id": f"request:claim:{rid}", "label": "✋"}], f"request:claim:{rid}",
                      dm=True)
    sent = await mixed.deliver()
    to_sam = [s for s in mixed.peer.sent[mark:] if s["method"] == "send" and s.get("recipient") == [aci("sam")]]
    assert to_sam and "zoe" in to_sam[-1]["message"] and "Les Lilas" in to_sam[-1]["message"], to_sam
    to_zoe = [text for who, text, _ in dms[before:] if who == zoe.id]
    assert to_zoe and "Sam" in to_zoe[-1] and "Le Quai" in to_zoe[-1], dms[before:]
    # Each reads the other by name: no mention their platform cannot resolve, no `@` left by a fallback.
    assert "zoe, de la communauté Les Lilas" in to_sam[-1]["message"] and "<@" not in to_sam[-1]["message"]
    assert not to_sam[-1].get("mention"), to_sam[-1]  # no Signal mention of a Discord user
    assert "Vous aidez Sam, de la communauté Le Quai" in to_zoe[-1] and "@" not in to_zoe[-1], to_zoe[-1]
    for message in sent:  # nothing of Le Quai went through Discord but Zoé's own DM, nothing names Yann
        assert "yann" not in message.content
    assert not any(s.get("groupId") not in (None, QUAI) for s in mixed.peer.sent if s["method"] == "send")


async def test_network_helpers_ping_dms_are_edited_through_their_own_platform(
    mixed: MixedSim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request widened from the Signal group pings two Discord members of two servers by DM; Sam
    cancels it from Signal: both Discord DMs are edited in place (`PartialMessage.edit`, each in its
    community's words, the claim button gone). A request widened from Discord to Sam: Signal edits
    nothing (marked done, no second message), as for its local pings."""
    from tests.discord.test_live_posts import EditSpy

    spy = EditSpy(mixed, monkeypatch)
    pings: dict[int, discord.Message] = {}
    real_send = discord.User.send

    async def send(self: discord.User, *args: Any, **kwargs: Any) -> discord.Message:
        message = await real_send(self, *args, **kwargs)
        pings.setdefault(self.id, message)  # the first DM each: the ping
        return message

    monkeypatch.setattr(discord.User, "send", send)
    lilas_guild, ours_guild = mixed.guilds
    zoe, yann = member_named(lilas_guild, "zoe"), member_named(ours_guild, "yann")
    sam = f"signal:{aci('sam')}"
    await mixed.adopt_in("lilas", str(zoe.id), "zoe")
    await mixed.adopt_in("ours", str(yann.id), "yann")
    await mixed.adopt_in("quai", sam, "Sam")
    mixed.guild = lilas_guild
    await mixed.command(zoe, "profile set", skills="plomberie", network=True)
    mixed.guild = ours_guild
    await mixed.command(yann, "profile set", locale="en-US", skills="plomberie", network=True)
    await mixed.deliver()
    pings.clear()

    asked = await mixed.say("sam", '!demande nouvelle titre="Fuite" compétences=plomberie')
    rid = int(re.search(r"n°(\d+)", " ".join(s["message"] for s in asked)).group(1))  # type: ignore[union-attr]
    await mixed.say("sam", f"!demande élargir id={rid}")
    assert set(pings) == {zoe.id, yann.id}, pings
    await mixed.say("sam", f"!demande annuler id={rid}")
    edited = {(channel, message): payload for channel, message, payload in spy.calls}
    for user, words in ((zoe, "Annulée"), (yann, "Cancelled")):
        ping = pings[user.id]
        payload = edited.get((ping.channel.id, ping.id))
        assert payload is not None, (user.name, spy.calls)
        assert words in payload["content"] and payload.get("components") == [], payload
        assert "Fuite" in payload["content"]  # the ping's own text, a status line under it

    # The other way: asked from Les Lilas on Discord, widened to Sam on Signal, then taken by Yann.
    mixed.guild = lilas_guild
    await mixed.command(zoe, "profile set", skills="couture", network=True)
    await mixed.adopt_in("quai", sam, "Sam")
    await mixed.say("sam", "!profil modifier compétences=couture réseau=oui", dm=True)
    await mixed.command(zoe, "request new", title="Ourlet", skills="couture")
    await mixed.deliver()
    engine = mixed.engine_of("lilas")
    rid = int((await engine.ctx.db.fetchone("SELECT MAX(id) FROM request"))[0])
    mark = len(mixed.peer.sent)
    await mixed.command(zoe, "request widen", id=rid)
    await mixed.deliver()
    to_sam = [s for s in mixed.peer.sent[mark:] if s["method"] == "send" and s.get("recipient") == [aci("sam")]]
    assert len(to_sam) == 1 and "Ourlet" in to_sam[0]["message"], to_sam
    mark = len(mixed.peer.sent)
    await mixed.command(zoe, "request cancel", id=rid)
    await mixed.deliver()
    edit_rows = await engine.ctx.db.fetchall(
        "SELECT status FROM outbox WHERE op = 'edit' AND kind = 'helper-ping' AND guild_id = ?",
        (mixed.engine_of("quai").ctx.guild_id,))
    assert edit_rows and all(row[0] == "sent" for row in edit_rows), edit_rows  # Signal: done, nothing sent
    sent_now = [s for s in mixed.peer.sent[mark:] if s["method"] == "send" and s.get("recipient") == [aci("sam")]]
    assert all("Ourlet" in s["message"] and "annulée" in s["message"] for s in sent_now), sent_now
    assert len(sent_now) == 1  # the cancel notice only: no second message for the edit of Sam's ping


async def job_state(engine: Engine) -> tuple[list[str], list[tuple[str, str, int]]]:
    """The periods recorded as run, and how many messages of each kind each community wrote."""
    reader = engine.ctx.db.reader
    async with reader.execute("SELECT key FROM job_run ORDER BY key") as cur:
        runs = [row[0] for row in await cur.fetchall()]
    async with reader.execute("SELECT guild_id, kind, COUNT(*) FROM outbox GROUP BY guild_id, kind "
                              "ORDER BY guild_id, kind") as cur:
        written = [tuple(row) for row in await cur.fetchall()]
    return runs, written  # type: ignore[return-value]


async def test_each_communitys_jobs_run_once_across_a_restart(mixed: MixedSim, tmp_path: Path) -> None:
    engine = mixed.bot.engine
    clock = engine.ctx.clock
    await engine.scheduler.advance_to(clock.now() + timedelta(days=7, hours=2))  # past Monday's digests
    await mixed.deliver()
    runs, written = await job_state(engine)
    for community in ("lilas", "ours", "quai"):
        assert any(key.startswith(f"{community}/weekly-digest") for key in runs), (community, runs)
    keys = {e.ctx.id: e.ctx.guild_id for e in engine.engines}
    digests = {guild for guild, kind, _ in written if kind == "motm-notice"}
    assert digests == set(keys.values()), written  # each community's ballot notices, by its own engine

    mixed.bot.ws = None
    await mixed.bot.close()  # the process stops…
    await dpytest.empty_queue()
    mixed.bot, _ = await open_mixed(tmp_path, clock, mixed.peer)  # … and starts again at the same instant
    await mixed.bot.engine.start()  # the start-up catch-up finds every period already run
    assert await job_state(mixed.bot.engine) == (runs, written)
    await mixed.bot.engine.scheduler.advance_to(clock.now() + timedelta(days=7))  # the next week: once more each
    again, _ = await job_state(mixed.bot.engine)
    for community in ("lilas", "ours", "quai"):
        mine = [key for key in again if key.startswith(f"{community}/weekly-digest")]
        assert len(mine) == 2 and len(set(mine)) == 2, mine
