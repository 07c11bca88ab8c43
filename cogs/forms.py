"""Forms (Discord Modals): `/request new` and `/profile set` called without their text options open a
form with room for several lines; the submission runs the same engine command as the slash options.

Each field's maximum length is the engine's own (the registry's `max_len`), so Discord stops the typing
where the engine would refuse. A form lives in memory for `FORM_TIMEOUT`: one left open across a
restart is lost (Discord says the interaction failed) and the member simply runs the command again.
"""
from __future__ import annotations

from typing import Any

import discord

from bot.commands.registry import COMMANDS
from bot.services import profiles
from cogs.base import run_command, server_engine

FORM_TIMEOUT = 3600.0  # a form nobody submits is forgotten after an hour
MAX_INPUT = 4000  # Discord's longest text input
MAX_TITLE = 45  # a form's title and a field's label
MAX_DESCRIPTION = 100
#: Options the registry requires that Discord may leave out: the form asks for them.
FORM_OPTIONS = {"request new": frozenset({"title", "skills"})}


def engine_limit(command: str, option: str) -> int:
    """The engine's maximum for an option (registry), within Discord's text input limit."""
    spec = next(o for o in COMMANDS[command].options if o.name == option)
    return min(spec.max_len, MAX_INPUT)


def _locale(interaction: discord.Interaction) -> str | None:
    return str(interaction.locale.value) if interaction.locale else None


def _words(interaction: discord.Interaction, key: str, limit: int) -> str:
    text = server_engine(interaction).ctx.t(_locale(interaction), key)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field(interaction: discord.Interaction, name: str, command: str, *, paragraph: bool = False,
          required: bool = False, default: str | None = None) -> tuple[discord.ui.Label, discord.ui.TextInput]:
    """A labelled text input: its label from `discord.form.<name>`, its help line from the option's
    slash description (`discord.option.<name>`), its maximum from the engine."""
    text_input: discord.ui.TextInput = discord.ui.TextInput(
        custom_id=name, style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        max_length=engine_limit(command, name), required=required, default=default or None,
    )
    label = discord.ui.Label(
        text=_words(interaction, f"discord.form.{name}", MAX_TITLE), component=text_input,
        description=_words(interaction, f"discord.option.{name}", MAX_DESCRIPTION),
    )
    return label, text_input


class RequestForm(discord.ui.Modal):
    """Title, skills and details (several lines) of a new request; `urgent` comes from the slash option."""

    def __init__(self, interaction: discord.Interaction, *, title: str | None, skills: str | None,
                 details: str | None, urgent: bool | None) -> None:
        super().__init__(title=_words(interaction, "discord.form.request_new", MAX_TITLE), timeout=FORM_TIMEOUT)
        self.urgent = urgent
        self.inputs: dict[str, discord.ui.TextInput] = {}
        for name, paragraph, required, default in (
                ("title", False, True, title), ("skills", False, True, skills), ("details", True, False, details)):
            label, text_input = field(interaction, name, "request new", paragraph=paragraph, required=required,
                                      default=default)
            self.inputs[name] = text_input
            self.add_item(label)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        options: dict[str, Any] = {name: text_input.value for name, text_input in self.inputs.items()}
        options["details"] = options["details"] or None
        options["urgent"] = self.urgent
        await run_command(interaction, "request new", options)


class BioForm(discord.ui.Modal):
    """The bio on several lines, starting from the one already written (emptied: the bio is removed)."""

    def __init__(self, interaction: discord.Interaction, bio: str) -> None:
        super().__init__(title=_words(interaction, "discord.form.profile_bio", MAX_TITLE), timeout=FORM_TIMEOUT)
        label, self.bio = field(interaction, "bio", "profile set", paragraph=True, default=bio)
        self.add_item(label)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await run_command(interaction, "profile set", {"bio": self.bio.value})


async def open_request_form(interaction: discord.Interaction, **given: Any) -> None:
    await interaction.response.send_modal(RequestForm(interaction, **given))


async def open_bio_form(interaction: discord.Interaction) -> None:
    bio = await profiles.own_bio(server_engine(interaction).ctx, str(interaction.user.id))
    await interaction.response.send_modal(BioForm(interaction, bio))
