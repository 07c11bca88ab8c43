"""Commands every transport shares: help."""
from __future__ import annotations

from bot.commands.registry import COMMANDS, Invocation, Reply, command, ok


def help_key(name: str) -> str:
    """Each area describes its own commands: `<area>.help.<command>` in its catalogue."""
    spec = COMMANDS[name]
    return f"{spec.area}.help.{spec.key}"


@command("help")
async def show_help(inv: Invocation) -> Reply:
    """The commands this caller may use, each with its one-line description."""
    names = sorted(n for n, spec in COMMANDS.items() if inv.is_animator or not spec.animator)
    lines = [f"• {name} — {inv.t(help_key(name))}" for name in names]
    return ok(inv.t("core.title") + "\n" + "\n".join(lines), {"commands": names})
