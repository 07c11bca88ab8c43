"""Profiles: who can do what, who needs what, and how each member wants to be contacted.

One validation (`validate_profile_changes`) serves `profile set` and the spreadsheet import, so a
profile is never stored in a shape the command would refuse.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.context import Community
from bot.errors import DomainError, denied, invalid
from bot.mentions import neutralize
from bot.services import languages
from bot.services.language_names import language_code
from bot.services.members import resolve_member
from bot.services.network_shared import communities, community_id, is_network
from bot.services.skills import canonical, canonical_list, ensure_skills, find_skill_ids, skill_key
from bot.zone_names import canonical_zone
from storage import members as members_repo
from storage import network_shared as network_repo
from storage import profiles as profiles_repo
from storage.members import Member
from storage.profiles import NEED, OFFER, SkillCount

log = logging.getLogger(__name__)

MAX_SKILLS = 20
MAX_NEEDS = 20
MAX_BIO = 500
MAX_LANGUAGES = 10
DIRECTORY_LIMIT = 50
CLEAR_WORDS = {"-", "none", "aucun", "aucune", "rien", "nothing", "off"}
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
QUIET_HOURS = re.compile(r"^(\d{1,2})(?:[:h]00)?h?\s*-\s*(\d{1,2})(?:[:h]00)?h?$")
# Quiet hours as people write them (parse_quiet_hours): « de 22h à 7h », « 22 h – 7 h », 10pm-7am.
_QUIET_JOINS = re.compile(r"\s*(?:-|–|—|\bjusqu'à\b|\bà\b|\ba\b|\bet\b|\bto\b|\band\b)\s*")
_TWELVE_HOUR = re.compile(r"\b(1[0-2]|0?[1-9])(am|pm)\b")  # "10pm-7am" → 22-7
_QUIET_FROM = re.compile(r"^(?:de|du|dès|from|entre|between)\s+")
BOOL_FIELDS = {"available": "available", "godparent": "godparent_volunteer", "nudges": "nudges", "visible": "visible"}
# What `profile set` changes, in the order COMMANDS.md gives them (told to someone who gave none).
SET_OPTIONS = ("skills", "needs", "add_skills", "remove_skills", "add_needs", "remove_needs", "languages",
               "language", "bio", "timezone", "quiet_hours", "available", "godparent", "nudges", "visible",
               "network")


@dataclass
class ProfileChanges:
    """A validated partial update: None means "keep what is stored"."""

    offers: list[tuple[str, str]] | None = None
    needs: list[tuple[str, str]] | None = None
    fields: dict[str, object] = field(default_factory=dict)
    language: str | None = None  # the bot's language for this member, chosen (it then wins)
    #: `add_skills` / `remove_skills` / `add_needs` / `remove_needs`: kind → pairs, after any replacement.
    added: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    removed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    network: bool | None = None  # shares the profile with the whole network (bot/services/network.py)

    @property
    def empty(self) -> bool:
        return self.offers is None and self.needs is None and not self.fields and self.language is None \
            and not self.added and not self.removed and self.network is None


@dataclass(frozen=True)
class ProfileView:
    """What one viewer may see of one profile."""

    member: Member
    skills: list[str]
    needs: list[str]
    helped: int
    godparent: str | None  # the godparent's display name, for the text
    full: bool  # the owner or an animator: settings (quiet hours, visibility...) included
    network: bool | None = None  # shared with the network (`profile set network:true`): told to the owner only
    community: Community | None = None  # another community of the network, whose member shares this profile
    godparent_ref: str | None = None  # the godparent as `data` names members: their reference (platform id)

    def data(self) -> dict[str, Any]:
        data = {"member": self.member.platform_id, "skills": self.skills, "needs": self.needs,
                "languages": self.member.language_list, "helped": self.helped, "godparent": self.godparent_ref}
        if self.network is not None:
            data["network"] = self.network
        if self.community is not None:
            data["community"] = community_id(self.community)
        return data


# Validation ------------------------------------------------------------------------------------

def _is_clear(items: list[str]) -> bool:
    return len(items) == 1 and items[0].strip().casefold() in CLEAR_WORDS


def parse_skill_list(ctx: Community, items: list[str], limit: int) -> list[tuple[str, str]]:
    """Normalized (key, display) pairs; `-` or `none` alone clears the list."""
    if _is_clear(items):
        return []
    return canonical_list(ctx, items, limit)


def parse_languages(items: list[str]) -> str:
    """`fr, EN, ar` → `fr,en,ar` (short codes, lower case, no duplicates)."""
    if _is_clear(items):
        return ""
    codes: list[str] = []
    for item in items:
        code = item.strip().lower().replace("_", "-")
        if not LANGUAGE_CODE.match(code):
            code = language_code(item) or code
        if not LANGUAGE_CODE.match(code):
            raise invalid("profiles.bad_language", language=item[:20])
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_LANGUAGES:
        raise invalid("profiles.too_many_languages", max=MAX_LANGUAGES)
    return ",".join(codes)


def parse_bot_language(ctx: Community, text: str) -> str:
    """The bot's language for a member: its code (`fr`, `EN`, `en-GB`) or its name in French or English
    (`English`, `Français`, `anglais`, `french`, case and accents forgiven); anything else is refused,
    quoting what was typed."""
    code = text.strip().lower().replace("_", "-")
    if code not in ctx.i18n.catalogues:
        code = code.split("-")[0] if code.split("-")[0] in ctx.i18n.catalogues else (language_code(text) or "")
    if code not in ctx.i18n.catalogues:
        raise invalid("profiles.bad_bot_language", language=text.strip()[:20])
    return code


def parse_timezone(text: str) -> str | None:
    """An IANA name (any case) → its canonical spelling; empty or `none` clears it."""
    text = text.strip()
    if not text or text.casefold() in CLEAR_WORDS:
        return None
    name = canonical_zone(text)
    if name is None:
        raise invalid("profiles.bad_timezone", timezone=text[:60])
    return name


def parse_quiet_hours(text: str) -> tuple[int | None, int | None]:
    """`22-07` → (22, 7): quiet from 22:00 to 07:00 (may wrap midnight); empty or `none` clears. Written
    as people do too: `22h-7h`, `22 h – 7 h`, « de 22h à 7h », « entre 22h et 7h », "from 22 to 7", "10pm-7am"."""
    typed = text.strip()
    text = _QUIET_FROM.sub("", " ".join(typed.lower().split()))
    text = _QUIET_JOINS.sub("-", text).replace(" ", "")
    text = _TWELVE_HOUR.sub(lambda m: str(int(m.group(1)) % 12 + (12 if m.group(2) == "pm" else 0)), text)
    if not text or text in CLEAR_WORDS:
        return None, None
    match = QUIET_HOURS.match(text)
    if not match:
        raise invalid("profiles.bad_quiet_hours", value=neutralize(typed[:20]))
    start, end = int(match.group(1)), int(match.group(2))
    if start > 23 or end > 24 or start == end % 24:
        raise invalid("profiles.bad_quiet_hours", value=neutralize(typed[:20]))
    return start, end % 24


def validate_profile_changes(ctx: Community, options: Mapping[str, Any]) -> ProfileChanges:
    """Every given option checked and normalized; the first problem raises `invalid_input`."""
    changes = ProfileChanges()
    if options.get("skills") is not None:
        changes.offers = parse_skill_list(ctx, list(options["skills"]), MAX_SKILLS)
    if options.get("needs") is not None:
        changes.needs = parse_skill_list(ctx, list(options["needs"]), MAX_NEEDS)
    for kind, noun, limit in ((OFFER, "skills", MAX_SKILLS), (NEED, "needs", MAX_NEEDS)):
        if options.get(f"add_{noun}") is not None:
            changes.added[kind] = canonical_list(ctx, list(options[f"add_{noun}"]), limit)
        if options.get(f"remove_{noun}") is not None:
            changes.removed[kind] = [(skill_key(item), item) for item in options[f"remove_{noun}"] if skill_key(item)]
    if options.get("languages") is not None:
        changes.fields["languages"] = parse_languages(list(options["languages"]))
    if options.get("bio") is not None:
        bio = str(options["bio"]).strip()
        if len(bio) > MAX_BIO:
            raise invalid("common.detail.too_long", option="bio", max=MAX_BIO)
        changes.fields["bio"] = bio or None
    if options.get("timezone") is not None:
        changes.fields["timezone"] = parse_timezone(str(options["timezone"]))
    if options.get("quiet_hours") is not None:
        changes.fields["quiet_start"], changes.fields["quiet_end"] = parse_quiet_hours(str(options["quiet_hours"]))
    for option, column in BOOL_FIELDS.items():
        if options.get(option) is not None:
            changes.fields[column] = int(bool(options[option]))
    if options.get("network") is not None:
        changes.network = bool(options["network"])
    if options.get("language") is not None:
        changes.language = parse_bot_language(ctx, str(options["language"]))
    return changes


# Writing ---------------------------------------------------------------------------------------

async def apply_profile_changes(
    tx: aiosqlite.Connection, ctx: Community, member_id: int, changes: ProfileChanges
) -> None:
    """Write a validated update inside the caller's transaction (command or import)."""
    if changes.offers is not None:
        await profiles_repo.replace_skills(tx, member_id, OFFER, await ensure_skills(tx, ctx, changes.offers))
    if changes.needs is not None:
        await profiles_repo.replace_skills(tx, member_id, NEED, await ensure_skills(tx, ctx, changes.needs))
    for kind, pairs in changes.removed.items():
        ids = await find_skill_ids(tx, ctx, [key for key, _ in pairs])
        await profiles_repo.remove_skills(tx, member_id, kind, list(ids.values()))
    for kind, pairs in changes.added.items():
        await profiles_repo.add_skills(tx, member_id, kind, await ensure_skills(tx, ctx, pairs))
        limit = MAX_SKILLS if kind == OFFER else MAX_NEEDS
        if await profiles_repo.count_skills(tx, member_id, kind) > limit:
            raise invalid("skills.too_many", max=limit)  # the transaction is rolled back: nothing changes
    await members_repo.update_fields(tx, member_id, profile_updated_at=ctx.now_ts(), **changes.fields)
    if changes.language is not None:
        await languages.choose(tx, ctx, member_id, changes.language)
    if changes.network is not None:
        await network_repo.set_network(tx, member_id, changes.network)


