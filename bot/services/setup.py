"""Installing the bot on a server: adopting the members already there, and checking what the bot may do.

Each transport describes its own server through `ctx.platforms` (a `ServerPlatform`): the members it
holds, and the findings of its own permission checks. The rules (who is adopted and how, what is
posted where) live here; the transport only lists and looks.

- `setup adopt`: every current member of the server becomes a member with their real join date as
  tenure, the charter counted as accepted (or sent softly with `charter:send`), without a welcome
  post, a godparent or the check-ins their tenure is already past. Members the bot saw join itself
  (the newcomer flow is theirs) are left alone. Batches commit one by one: a run that stops half way
  is resumed by running it again, and a second run adopts nobody twice.
- `setup check`: one line per channel, role and right the bot needs, ✅ or what to change. The same
  check runs at start-up and posts to mod-log when its result changed (the log, when mod-log itself
  is what fails).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.clock import to_epoch
from bot.context import Community
from bot.errors import invalid
from bot.mentions import neutralize
from bot.outbox import post
from bot.services.members import is_animator
from storage import adoption as adoption_repo
from storage import onboarding as onboarding_repo
from storage import outbox as outbox_repo
from storage import platform_refs
from storage.members import Member

log = logging.getLogger(__name__)

DAY = 86400
ADOPT_BATCH = 250  # members written per transaction: a run that stops keeps every finished batch
CHARTER_CHOICES = ("accepted", "send")
STARTUP_CHECK_REF = "setup-check:last"

# A transport that can show progress (a Discord message edited, a CLI line) sets this around the call.
adoption_progress: ContextVar[Callable[[int, int], Awaitable[None]] | None] = ContextVar(
    "adoption_progress", default=None
)


@dataclass(frozen=True)
class ServerMember:
    """A member of the platform's server as the transport sees it."""

    platform_id: str
    name: str  # the name people recognise on that server (Discord: the server display name)
    joined_at: int | None  # epoch seconds; None when the platform does not say
    roles: frozenset[str] = frozenset()
    locale: str | None = None
    bot: bool = False


@dataclass(frozen=True)
class Finding:
    """One thing the bot needs on the server: `check` of `subject` `name`, and whether it holds.

    `check` names a catalogue line (`setup.what.<check>`); `fix` names what to change
    (`setup.fix.<fix>`), with `params` for both.
    """

    subject: str  # channel | role | server
    name: str
    check: str
    ok: bool
    fix: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class ServerPlatform(Protocol):
    """What a transport tells the setup service about its server."""

    def server_members(self) -> AsyncIterable[ServerMember]:
        """Every current member of the server (bots included, flagged)."""
        ...

    async def setup_findings(self, ctx: Community) -> list[Finding]:
        """This transport's checks of every configured channel and role."""
        ...


@dataclass
class AdoptionResult:
    adopted: int = 0
    already: int = 0  # members the bot already knew (adopted before, or who joined under its eyes)
    seen: int = 0


# Adoption ---------------------------------------------------------------------------------------

def parse_charter_choice(value: str | None) -> str:
    from bot.commands.options import choice_key

    choice = choice_key(value or "accepted")  # case, accents and a plural aside: « Acceptées », « ENVOYÉE »
    aliases = {"accepte": "accepted", "accepter": "accepted", "accept": "accepted", "acceptee": "accepted",
               "envoyer": "send", "envoi": "send", "envoye": "send", "envoyee": "send", "sent": "send",
               "dm": "send", "mp": "send", "message prive": "send"}
    choice = aliases.get(choice, choice)
    if choice not in CHARTER_CHOICES:
        raise invalid("setup.bad_charter_choice")
    return choice


def _platforms(ctx: Community) -> list[ServerPlatform]:
    return [p for p in ctx.platforms if isinstance(p, ServerPlatform)]


