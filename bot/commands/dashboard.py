"""The dashboard's text face: `dashboard` (animators) answers privately with a one-time link."""
from __future__ import annotations

from babel.dates import format_time

from bot.commands.registry import Invocation, Reply, command, ok
from bot.services import dashboard
from bot.services import network_shared as net
from bot.services.dashboard import LINK_MINUTES


@command("dashboard", animator=True, network_animators=True)
async def dashboard_link(inv: Invocation) -> Reply:
    """A network animator's link opens every community of the network (a selector), anyone else's this one."""
    network = net.is_network_animator(inv.ctx, inv.actor.platform_id, inv.actor.roles) and net.is_network(inv.ctx)
    link = await dashboard.issue_link(inv.ctx, inv.member, network=network, roles=inv.actor.roles)
    expires = link.expires().astimezone(inv.ctx.tz)
    until = format_time(expires, "short", locale=inv.locale)
    text = inv.t("dashboard.link", url=link.url, until=until, minutes=LINK_MINUTES)
    data = {"url": link.url, "expires": expires.isoformat()}
    if net.is_network(inv.ctx):
        data["network"] = network  # True: the link opens every community of the network
    return ok(text, data)
