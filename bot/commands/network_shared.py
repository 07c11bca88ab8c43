"""What the network shares: `request widen` (the `network` options live with their commands:
`directory`, `event list`, `vitality`, `profile set`)."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.services import network_requests


@command("request widen", Option("id", "int", required=True))
async def request_widen(inv: Invocation) -> Reply:
    widened = await network_requests.widen_request(inv.ctx, inv.member, inv.is_animator, inv.options["id"])
    rid = inv.options["id"]
    shown = [m for m in widened.pinged if m.visible]
    if widened.pinged:
        text = inv.t("network_shared.widened", id=rid, count=len(widened.pinged))
    elif widened.offerers:
        text = inv.t("network_shared.widened_later", id=rid, count=widened.offerers)
    else:
        text = inv.t("network_shared.widened_nobody", id=rid)
    return ok(text, {"request_id": rid, "pinged": [m.platform_id for m in shown]})