async def adopt_server(ctx: Community, actor: Member | None, charter: str = "accepted") -> AdoptionResult:
    """`setup adopt`: every member of the server's platforms, in batches (see the module docstring)."""
    charter = parse_charter_choice(charter)
    result = AdoptionResult()
    progress = adoption_progress.get()
    people: list[ServerMember] = []
    for platform in _platforms(ctx):
        async for person in platform.server_members():
            if not person.bot:
                people.append(person)
    total = len(people)
    for start in range(0, total, ADOPT_BATCH):
        await adopt_batch(ctx, people[start:start + ADOPT_BATCH], charter, result)
        if progress is not None:
            await progress(min(start + ADOPT_BATCH, total), total)
    if actor is not None:  # audited even when nobody was left to adopt
        from bot.services.moderation import record_case

        async with ctx.db.transaction() as tx:
            await record_case(tx, ctx, actor, "adopt", None,
                              ctx.t(ctx.locale, "setup.case_reason", count=result.adopted,
                                    charter=ctx.t(ctx.locale, f"setup.charter_mode.{charter}")))
    return result


async def adopt_batch(ctx: Community, people: list[ServerMember], charter: str, result: AdoptionResult) -> None:
    """One transaction: new rows, refreshed rows, roles, charter, adoption marks, past check-ins, messages."""
    now = ctx.now_ts()
    cfg = ctx.config
    async with ctx.db.transaction() as tx:
        known = await adoption_repo.known_members(tx, ctx.guild_id, [p.platform_id for p in people])
        chosen: list[ServerMember] = []
        for person in people:
            result.seen += 1
            row = known.get(person.platform_id)
            if row is not None and (row.erased or (row.present and (row.adopted or row.onboarded))):
                result.already += 1
                continue
            chosen.append(person)
        if not chosen:
            return
        joined = {p.platform_id: min(p.joined_at or now, now) for p in chosen}
        locales = {p.platform_id: _short_locale(ctx, p.locale) for p in chosen}
        names = {p.platform_id: p.name[:100] or p.platform_id for p in chosen}
        await adoption_repo.insert_members(
            tx, ctx.guild_id,
            [(p.platform_id, names[p.platform_id], locales[p.platform_id], joined[p.platform_id])
             for p in chosen if p.platform_id not in known], now,
        )
        await adoption_repo.refresh_members(
            tx, [(known[p.platform_id].id, names[p.platform_id], locales[p.platform_id], joined[p.platform_id])
                 for p in chosen if p.platform_id in known],
        )
        ids = await adoption_repo.ids_by_platform_id(tx, ctx.guild_id, [p.platform_id for p in chosen])
        member_ids = [ids[p.platform_id] for p in chosen]
        await adoption_repo.add_roles(tx, [(ids[p.platform_id], role) for p in chosen for role in p.roles])
        if charter == "accepted":
            await adoption_repo.accept_charters(tx, member_ids)
        await adoption_repo.record_adoptions(tx, member_ids, charter, now)
        await onboarding_repo.record_checkins(tx, _past_checkins(ctx, chosen, ids, joined, now))
        rows = []
        for person in chosen:
            if charter == "accepted":
                if cfg.roles.member not in person.roles:
                    rows.append(_role_row(ctx, person.platform_id, cfg.roles.member, now))
            else:
                rows.append(_charter_row(ctx, person.platform_id, locales[person.platform_id], now))
        await outbox_repo.enqueue_many(tx, rows)
        result.adopted += len(chosen)


def _short_locale(ctx: Community, locale: str | None) -> str | None:
    return ctx.i18n.locale_or_default(locale) if locale else None


def _past_checkins(
    ctx: Community, chosen: Iterable[ServerMember], ids: dict[str, int], joined: dict[str, int], now: int,
) -> list[tuple[int, int, int]]:
    """Check-in offsets their tenure is already past (or about to be, within the catch-up) count as done."""
    from bot.services.checkins import CHECKIN_CATCH_UP_DAYS

    rows = []
    for person in chosen:
        days = (now - joined[person.platform_id]) // DAY
        for offset in set(ctx.config.onboarding.checkin_days):
            if offset <= days + CHECKIN_CATCH_UP_DAYS + 1:
                rows.append((ids[person.platform_id], offset, now))
    return rows


