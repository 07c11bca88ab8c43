"""Onboarding's text face: the charter and its accept button."""
from __future__ import annotations

from bot.commands.registry import Invocation, Reply, button, command, ok
from bot.services import onboarding


@command("charter")
async def show_charter(inv: Invocation) -> Reply:
    text = onboarding.charter_text(inv.ctx, inv.locale)
    return ok(text, {}, components=[onboarding.accept_button(inv.ctx, inv.locale)])


@button("charter:accept")
async def accept_charter(inv: Invocation, _argument: str, _values: list[str]) -> Reply:
    await onboarding.accept_charter(inv.ctx, inv.member)
    return ok(inv.t("onboarding.accepted"), {"accepted": True})