async def set_profile(ctx: Community, member: Member, options: Mapping[str, Any]) -> dict[str, list[str]]:
    """`profile set`: a partial update of the caller's own profile; returns the lists now stored.

    With no option at all there is nothing to update: saying "updated" would be untrue, so it is refused
    with the options there are."""
    if all(options.get(name) is None for name in SET_OPTIONS):
        raise invalid("profiles.nothing_given", options=", ".join(SET_OPTIONS))
    changes = validate_profile_changes(ctx, options)
    async with ctx.db.transaction() as tx:
        await apply_profile_changes(tx, ctx, member.id, changes)
        lists = await profiles_repo.skills_of(tx, member.id)
    await _after_profile_change(ctx)
    return {"skills": lists[OFFER], "needs": lists[NEED]}


async def _after_profile_change(ctx: Community) -> None:
    """A new volunteer godparent may serve newcomers who wait; a failure there must not undo the update."""
    from bot.services import godparents

    try:
        await godparents.serve_waiting_newcomers(ctx)
    except Exception:
        log.exception("serve_waiting_newcomers failed after a profile update")


# Reading ---------------------------------------------------------------------------------------

async def show_profile(ctx: Community, viewer: Member, viewer_is_animator: bool, ref: str | None) -> ProfileView:
    """A profile as this viewer may see it.

    A hidden profile (or one of a member who left) is shown only to its owner and to animators;
    anyone else gets `permission_denied`, the contract's code for another member's profile.
    """
    conn = ctx.db.reader
    try:
        target = viewer if not ref else await resolve_member(conn, ctx, ref)
    except DomainError as err:
        shared = await _shared_elsewhere(ctx, str(ref)) if err.code == "not_found" else None
        if shared is None:
            raise
        return shared
    is_owner = target.id == viewer.id
    if not is_owner and not viewer_is_animator and (not target.visible or target.left_at is not None):
        raise denied("profiles.hidden")
    lists = await profiles_repo.skills_of(conn, target.id)
    godparent = await members_repo.by_id(conn, target.godparent_id) if target.godparent_id is not None else None
    if godparent is not None and godparent.erased:
        godparent = None
    return ProfileView(
        member=target, skills=lists[OFFER], needs=lists[NEED],
        helped=await profiles_repo.helped_count(conn, target.id),
        godparent=godparent.handle if godparent else None,
        godparent_ref=godparent.platform_id if godparent else None,
        full=is_owner or viewer_is_animator,
        network=await _network_flag(ctx, conn, target.id) if is_owner else None,
    )


