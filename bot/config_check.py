"""Configuration problems in one sentence of the configured language, without library jargon.

`describe_validation_error` turns pydantic's first error into words an animator understands (a
Discord id pasted without quotes: "put it in quotes"); `check_files` reads every file the
configuration names (the charter, in UTF-8) and what the Discord transport needs (`guild_id`).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from bot.files import utf8_problem
from bot.i18n import Translator

DISCORD_ID = re.compile(r"^\d{17,20}$")
_VALUE_ERRORS = {"locale": "locale", "timezone": "timezone", "weekly_digest_day": "weekday",
                 "weekly_nudges_day": "weekday", "synchronous": "synchronous"}
_TYPE_ERRORS = {
    "int_parsing": "want_integer", "int_type": "want_integer", "int_from_float": "want_integer",
    "float_parsing": "want_number", "float_type": "want_number", "bool_parsing": "want_bool",
    "bool_type": "want_bool", "list_type": "want_list", "dict_type": "want_table", "model_type": "want_table",
    "model_attributes_type": "want_table", "greater_than_equal": "at_least", "less_than_equal": "at_most",
    "greater_than": "more_than",
}

_WORDS: dict[str, Translator] = {}


def words(locale: str = "fr") -> Translator:
    """The catalogues, speaking `locale` by default (the configured language)."""
    if locale not in _WORDS:
        _WORDS[locale] = Translator(locale if locale in ("fr", "en") else "fr")
    return _WORDS[locale]


def config_locale(data: Any) -> str:
    """The configured language, read from the raw document (it may be what is wrong)."""
    community = data.get("community") if isinstance(data, dict) else None
    locale = community.get("locale") if isinstance(community, dict) else None
    return locale if locale in ("fr", "en") else "fr"


def shown(value: Any) -> str:
    """A value as the TOML file has it: strings in quotes, numbers bare."""
    if isinstance(value, str | int | float | bool | list):
        return json.dumps(value, ensure_ascii=False)[:80]
    return "?"


def describe_validation_error(err: dict[str, Any], data: Any, source: str) -> str:
    """pydantic's first error (`ValidationError.errors()[0]`) as one sentence."""
    loc = config_locale(data)
    key = _key(err["loc"])
    name = str(err["loc"][-1]) if err["loc"] else key
    value = err.get("input")
    kind = err["type"]
    params: dict[str, Any] = {"source": source, "key": key, "value": shown(value)}
    if kind == "missing":
        return words().t(loc, "settings.missing", **params)
    if kind == "extra_forbidden":
        return words().t(loc, "settings.unknown_key", **params)
    if kind == "string_type":
        if isinstance(value, int | float) and not isinstance(value, bool) and not name.isdigit():
            return words().t(loc, "settings.quote_it", **params, name=name, raw=value)
        return words().t(loc, "settings.want_text", **params)
    if kind in _TYPE_ERRORS:
        limit = next(iter((err.get("ctx") or {}).values()), "")
        return words().t(loc, f"settings.{_TYPE_ERRORS[kind]}", **params, limit=limit)
    if kind == "value_error":
        if name in _VALUE_ERRORS:
            return words().t(loc, f"settings.{_VALUE_ERRORS[name]}", **params)
        if name.endswith("_time"):
            return words().t(loc, "settings.hhmm", **params)
    return words().t(loc, "settings.bad_value", **params)


def _key(path: Any) -> str:
    """A setting's place as people write it: `communities[2].name` (the second entry), not `communities.1.name`."""
    key = ""
    for part in path:
        if isinstance(part, int):
            key += f"[{part + 1}]"
        else:
            key += ("." if key else "") + str(part)
    return key


def toml_error(source: str, message: str, locale: str = "fr") -> str:
    line = re.search(r"line (\d+)", message)
    return words().t(locale, "settings.not_toml", source=source, line=line.group(1) if line else "?")