def _role_row(ctx: Community, platform_id: str, role: str, now: int) -> tuple:
    payload = json.dumps({"role": role, "action": "add"}, ensure_ascii=False)
    return (ctx.guild_id, "role", "role", f"member:{platform_id}", payload, 1, now,
            ctx.key(f"adopt-role:{platform_id}:{role}"), now)


def _charter_row(ctx: Community, platform_id: str, locale: str | None, now: int) -> tuple:
    """The charter, softly: no welcome, just the text and its button (a closed DM stays closed)."""
    from bot.services.onboarding import accept_button, charter_text

    loc = ctx.i18n.locale_or_default(locale)
    text = ctx.t(loc, "setup.charter_dm", community=ctx.config.community.name, charter=charter_text(ctx, loc))
    payload = {"text": text, "mentions": [], "components": [accept_button(ctx, loc).as_dict()]}
    return (ctx.guild_id, "charter", "send", f"dm:{platform_id}", json.dumps(payload, ensure_ascii=False), 1, now,
            ctx.key(f"adopt-charter:{platform_id}"), now)


async def is_adopted(ctx: Community, member: Member) -> bool:
    return await adoption_repo.is_adopted(ctx.db.reader, member.id)


def never_godchild(ctx: Community, roles: frozenset[str]) -> bool:
    """Animators animate: they are never given a godparent."""
    return is_animator(ctx, roles)


# Checks -----------------------------------------------------------------------------------------

async def check_setup(ctx: Community) -> list[Finding]:
    """Every transport's findings, in the order they give them."""
    findings: list[Finding] = []
    for platform in _platforms(ctx):
        findings.extend(await platform.setup_findings(ctx))
    return findings


def render_findings(ctx: Community, locale: str, findings: list[Finding]) -> tuple[str, list[dict[str, Any]]]:
    """One line each: ✅ what, or ❌ what: how to fix it; and the contract's `checks` data."""
    checks = []
    lines = []
    for finding in findings:
        params = {key: neutralize(str(value)) for key, value in {"name": finding.name, **finding.params}.items()}
        what = ctx.t(locale, f"setup.what.{finding.check}", **params)
        fix = ctx.t(locale, f"setup.fix.{finding.fix}", **params) if finding.fix and not finding.ok else ""
        checks.append({"what": what, "ok": finding.ok, "fix": fix})
        lines.append(f"✅ {what}" if finding.ok else f"❌ {what} — {fix}")
    return "\n".join(lines), checks


def failing(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok]


def mod_log_reachable(ctx: Community, findings: list[Finding]) -> bool:
    channel = ctx.config.channels.mod_log
    return not any(f.subject == "channel" and f.name == channel and not f.ok for f in findings)


async def report_startup_check(ctx: Community) -> list[Finding]:
    """At start-up: the check, posted to mod-log when its result changed since the last start-up.

    Nothing is posted when everything was and still is fine. When mod-log itself cannot be posted
    to, each failing line goes to the log instead.
    """
    findings = await check_setup(ctx)
    digest = hashlib.sha256(json.dumps(
        [(f.subject, f.name, f.check, f.ok) for f in findings]).encode()).hexdigest()[:16]
    previous = await platform_refs.get_ref(ctx.db.reader, ctx.guild_id, STARTUP_CHECK_REF)
    bad = failing(findings)
    loc = ctx.locale
    if not mod_log_reachable(ctx, findings):
        text, _ = render_findings(ctx, "en", bad)
        for line in text.splitlines():
            log.warning("setup check: %s", line)
    async with ctx.db.transaction() as tx:
        if digest != previous and (bad or previous is not None) and mod_log_reachable(ctx, findings):
            text, _ = render_findings(ctx, loc, bad or findings)
            head = ctx.t(loc, "setup.startup_problems", count=len(bad)) if bad else ctx.t(loc, "setup.startup_fine")
            await post(tx, ctx, ctx.config.channels.mod_log, "mod-log", head + ("\n" + text if bad else ""))
        await platform_refs.set_ref(tx, ctx.guild_id, STARTUP_CHECK_REF, digest)
    return findings


def joined_epoch(when: datetime | None) -> int | None:
    return to_epoch(when) if when is not None else None