async def _shared_elsewhere(ctx: Community, ref: str) -> ProfileView | None:
    """Someone of another community of the network who shares their profile with it (`profile set network:true`,
    visible, present): their network profile (skills, languages, bio, places), never what stays local (needs,
    godparent). Nobody else is found: a member who shares nothing stays `not_found` from elsewhere."""
    if not is_network(ctx):
        return None
    conn = ctx.db.reader
    for other in communities(ctx):
        if other.guild_id == ctx.guild_id:
            continue
        member = await members_repo.by_reference(conn, other.guild_id, ref)
        if member is None or member.erased or member.left_at is not None or not member.visible:
            continue
        if not await network_repo.is_network(conn, member.id):
            continue
        lists = await profiles_repo.skills_of(conn, member.id)
        return ProfileView(member=member, skills=lists[OFFER], needs=[], helped=await profiles_repo.helped_count(
            conn, member.id), godparent=None, full=False, community=other)
    return None


async def _network_flag(ctx: Community, conn: aiosqlite.Connection, member_id: int) -> bool | None:
    """Whether the member shares their profile with the network; None (nothing said) for a community alone
    in its network whose member never turned it on: there is no network to speak of."""
    shared = await network_repo.is_network(conn, member_id)
    return shared if shared or is_network(ctx) else None


async def own_bio(ctx: Community, platform_id: str) -> str:
    """The member's bio as they wrote it (empty when none): a form to edit it starts from it."""
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, platform_id)
    return (member.bio or "") if member is not None and not member.erased else ""


async def find_in_directory(ctx: Community, skill: str) -> list[tuple[str, str]]:
    """(handle, platform id) of visible members offering `skill` (any spelling or alias), best first."""
    key, _display = canonical(ctx, skill)
    ids = await find_skill_ids(ctx.db.reader, ctx, [key])
    if key not in ids:
        return []
    return await profiles_repo.directory(ctx.db.reader, ctx.guild_id, ids[key], DIRECTORY_LIMIT)


async def list_skills(ctx: Community) -> list[SkillCount]:
    return await profiles_repo.skill_counts(ctx.db.reader, ctx.guild_id)
