"""Running a command or a click: parse, check who may, call the handler, always one reply."""
from __future__ import annotations

import logging
from typing import Any

from bot.commands import aliases
from bot.commands.options import parse_options
from bot.commands.registry import COMMANDS, Actor, CommandSpec, Invocation, Reply, find_button
from bot.context import Community
from bot.errors import DomainError, denied, invalid, not_eligible, not_found, whole
from bot.mentions import neutralize
from bot.services import participation
from bot.services.activity import ActivityRecorder
from bot.services.languages import follow_client, supported
from bot.services.members import ensure_member, is_animator
from bot.services.network_shared import is_network_animator
from storage import members as members_repo

log = logging.getLogger(__name__)
MAX_NAME = 64


def error_reply(ctx: Community, locale: str, err: DomainError) -> Reply:
    detail = ctx.t(locale, err.detail_key, **err.params) if err.detail_key else ""
    if getattr(err, "whole", False) and detail:
        text = detail[:1].upper() + detail[1:]
    else:
        text = ctx.t(locale, f"common.error.{err.code}", detail=detail)
    return Reply(ok=False, text=text.strip(), error=err.code, data={},
                 components=list(getattr(err, "components", [])))


def _locale(ctx: Community, actor: Actor, member_locale: str | None) -> str:
    return ctx.i18n.locale_or_default(member_locale or actor.locale)


async def caller_locale(ctx: Community, actor: Actor) -> str:
    """The caller's locale without creating anything (a refusal must change nothing)."""
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, actor.platform_id)
    return _locale(ctx, actor, member.locale if member else None)


_known_locale = caller_locale


async def _require_charter(ctx: Community, actor: Actor) -> None:
    """Gated actions wait for the charter; refused before anything is created or recorded."""
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, actor.platform_id)
    if not participation.has_accepted(member):
        from bot.services.onboarding import accept_button

        raise participation.CharterFirst(accept_button(ctx, _locale(ctx, actor, member.locale if member else None)))


async def _require_present(ctx: Community, actor: Actor, key: str = "trust.not_present") -> None:
    """Someone who left (an old button, or a command sent from a DM or a Signal chat): refused as such,
    not asked for the charter (leaving took it with them)."""
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, actor.platform_id)
    if actor.present is False or (member is not None and not member.present):
        raise whole(not_eligible(key))


def unknown_command(ctx: Community, locale: str, name: str) -> Reply:
    """`invalid_input`, with the nearest command when the name looks like a typo."""
    suggestion = aliases.suggest_command(name.split())
    parts = [ctx.t(locale, "parser.unknown_command", command=neutralize(name[:60]) or "?")]
    if suggestion:
        parts.append(ctx.t(locale, "parser.did_you_mean", suggestion=suggestion))
    parts.append(ctx.t(locale, "parser.see_help"))
    return Reply(ok=False, error="invalid_input", data={}, text=" ".join(parts))


