"""Slash command descriptions in the member's language, read from the same catalogues as every reply.

Command and option names stay English (they are the COMMANDS.md contract); descriptions, choice
names and context menu names ("Remercier", "Voir le profil") are localized. A `locale_str` carries
`command=<registry name>` (its help line, wherever its area declares it) or `key=<catalogue key>`.
"""
from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.hints import SLASH, render_hints
from bot.commands.registry import COMMANDS
from bot.i18n import Translator

MAX_DESCRIPTION = 100
MAX_MENU_NAME = 32  # a context menu's name (user or message command): 1-32 characters, any case
DISCORD_LOCALES = {
    discord.Locale.french: "fr",
    discord.Locale.american_english: "en",
    discord.Locale.british_english: "en",
}


def help_key_for(command_name: str) -> str | None:
    """The catalogue key of a command's one-line help (`<area>.help.<command>`), if it is registered."""
    spec = COMMANDS.get(command_name)
    return f"{spec.area}.help.{spec.key}" if spec else None


class CatalogueTranslator(app_commands.Translator):
    def __init__(self, words: Translator) -> None:
        self.words = words

    def lookup(self, locale: str, string: app_commands.locale_str) -> str | None:
        """The catalogue text for a locale, or None (Discord then shows the default description)."""
        key = string.extras.get("key")
        if key is None and "command" in string.extras:
            key = help_key_for(string.extras["command"])
        if not key:
            return None
        text = self.words.catalogues.get(locale, {}).get(key)
        if not isinstance(text, str) or not text.strip():
            return None
        text = " ".join(render_hints(text, SLASH).split())
        return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext,
    ) -> str | None:
        ours = DISCORD_LOCALES.get(locale)
        if ours is None:
            return None
        if isinstance(context.data, app_commands.ContextMenu):  # "Remercier", "Signaler aux animateurs"
            name = self.lookup(ours, string)
            return name if name and len(name) <= MAX_MENU_NAME else None
        if context.location in (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        ):
            return None
        return self.lookup(ours, string)
