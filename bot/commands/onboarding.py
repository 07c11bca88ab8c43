"""Onboarding's text face: the charter and its accept button, `mod godparent` for animators."""
from __future__ import annotations

from bot.clock import from_epoch
from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.mentions import neutralize
from bot.quiet_hours import member_zone
from bot.services import godparents, onboarding
from bot.services.setup import is_adopted


@command("charter")
async def show_charter(inv: Invocation) -> Reply:
    """The charter; its button only for who has not accepted it yet (a second click would be refused),
    when they accepted it for who has."""
    text = onboarding.charter_text(inv.ctx, inv.locale)
    accepted = inv.member.charter_accepted_at
    if accepted is None:
        return ok(text, {}, components=[onboarding.accept_button(inv.ctx, inv.locale)])
    when = inv.ctx.i18n.datetime(inv.locale, from_epoch(accepted), member_zone(inv.member.timezone, inv.ctx.tz))
    return ok(text + "\n\n" + inv.t("onboarding.accepted_on", when=when), {})


@button("charter:accept")
async def accept_charter(inv: Invocation, _argument: str, _values: list[str]) -> Reply:
    member = await onboarding.accept_charter(inv.ctx, inv.member, animator=inv.is_animator,
                                             joined_before=inv.actor.joined_before)
    adopted = await is_adopted(inv.ctx, member)
    return ok(inv.t("setup.accepted_adopted" if adopted else "onboarding.accepted"), {"accepted": True})


@command("mod godparent", Option("newcomer", "member", required=True), Option("godparent", "member", required=True),
         animator=True)
async def mod_godparent(inv: Invocation) -> Reply:
    o = inv.options
    newcomer, godparent = await godparents.assign_by_animator(inv.ctx, inv.member, o["newcomer"], o["godparent"])
    text = inv.t("onboarding.godparent_assigned", newcomer=neutralize(newcomer.handle),
                 godparent=neutralize(godparent.handle))
    return ok(text, {"newcomer": newcomer.platform_id, "godparent": godparent.platform_id})
