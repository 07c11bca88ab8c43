"""Privacy commands: `profile export` and `profile delete`."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.services import privacy


@command("profile export")
async def profile_export(inv: Invocation) -> Reply:
    await privacy.export_member(inv.ctx, inv.member)
    return ok(inv.t("privacy.exported"), {"exported": True})


@command("profile delete", Option("confirm", "bool"))
async def profile_delete(inv: Invocation) -> Reply:
    await privacy.erase_member(inv.ctx, inv.member, inv.options.get("confirm"))
    return ok(inv.t("privacy.deleted"), {"deleted": True})
