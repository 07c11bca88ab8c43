"""Several communities on one database for service tests of the network features: the first is a
harness Sim (its engine), the others share its database, clock and words with their own config."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.commands.dispatch import run_click, run_command
from bot.commands.registry import Actor
from bot.config import Config
from bot.context import Community
from bot.i18n import Translator
from bot.services import onboarding
from tests.harness import Sim


@dataclass
class Network:
    """The network as the features read it (netcore's API: name, communities, community(id), ...)."""

    name: str
    communities: list[Community] = field(default_factory=list)
    animators: tuple[str, ...] = ()

    @property
    def first(self) -> Community:
        return self.communities[0]

    def community(self, ident: str) -> Community | None:
        return next((c for c in self.communities if getattr(c, "id", None) == ident), None)

    def others(self, ctx: Community) -> list[Community]:
        return [c for c in self.communities if c.guild_id != ctx.guild_id]

    def is_animator(self, user: str, roles: Any = ()) -> bool:
        return user in self.animators or bool(set(roles) & set(self.animators))


def place(sim: Sim, ident: str, name: str, config: Config | None = None) -> Community:
    """Another community on the Sim's database (guild key = its id)."""
    cfg = config or Config()
    ctx = Community(db=sim.ctx.db, clock=sim.ctx.clock, config=cfg,
                    i18n=Translator(cfg.community.locale, cfg.community.timezone), guild_id=ident)
    ctx.id, ctx.name = ident, name  # type: ignore[attr-defined]
    return ctx


def network(sim: Sim, *others: Community, name: str = "Réseau", animators: tuple[str, ...] = ()) -> Network:
    first = sim.ctx
    first.id, first.name = "lilas", "Les Lilas"  # type: ignore[attr-defined]
    net = Network(name, [first, *others], animators)
    for ctx in net.communities:
        ctx.network = net  # type: ignore[attr-defined]
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
