"""The pager: `page:<command>:<options>:<n>` buttons, persistent, so a page is still one click away after
a restart (the id carries the command, its options and the page; nothing is stored).

A click re-runs the command through the engine (every check of a typed command). On the private answer
that holds the buttons, the page replaces the one shown; on a public message (nobody else's view may
change), the page comes as a private answer of its own.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

import discord

from bot.commands.pages import MAX_CUSTOM_ID, PREFIX
from bot.commands.registry import Reply
from cogs.base import (
    DEFER_AFTER_SECONDS,
    actor_for,
    build_view,
    engine_of,
    foreign_guild,
    refuse_foreign_guild,
    reply_content,
    reply_messages,
    send_reply,
)

TEMPLATE = r"page:(?P<rest>[^\s]{1,95})"


def _page_button(custom_id: str, label: str | None, style: Any) -> discord.ui.Button:
    from cogs.views import _button

    return _button(custom_id, label, style or "secondary")


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
    """Previous / next page of a long list."""

    def __init__(self, custom_id: str, label: str | None = None, style: Any = None) -> None:
        assert custom_id.startswith(PREFIX) and len(custom_id) <= MAX_CUSTOM_ID, custom_id
        super().__init__(_page_button(custom_id, label, style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        return cls(PREFIX + match["rest"], item.label, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await show_page(interaction, self.custom_id)


def _edits_in_place(interaction: discord.Interaction, reply: Reply) -> bool:
    """Only the clicker's own private answer is replaced, and only by a page that fits one message."""
    message = interaction.message
    return bool(reply.ok and message is not None and message.flags.ephemeral
                and len(reply_messages(reply)) == 1 and not reply.attachments)


async def show_page(interaction: discord.Interaction, custom_id: str) -> Reply | None:
    """The page asked for: the engine answers, the private list shows it in place (else a new answer)."""
    if foreign_guild(interaction):
        await refuse_foreign_guild(interaction)
        return None
    from cogs.views import in_community

    engine = await engine_of(interaction)  # in a network, the clicked list's community
    actor = await actor_for(interaction)
    if await in_community(interaction) is False:
        actor = dataclasses.replace(actor, present=False)
    task = asyncio.ensure_future(engine.click(actor, custom_id, None))
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), timeout=DEFER_AFTER_SECONDS)
    except TimeoutError:
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await task
    if not _edits_in_place(interaction, reply) or interaction.response.is_done():
        await send_reply(interaction, reply)
        return reply
    view = build_view([c.as_dict() for c in reply.components])
    await interaction.response.edit_message(content=reply_content(reply), view=view,
                                            allowed_mentions=discord.AllowedMentions.none())
    return reply
