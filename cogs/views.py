"""Persistent components: the state lives in the custom id, so buttons keep working after a restart.

Each DynamicItem's callback is one `engine.click(actor, custom_id, values)`; the engine decides.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

import discord

from bot.commands.registry import Reply
from cogs.base import actor_for, answer, bot_of, engine_of

STYLES = {
    "primary": discord.ButtonStyle.primary, "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success, "danger": discord.ButtonStyle.danger,
}
MAX_LABEL = 80


async def in_community(interaction: discord.Interaction) -> bool | None:
    """Whether the clicker is still a member of the community's server (a DM click carries only the
    user): True, False when Discord says they are not, None when it cannot tell (no guild, an error)."""
    bot = bot_of(interaction)
    guild = bot.community_guild((await engine_of(interaction)).ctx.guild_id)
    if guild is None:
        return None
    user = interaction.user
    if isinstance(user, discord.Member) and user.guild.id == guild.id:
        return True
    if guild.get_member(user.id) is not None:
        return True
    try:
        await guild.fetch_member(user.id)
    except discord.NotFound:
        return False
    except (discord.HTTPException, NotImplementedError):
        return None
    return True


async def run_click(interaction: discord.Interaction, custom_id: str, values: list[str] | None = None) -> Reply:
    """Every click re-checks presence: a button in an old DM outlives the membership, not the right.
    The engine refuses a clicker Discord no longer lists, and one its own records say has left."""
    engine = await engine_of(interaction)
    actor = await actor_for(interaction)
    if await in_community(interaction) is False:
        actor = dataclasses.replace(actor, present=False)
    return await answer(interaction, engine.click(actor, custom_id, values))


def _label(text: str | None) -> str:
    text = (text or "").strip() or "…"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _button(custom_id: str, label: str | None, style: str | discord.ButtonStyle | None) -> discord.ui.Button:
    if not isinstance(style, discord.ButtonStyle):
        style = STYLES.get(style or "primary", discord.ButtonStyle.primary)
    return discord.ui.Button(label=_label(label), custom_id=custom_id, style=style)


class CharterAccept(discord.ui.DynamicItem[discord.ui.Button], template=r"charter:accept"):
    """The welcome DM's and `/charter`'s button: accepting the charter."""

    def __init__(self, label: str | None = None, style: Any = None) -> None:
        super().__init__(_button("charter:accept", label, style or discord.ButtonStyle.success))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> CharterAccept:
        return cls(item.label, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_click(interaction, self.custom_id)


class NudgesOff(discord.ui.DynamicItem[discord.ui.Button], template=r"nudges:off"):
    """On every nudge: stop the nudges at once."""

    def __init__(self, label: str | None = None, style: Any = None) -> None:
        super().__init__(_button("nudges:off", label, style or discord.ButtonStyle.secondary))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> NudgesOff:
        return cls(item.label, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_click(interaction, self.custom_id)


class RequestClaim(discord.ui.DynamicItem[discord.ui.Button], template=r"request:claim:(?P<request_id>[0-9]{1,18})"):
    """On helper DMs and the request post: take the request."""

    def __init__(self, request_id: int, label: str | None = None, style: Any = None) -> None:
        self.request_id = request_id
        super().__init__(_button(f"request:claim:{request_id}", label, style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> RequestClaim:
        return cls(int(match["request_id"]), item.label, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_click(interaction, self.custom_id)


class MotmVote(discord.ui.DynamicItem[discord.ui.Select], template=r"motm:vote:(?P<poll_id>[0-9]{1,18})"):
    """The member of the month poll post: a select of the nominees (`values` = one nominee)."""

    def __init__(
        self, poll_id: int, options: list[discord.SelectOption], placeholder: str | None = None
    ) -> None:
        self.poll_id = poll_id
        select: discord.ui.Select = discord.ui.Select(
            custom_id=f"motm:vote:{poll_id}", options=options[:25] or [discord.SelectOption(label="…", value="-")],
            placeholder=_label(placeholder) if placeholder else None, min_values=1, max_values=1,
        )
        super().__init__(select)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> MotmVote:
        return cls(int(match["poll_id"]), list(item.options), item.placeholder)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_click(interaction, self.custom_id, list(self.item.values))


# Any other component a feature adds later keeps working too: one generic button, never one of the above.
KNOWN = r"charter:accept|nudges:off|request:claim:[0-9]{1,18}|motm:vote:[0-9]{1,18}|page:[^\s]{1,95}"


OTHER_TEMPLATE = rf"(?!(?:{KNOWN})$)(?P<cid>[a-z][\w-]*:[^\s]{{1,90}})"


class OtherButton(discord.ui.DynamicItem[discord.ui.Button], template=OTHER_TEMPLATE):
    """A button whose custom id no dedicated class claims: the engine still answers (or says it's stale)."""

    def __init__(self, custom_id: str, label: str | None = None, style: Any = None) -> None:
        super().__init__(_button(custom_id, label, style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> OtherButton:
        return cls(match["cid"], item.label, item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_click(interaction, self.custom_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CharterAccept, NudgesOff, RequestClaim, MotmVote, OtherButton,
)


def select_options(raw: list[Any]) -> list[discord.SelectOption]:
    options = []
    for option in raw[:25]:
        if isinstance(option, dict):
            value = str(option.get("value", option.get("label", "")))[:100]
            options.append(discord.SelectOption(label=_label(str(option.get("label", value))), value=value or "-"))
    return options


def item_for(component: dict[str, Any]) -> discord.ui.Item[Any]:
    """One payload component `{custom_id, label, style?, options?}` → its persistent item."""
    custom_id = str(component.get("custom_id", ""))[:100]
    label = component.get("label")
    style = component.get("style")
    if custom_id == "charter:accept":
        return CharterAccept(label, style)
    if custom_id == "nudges:off":
        return NudgesOff(label, style)
    if match := RequestClaim.__discord_ui_compiled_template__.fullmatch(custom_id):
        return RequestClaim(int(match["request_id"]), label, style)
    if match := MotmVote.__discord_ui_compiled_template__.fullmatch(custom_id):
        return MotmVote(int(match["poll_id"]), select_options(component.get("options") or []), label)
    if custom_id.startswith("page:"):
        from cogs.pages import PageButton

        return PageButton(custom_id, label, style)
    if component.get("options"):
        return discord.ui.Select(custom_id=custom_id, options=select_options(component["options"]),
                                 placeholder=_label(label) if label else None)
    if OtherButton.__discord_ui_compiled_template__.fullmatch(custom_id):
        return OtherButton(custom_id, label, style)
    return _button(custom_id or "-", label, style)
