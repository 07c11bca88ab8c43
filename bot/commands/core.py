"""Commands every transport shares: help, the list and each command's card (options, example, who)."""
from __future__ import annotations

from bot.commands import aliases
from bot.commands.hints import TEXT, render_hints
from bot.commands.pages import page_reply, paged
from bot.commands.registry import COMMANDS, CommandSpec, Invocation, Option, Reply, command, ok
from bot.errors import invalid
from bot.mentions import neutralize
from bot.services import participation


def help_key(name: str) -> str:
    """Each area describes its own commands: `<area>.help.<command>` in its catalogue."""
    spec = COMMANDS[name]
    return f"{spec.area}.help.{spec.key}"

HELP_PAGE = 30


@command("help", Option("command", "text", max_len=100))
async def show_help(inv: Invocation) -> Reply:
    """The commands this caller may use; with `command`, that command's card (or a group's list)."""
    asked = inv.options.get("command", "").strip()
    if not asked:
        accepted = participation.has_accepted(inv.member)
        names = sorted(n for n, spec in COMMANDS.items() if _may_use(inv, spec, accepted))
        page = paged(_lines(inv, names), inv.page, HELP_PAGE)
        text = "\n".join([inv.t("core.title"), *page.items, inv.t("core.more")])
        if not accepted:
            text += "\n" + inv.t("core.charter_first")
        return page_reply(inv, "help", page, text, {"commands": names})
    name = aliases.command_name(asked)
    if name is not None:
        return command_card(inv, COMMANDS[name])
    group = aliases.group_of(asked) if len(asked.split()) == 1 else None
    if group is not None:
        names = [n for n in aliases.group_commands(group) if inv.is_animator or not COMMANDS[n].animator]
        names = names or aliases.group_commands(group)
        page = paged(_lines(inv, names), inv.page, HELP_PAGE)
        text = "\n".join([inv.t("core.group_title", group=group), *page.items])
        return page_reply(inv, "help", page, text, {"commands": names})
    suggestion = aliases.suggest_command(asked.split())
    if suggestion:
        raise invalid("core.detail.unknown_near", command=neutralize(asked[:60]), suggestion=suggestion)
    raise invalid("core.detail.unknown", command=neutralize(asked[:60]))  # typed text never pings


def _may_use(inv: Invocation, spec: CommandSpec, accepted: bool) -> bool:
    """Animator commands for animators; member commands once the charter is accepted (a few before)."""
    if spec.animator:
        return inv.is_animator
    return accepted or not participation.command_is_gated(spec.name, False)


def _lines(inv: Invocation, names: list[str]) -> list[str]:
    """Each name as a hint token: every transport writes it as typed there (`/motm-admin open` on Discord)."""
    return [f"• ⟦{name}⟧ — {inv.t(help_key(name))}" for name in names]


def command_card(inv: Invocation, spec: CommandSpec) -> Reply:
    """One command: what it does, its options, an example and who may use it."""
    lines = [f"⟦{spec.name}⟧ — {inv.t(help_key(spec.name))}"]
    lines.append(inv.t("core.options_title") if spec.options else inv.t("core.no_options"))
    lines.extend(_option_line(inv, option) for option in spec.options)
    example = example_of(inv, spec)
    lines.append(inv.t("core.example_line", example=example))
    lines.append(inv.t("core.who_line", who=who_may(inv, spec)))
    also = aliases.command_aliases(spec.name, inv.locale)
    if also:
        lines.append(inv.t("core.aliases_line", aliases=", ".join(also)))
    data = {
        "command": spec.name,
        "options": [o.name for o in spec.options],
        "required": [o.name for o in spec.options if o.required],
        "example": render_hints(example, TEXT),
        "animator": spec.animator,
        "aliases": also,
    }
    return ok("\n".join(lines), data)


def _option_line(inv: Invocation, option: Option) -> str:
    names = [inv.t(f"{option.choice_names}.{c}") if option.choice_names else c for c in option.choices]
    kind = inv.t(f"core.kind.{option.kind}", choices=", ".join(names))
    key = f"discord.option.{option.name}"
    description = inv.t(key) if inv.ctx.i18n.has(key) else ""
    also = aliases.option_aliases(option.name, inv.locale)
    if also:
        extra = inv.t("core.also", aliases=", ".join(also))
        description = f"{description} ({extra})" if description else extra
    return inv.t("core.option_line", name=option.name, kind=kind,
                 required=inv.t("core.required") if option.required else "", description=description).rstrip(" —")


def example_of(inv: Invocation, spec: CommandSpec) -> str:
    """The catalogue's example, else one built from the required options' sample values."""
    key = f"core.example.{spec.key}"
    if inv.ctx.i18n.has(key):
        return inv.t(key)
    parts = [spec.name]
    for option in spec.options:
        if option.required:
            sample = option.choices[0] if option.choices else inv.t(f"core.sample.{option.kind}")
            parts.append(f'{option.name}="{sample}"' if " " in sample else f"{option.name}={sample}")
    return "⟦" + " ".join(parts) + "⟧"


def who_may(inv: Invocation, spec: CommandSpec) -> str:
    key = f"core.who.{spec.key}"
    if inv.ctx.i18n.has(key):
        return inv.t(key)
    if spec.animator:
        return inv.t("core.who.animator")
    if spec.name.startswith("profile "):
        return inv.t("core.who.self")
    return inv.t("core.who.member")
