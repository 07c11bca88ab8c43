"""Several communities on one database for service tests of the network features: the first is a
harness Sim (its engine), the others share its database, clock and words with their own config."""
from __future__ import annotations

import json
from typing import Any

from bot.commands.dispatch import run_click, run_command
from bot.commands.registry import Actor
from bot.config import Config
from bot.config import Network as NetworkSettings
from bot.context import Community
from bot.i18n import Translator
from bot.network import Network
from bot.services import onboarding
from tests.harness import Sim


def _named(config: Config, name: str) -> Config:
    return config.model_copy(update={"community": config.community.model_copy(update={"name": name})})


def place(sim: Sim, ident: str, name: str, config: Config | None = None) -> Community:
    """Another community on the Sim's database (guild key = its id)."""
    cfg = _named(config or Config(), name)
    return Community(db=sim.ctx.db, clock=sim.ctx.clock, config=cfg,
                     i18n=Translator(cfg.community.locale, cfg.community.timezone), guild_id=ident, id=ident,
                     key_prefix=f"{ident}/")


def network(sim: Sim, *others: Community, name: str = "Réseau", animators: tuple[str, ...] = (),
            **settings: Any) -> Network:
    """The Sim's community (renamed Les Lilas, id lilas) and the others, as one network (bot/network.py)."""
    first = sim.ctx
    first.config = _named(first.config, "Les Lilas")
    first.id = "lilas"
    net = Network(NetworkSettings(name=name, animators=list(animators), **settings), [first, *others])
    for ctx in net.communities:
        ctx.network = net
    return net


async def command(ctx: Community, user: str, name: str, /, roles: tuple[str, ...] = (), **options: Any
                  ) -> dict[str, Any]:
    reply = await run_command(ctx, Actor(user, user, roles=frozenset(roles)), name, options)
    return {"ok": reply.ok, "error": reply.error, "text": reply.text, "data": reply.data}


async def click(ctx: Community, user: str, custom_id: str) -> dict[str, Any]:
    reply = await run_click(ctx, Actor(user, user), custom_id, None)
    return {"ok": reply.ok, "error": reply.error, "text": reply.text, "data": reply.data}


async def onboard(ctx: Community, user: str, locale: str = "fr", **profile: Any) -> None:
    await onboarding.member_joined(ctx, user, user, locale)
    assert (await click(ctx, user, "charter:accept"))["ok"]
    if profile:
        reply = await command(ctx, user, "profile set", **profile)
        assert reply["ok"], reply


async def messages(ctx: Community, kind: str | None = None) -> list[dict[str, Any]]:
    """What the outbox holds for this community: target, kind and text."""
    rows = await ctx.db.fetchall("SELECT kind, target, payload FROM outbox WHERE guild_id = ? ORDER BY id",
                                 (ctx.guild_id,))
    found = [{"kind": r[0], "target": r[1], "text": json.loads(r[2]).get("text", "")} for r in rows]
    return [m for m in found if kind is None or m["kind"] == kind]
