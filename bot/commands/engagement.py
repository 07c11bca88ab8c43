"""Engagement's text face: `mod nudges` (animators) and the `nudges:off` button on every nudge."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.services import engagement


@command("mod nudges", Option("paused", kind="bool", required=True), animator=True)
async def mod_nudges(inv: Invocation) -> Reply:
    paused = await engagement.set_nudges_paused(inv.ctx, inv.member, inv.options["paused"])
    return ok(inv.t("engagement.paused" if paused else "engagement.resumed"), {"paused": paused})


@button("nudges:off")
async def nudges_off(inv: Invocation, _argument: str, _values: list[str]) -> Reply:
    await engagement.turn_nudges_off(inv.ctx, inv.member)
    return ok(inv.t("engagement.nudges_off"), {"nudges": False})