def _charter_problems(charter_file: str, source: str, loc: str) -> list[str]:
    """The charter file and its language variants, read as the bot reads them (UTF-8, not empty)."""
    problems: list[str] = []
    base = Path(charter_file)
    candidates = [base] + [base.with_name(f"{base.stem}.{lang}{base.suffix}") for lang in ("fr", "en")]
    present = [p for p in candidates if p.is_file()]
    if not present:
        problems.append(words().t(loc, "settings.charter_missing", source=source, path=str(base), cwd=os.getcwd()))
    for path in present:
        try:
            bad = utf8_problem(path)
            empty = not path.read_bytes().strip()
        except OSError as exc:
            problems.append(words().t(loc, "settings.unreadable", source=source, path=str(path),
                                      reason=exc.strerror or type(exc).__name__))
            continue
        if bad is not None:
            problems.append(words().t(loc, "settings.not_utf8", source=source, path=str(path), line=bad[0],
                                      sample=bad[1]))
        elif empty:
            problems.append(words().t(loc, "settings.charter_empty", source=source, path=str(path)))
    return problems


def check_files(config: Any, source: str, discord: bool) -> list[str]:
    """Every file the configuration names, read as the bot will read it; `guild_id` for Discord. In a
    network, each community's own files too (its charter), the problem naming the community."""
    from bot.network_config import community_configs

    loc = config.community.locale
    problems: list[str] = []
    if config.community.charter_file:
        problems += _charter_problems(config.community.charter_file, source, loc)
    seen = {config.community.charter_file}
    for entry, own in community_configs(config) if config.communities else []:
        if own.community.charter_file and own.community.charter_file not in seen:  # its own, not inherited
            seen.add(own.community.charter_file)
            problems += [words().t(loc, "settings.in_community", name=entry.name, id=entry.id, problem=problem)
                         for problem in _charter_problems(own.community.charter_file, source, loc)]
    folder = Path(config.database.path).parent
    if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
        problems.append(words().t(loc, "settings.database_folder", source=source, folder=str(folder)))
    if discord and config.communities:  # a network: each community on Discord names its own server
        bound = [entry for entry in config.communities if entry.guild_id]
        if not bound:
            problems.append(words().t(loc, "settings.network_no_guild", source=source))
        for index, entry in enumerate(config.communities):
            if entry.guild_id and not DISCORD_ID.match(entry.guild_id.strip()):
                problem = words().t(loc, "settings.community_guild_id_bad", source=source,
                                    key=f"communities[{index + 1}].guild_id", value=shown(entry.guild_id))
                problems.append(words().t(loc, "settings.in_community", name=entry.name, id=entry.id,
                                          problem=problem))
    elif discord:
        guild_id = config.community.guild_id.strip()
        if not guild_id:
            problems.append(words().t(loc, "settings.guild_id_missing", source=source))
        elif not DISCORD_ID.match(guild_id):
            problems.append(words().t(loc, "settings.guild_id_bad", source=source, value=shown(guild_id)))
    return problems


def community_lines(config: Any) -> list[str]:
    """One line per community of a network, as `check-config` shows it once everything is valid: its
    binding (Discord server, Signal group, or the console only), language, zone, channels and roles."""
    from bot.network_config import community_configs

    loc = config.community.locale
    say = words()
    lines = [say.t(loc, "files.check_ok_network", name=config.network.name or config.community.name,
                   count=len(config.communities))]
    for entry, own in community_configs(config):
        if entry.guild_id:
            binding = say.t(loc, "files.bound_discord", id=entry.guild_id)
        elif entry.group:
            binding = say.t(loc, "files.bound_signal", id=entry.group[:8] + "…")
        else:
            binding = say.t(loc, "files.bound_console")
        channels = own.channels
        roles = own.roles
        if entry.group and not entry.guild_id:  # a Signal group: its members and admins are the roles
            lines.append(say.t(loc, "files.check_community_signal", name=entry.name, id=entry.id, binding=binding,
                               locale=own.community.locale, timezone=own.community.timezone))
            continue
        lines.append(say.t(
            loc, "files.check_community", name=entry.name, id=entry.id, binding=binding,
            locale=own.community.locale, timezone=own.community.timezone,
            channels=", ".join(f"#{c}" for c in (channels.welcome, channels.help_requests, channels.general,
                                                 channels.mod_log, channels.animators)),
            roles=", ".join([roles.member, *roles.animators, roles.member_of_the_month])))
    return lines
