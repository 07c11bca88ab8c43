"""The dashboard's text face: `dashboard` (animators) answers privately with a one-time link."""
from __future__ import annotations

from babel.dates import format_time

from bot.commands.registry import Invocation, Reply, command, ok
from bot.services import dashboard
from bot.services.dashboard import LINK_MINUTES


@command("dashboard", animator=True)
async def dashboard_link(inv: Invocation) -> Reply:
    link = await dashboard.issue_link(inv.ctx, inv.member)
    expires = link.expires().astimezone(inv.ctx.tz)
    until = format_time(expires, "short", locale=inv.locale)
    text = inv.t("dashboard.link", url=link.url, until=until, minutes=LINK_MINUTES)
    return ok(text, {"url": link.url, "expires": expires.isoformat()})