def canonical_options(spec: CommandSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Option keys in any accepted spelling (`compétences`) → their names; a typo gets a suggestion."""
    named: dict[str, Any] = {}
    for key, value in raw.items():
        name = aliases.option_name(spec.name, str(key))
        if name is None:
            suggestion = aliases.suggest_option(spec.name, str(key))
            if suggestion:
                raise invalid("parser.detail.unknown_option_near", option=neutralize(str(key)[:40]),
                              suggestion=suggestion)
            raise invalid("common.detail.unknown_option", option=neutralize(str(key)[:40]))
        if name in named:
            raise invalid("parser.detail.twice", option=name)
        named[name] = value
    return named


def _network_animator_asks_network(ctx: Community, actor: Actor, spec: CommandSpec, raw: Any) -> bool:
    """A network animator needs no local animator role for what is theirs: the network's view of a command
    with a `network` option (`vitality network:true`), the whole of one without (`dashboard`)."""
    if not spec.network_animators or not isinstance(raw, dict | None):
        return False
    if not is_network_animator(ctx, actor.platform_id, actor.roles):
        return False
    if not any(option.name == "network" for option in spec.options):
        return True
    try:
        return bool(parse_options(spec.options, canonical_options(spec, raw or {})).get("network"))
    except DomainError:
        return False


async def _caller(ctx: Community, actor: Actor) -> Invocation:
    member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, actor.platform_id)
    if member is None:
        async with ctx.db.transaction() as tx:
            member = await ensure_member(tx, ctx, actor.platform_id, actor.handle, supported(ctx, actor.locale))
    else:
        member = await follow_client(ctx, member, actor.locale)
    return Invocation(
        ctx=ctx, actor=actor, member=member, options={},
        locale=_locale(ctx, actor, member.locale),
        is_animator=is_animator(ctx, actor.roles, actor.manage_guild),
    )


async def run_command(
    ctx: Community, actor: Actor, name: str, raw_options: dict[str, Any] | None,
    activity: ActivityRecorder | None = None, page: int = 1,
) -> Reply:
    """The one answer to a command, `ok` or an error code; a refused command changes nothing.
    `page`: which page of a long list (a page button re-runs the command with it)."""
    locale = _locale(ctx, actor, None)
    inv: Invocation | None = None
    name = " ".join(str(name or "").lower().split())[:MAX_NAME]
    spec = COMMANDS.get(name) or COMMANDS.get(aliases.command_name(name) or "")
    try:
        if spec is None:
            return unknown_command(ctx, await caller_locale(ctx, actor), name)
        # Permission first: a non-animator learns nothing about the options and changes nothing.
        if spec.animator and not is_animator(ctx, actor.roles, actor.manage_guild) \
                and not _network_animator_asks_network(ctx, actor, spec, raw_options):
            locale = await _known_locale(ctx, actor)
            raise denied("common.detail.animator_only")
        if participation.command_is_gated(spec.name, spec.animator):
            locale = await caller_locale(ctx, actor)
            await _require_present(ctx, actor, "trust.not_present_command")
            await _require_charter(ctx, actor)
        if raw_options is not None and not isinstance(raw_options, dict):
            raise invalid("common.detail.not_an_object")
        options = parse_options(spec.options, canonical_options(spec, raw_options or {}))
        inv = await _caller(ctx, actor)
        locale = inv.locale
        if activity is not None:
            await activity.record(inv.member.id, actions=1)
        inv.options = options
        inv.page = page
        return await spec.handler(inv)
    except DomainError as err:
        if inv is None:  # refused before the caller was read (an option, an animator's command): their language
            locale = await caller_locale(ctx, actor)
        return error_reply(ctx, locale, err)
    except Exception:
        log.exception("command %r failed", name)
        return Reply(ok=False, error="invalid_input", data={}, text=ctx.t(locale, "common.error.internal"))


async def run_click(
    ctx: Community, actor: Actor, custom_id: str, values: list[str] | None,
    activity: ActivityRecorder | None = None,
) -> Reply:
    """A button or select: same rules as the command it twins."""
    locale = _locale(ctx, actor, None)
    inv: Invocation | None = None
    try:
        if not isinstance(custom_id, str) or len(custom_id) > 100:
            raise not_found("common.detail.unknown_component", custom_id="?")
        found = find_button(custom_id)
        if found is None:
            raise not_found("common.detail.unknown_component", custom_id=custom_id[:100])
        spec, argument = found
        if spec.animator and not is_animator(ctx, actor.roles, actor.manage_guild):
            locale = await _known_locale(ctx, actor)
            raise denied("common.detail.animator_only")
        if participation.button_is_gated(spec.prefix, spec.animator):
            locale = await caller_locale(ctx, actor)
            await _require_present(ctx, actor)  # a departed member is told so, not asked for the charter
            await _require_charter(ctx, actor)
        inv = await _caller(ctx, actor)
        locale = inv.locale
        if actor.present is False or not inv.member.present:  # an old DM's button outlives the membership
            raise whole(not_eligible("trust.not_present"))
        if activity is not None:
            await activity.record(inv.member.id, actions=1)
        clean_values = [str(v)[:100] for v in (values or []) if isinstance(v, str | int)]
        return await spec.handler(inv, argument, clean_values)
    except DomainError as err:
        if inv is None:  # refused before the caller was read (an unknown button): in their language
            locale = await caller_locale(ctx, actor)
        return error_reply(ctx, locale, err)
    except Exception:
        log.exception("click %r failed", custom_id)
        return Reply(ok=False, error="invalid_input", data={}, text=ctx.t(locale, "common.error.internal"))
