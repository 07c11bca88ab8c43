"""What `setup check` reports on Signal: the daemon answers, holds the account, the bot is in the group
and is an admin there (needed to remove members). Each check: what, ok, and what to change."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.transports.signal_rpc import INVALID_PARAMS, RpcError

if TYPE_CHECKING:
    from bot.transports.signal import SignalServer


def _check(server: SignalServer, locale: str, name: str, ok: bool, **params: Any) -> dict[str, Any]:
    ctx = server.engine.ctx
    return {"what": ctx.t(locale, f"signal.check.{name}", **params), "ok": ok,
            "fix": "" if ok else ctx.t(locale, f"signal.check.{name}_fix", **params)}


async def signal_checks(server: SignalServer, locale: str) -> list[dict[str, Any]]:
    """The four checks, in order; a check that cannot run because an earlier one failed says so."""
    settings = server.settings
    params = {"account": settings.account, "endpoint": settings.socket or settings.tcp, "group": settings.group}
    try:
        await server.rpc.call("version", timeout=10)
        reachable = True
    except Exception:  # noqa: BLE001 - any failure means the same thing to the animator
        reachable = False
    checks = [_check(server, locale, "daemon", reachable, **params)]
    if not reachable:
        return checks + [_check(server, locale, name, False, **params) for name in ("account", "in_group", "admin")]
    registered, group = True, None
    try:
        groups = await server.rpc.call("listGroups", {"account": settings.account}, timeout=30)
        group = next((g for g in groups or [] if isinstance(g, dict) and g.get("id") == settings.group), None)
    except RpcError as exc:
        registered = exc.code != INVALID_PARAMS
    except Exception:  # noqa: BLE001
        registered = False
    checks.append(_check(server, locale, "account", registered, **params))
    in_group = bool(group and group.get("isMember", True))
    checks.append(_check(server, locale, "in_group", in_group, **params))
    admins = {str(a.get("uuid", "")).lower() for a in (group or {}).get("admins") or [] if isinstance(a, dict)}
    admin_numbers = {a.get("number") for a in (group or {}).get("admins") or [] if isinstance(a, dict)}
    is_admin = in_group and (server.bot_aci in admins or settings.account in admin_numbers)
    if settings.timeout == "remove" or is_admin:
        checks.append(_check(server, locale, "admin", is_admin, **params))
    else:  # removals are off: not being admin is fine, say it plainly
        checks.append({**_check(server, locale, "admin", True, **params),
                       "what": server.engine.ctx.t(locale, "signal.check.admin_not_needed")})
    return checks
