"""Suggestions while a member types an option (Discord autocomplete): what they may pick, never more.

The rules live here so every transport could offer them: skills are the community's canonical ones
(accents, case and hyphens ignored, `[skills.aliases]` followed); request ids are the caller's own or
the ones they could act on; reminder ids are the caller's; motm names are the members the engine
would accept. At most 25 suggestions, each named in at most 100 characters (Discord's limits). A
suggestion is only a shortcut: the command still checks everything when it runs.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.commands.aliases import normalize
from bot.context import Community
from bot.services.skills import skill_key
from storage import members as members_repo
from storage import polls as polls_repo
from storage import suggestions as suggestions_repo
from storage.members import Member

MAX_CHOICES = 25
MAX_NAME = 100
MAX_VALUE = 100
SCAN = 200  # rows read before filtering by what was typed: a member has far fewer requests or reminders
REQUEST_PURPOSES = {"claim": "others", "resolve": "mine_or_helping", "cancel": "mine", "widen": "mine",
                    "close": "any"}


@dataclass(frozen=True)
class Suggestion:
    """One choice: what the member reads (`name`) and what the command receives (`value`)."""

    name: str
    value: str | int


def shorten(text: str, limit: int = MAX_NAME) -> str:
    """One line, at most `limit` characters, an ellipsis when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def matches(needle: str, *texts: str) -> bool:
    """Accent-, case- and space-insensitive containment: "electricite" finds "Électricité"."""
    folded = normalize(needle)
    return not folded or any(folded in normalize(text) for text in texts)


async def _caller(ctx: Community, platform_id: str) -> Member | None:
    """The member typing, if the community knows them and they are still here (suggestions only)."""
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, platform_id)
    return member if member is not None and not member.erased and member.left_at is None else None


async def skills(ctx: Community, typed: str) -> list[Suggestion]:
    """The community's skills matching what is typed (one skill)."""
    return [Suggestion(shorten(s), s) for s in await _skill_names(ctx, typed) if len(s) <= MAX_VALUE]


async def _skill_names(ctx: Community, typed: str) -> list[str]:
    key = skill_key(typed)
    names = await suggestions_repo.skills_matching(ctx.db.reader, ctx.guild_id, key, MAX_CHOICES)
    if key:  # an alias typed in full (`elec`) leads to its skill even when the letters differ
        for alias, target in ctx.config.skills.aliases.items():
            if skill_key(alias).startswith(key):
                shown = " ".join(target.strip().lower().split())
                if shown not in names:
                    names.insert(0, shown)
    return names[:MAX_CHOICES]


async def skill_list(ctx: Community, typed: str) -> list[Suggestion]:
    """A comma-separated list: the skills before the last comma are kept, the last one is completed
    (a skill already in the list is not offered twice)."""
    head, sep, last = typed.rpartition(",")
    kept = [item.strip() for item in head.split(",") if item.strip()] if sep else []
    kept_keys = {skill_key(item) for item in kept}
    prefix = ", ".join(kept) + ", " if kept else ""
    found = []
    for name in await _skill_names(ctx, last):
        value = prefix + name
        if skill_key(name) in kept_keys or len(value) > MAX_VALUE:
            continue
        found.append(Suggestion(shorten(value), value))
    return found[:MAX_CHOICES]


async def requests(ctx: Community, platform_id: str, typed: str, purpose: str) -> list[Suggestion]:
    """Open requests for `request claim|resolve|cancel|widen` or `mod close-request`, shown as
    "#12 · Leak under the sink"; typing a number or words of the title narrows them."""
    member = await _caller(ctx, platform_id)
    if member is None or member.charter_accepted_at is None:
        return []
    rows = await suggestions_repo.requests_for(ctx.db.reader, ctx.guild_id, member.id,
                                               REQUEST_PURPOSES[purpose], SCAN)
    typed = typed.strip().lstrip("#")
    found = [Suggestion(shorten(f"#{rid} · {title}"), rid) for rid, title in rows
             if typed.isdigit() and str(rid).startswith(typed) or matches(typed, title)]
    return found[:MAX_CHOICES]


async def reminders(ctx: Community, platform_id: str, typed: str) -> list[Suggestion]:
    """The caller's reminders still to come, shown as "#3 · Christmas dinner at 7 pm!"."""
    member = await _caller(ctx, platform_id)
    if member is None:
        return []
    rows = await suggestions_repo.reminders_by(ctx.db.reader, ctx.guild_id, member.id, SCAN)
    typed = typed.strip().lstrip("#")
    found = [Suggestion(shorten(f"#{rid} · {text}"), rid) for rid, text in rows
             if typed.isdigit() and str(rid).startswith(typed) or matches(typed, text)]
    return found[:MAX_CHOICES]


async def nominees(ctx: Community, platform_id: str, typed: str, purpose: str) -> list[Suggestion]:
    """`motm nominate`: members who may be nominated (present, active, charter accepted, not the
    caller, not last month's winner when the config says so); `motm vote`: the open poll's nominees."""
    member = await _caller(ctx, platform_id)
    if member is None:
        return []
    reader = ctx.db.reader
    if purpose == "vote":
        poll = await polls_repo.latest(reader, ctx.guild_id)
        if poll is None or poll.status != "open":
            return []
        people = [(n.platform_id, n.handle) for n in await polls_repo.nominees(reader, poll.id)
                  if n.present and n.member_id != member.id]
    else:
        exclude = [member.id]
        if ctx.config.motm.exclude_last_winner:
            winner = await polls_repo.last_winner(reader, ctx.guild_id)
            if winner is not None:
                exclude.append(winner)
        people = await suggestions_repo.nominable_members(reader, ctx.guild_id, exclude, SCAN * 5)
    found = [Suggestion(shorten(handle), pid) for pid, handle in people if matches(typed, handle)]
    return found[:MAX_CHOICES]
