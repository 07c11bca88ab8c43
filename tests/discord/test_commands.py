"""Every slash command of COMMANDS.md, invoked through discord.py's command tree (parsing, checks, replies)."""
from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from discord import app_commands

import cogs.base
from bot.app import load_command_modules
from bot.commands.hints import SLASH, SLASH_PATHS, render_hints
from bot.commands.registry import COMMANDS
from tests.discord.conftest import DiscordSim

# The contract's command names (COMMANDS.md): each must exist as a slash command.
CONTRACT = (
    "profile set", "profile show", "profile export", "profile delete", "directory", "skills", "request new",
    "request list", "request claim", "request resolve", "request cancel", "thanks", "charter", "motm nominate",
    "motm vote", "help", "mod warn", "mod timeout", "mod note", "mod history", "mod status", "mod godparent",
    "mod close-request", "mod nudges", "motm open", "motm close", "remind add", "remind list", "remind remove",
    "vitality",
)
ANIMATOR = {name for name in CONTRACT if name.startswith(("mod ", "remind ")) or name in (
    "motm open", "motm close", "vitality")}


def slash_commands(dsim: DiscordSim) -> dict[str, app_commands.Command[Any, ..., Any]]:
    """Slash commands by the engine command they run (`/motm-admin open` runs `motm open`)."""
    engine_name = {path: name for name, path in SLASH_PATHS.items()}
    return {engine_name.get(cmd.qualified_name, cmd.qualified_name): cmd for cmd in dsim.bot.tree.walk_commands()
            if isinstance(cmd, app_commands.Command)}


async def test_every_contract_command_is_a_slash_command(dsim: DiscordSim) -> None:
    names = set(slash_commands(dsim))
    assert set(CONTRACT) <= names, set(CONTRACT) - names


async def test_slash_options_match_the_registry(dsim: DiscordSim) -> None:
    """Option names are the contract's; what the registry requires, Discord requires too (it may ask more:
    `/profile delete confirm` is required on Discord so nobody erases their data by a stray click; it may
    ask less only where a form asks the rest: `/request new` alone opens one)."""
    from cogs.forms import FORM_OPTIONS

    load_command_modules()
    for name, cmd in slash_commands(dsim).items():
        spec = COMMANDS.get(name)
        if spec is None:
            continue  # its feature has not landed yet: it answers `invalid_input` (tested below)
        declared = {o.name: o for o in spec.options}
        params = {p.name: p for p in cmd.parameters}
        assert set(params) <= set(declared), (name, set(params) - set(declared))
        for option in spec.options:
            assert option.name in params, (name, option.name)
            if option.required and option.name not in FORM_OPTIONS.get(name, ()):
                assert params[option.name].required, (name, option.name)


SLASH_NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord: 1-32 letters, digits, - or _, lower case


def _check_option(where: str, option: dict[str, Any]) -> int:
    """One option (or subcommand) as Discord receives it; returns the characters it counts."""
    assert SLASH_NAME.match(option["name"]) and option["name"] == option["name"].lower(), where
    assert 1 <= len(option["description"]) <= 100, (where, option["description"])
    for text in (option.get("description_localizations") or {}).values():
        assert 1 <= len(text) <= 100, (where, text)
    assert not option.get("name_localizations"), where  # option names are the contract's
    localized = [len(text) for text in (option.get("description_localizations") or {}).values()]
    size = len(option["name"]) + max([len(option["description"]), *localized])  # the longest one counts
    choices = option.get("choices") or []
    assert len(choices) <= 25 and not (choices and option.get("autocomplete")), where
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and len(str(choice["value"])) <= 100, (where, choice)
        size += len(choice["name"]) + len(str(choice["value"]))
    if option.get("type") == 3:  # a string: its lengths within Discord's own bounds
        assert 0 <= option.get("min_length", 0) <= option.get("max_length", 6000) <= 6000, where
    children = option.get("options") or []
    assert len(children) <= 25, where
    if option.get("type") in (1, 2) or "type" not in option:  # subcommands: required options first
        flags = [bool(o.get("required")) for o in children if o.get("type") not in (1, 2)]
        assert flags == sorted(flags, reverse=True), where
    return size + sum(_check_option(f"{where} {o['name']}", o) for o in children)


async def test_the_tree_fits_discords_limits(dsim: DiscordSim) -> None:
    """What is synced, translated as Discord receives it: names, descriptions, localizations, at most 25
    options, subcommands and choices, 100 slash commands, 5 menus of each kind, and the characters of a
    command's names, descriptions and choices within Discord's total (counted here against 4,000, the
    older and stricter figure, so a new option never surprises a sync)."""
    tree, translator = dsim.bot.tree, dsim.bot.tree.translator
    assert translator is not None
    payloads = [await cmd.get_translated_payload(tree, translator) for cmd in tree.get_commands()]
    payloads += [await cmd.get_translated_payload(tree, translator)
                 for kind in (discord.AppCommandType.user, discord.AppCommandType.message)
                 for cmd in tree.get_commands(type=kind)]
    kinds = [p.get("type", 1) for p in payloads]
    assert kinds.count(1) <= 100 and kinds.count(2) <= 5 and kinds.count(3) <= 5
    for payload in payloads:
        name = payload["name"]
        if payload.get("type", 1) == 1:
            size = _check_option(name, payload)
            assert size <= 4000, (name, size)
        else:  # a context menu: any case and spaces, no description
            assert 1 <= len(name) <= 32 and payload.get("description", "") == "", name
            for text in (payload.get("name_localizations") or {}).values():
                assert 1 <= len(text) <= 32, (name, text)
    for cmd in tree.walk_commands():
        assert 1 <= len(cmd.description) <= 100
        assert len(cmd.name) <= 32 and cmd.name == cmd.name.lower()


async def test_animator_commands_sit_in_groups_discord_hides(dsim: DiscordSim) -> None:
    """A group or command holding an animator command is hidden by default (`default_permissions`), one
    members use is not: Discord cannot hide a single subcommand, so animator ones have their own group.
    The engine's check stays the real guard (tested below)."""
    load_command_modules()
    manage = discord.Permissions(manage_guild=True)
    for name, cmd in slash_commands(dsim).items():
        root: Any = cmd
        while root.parent is not None:
            root = root.parent
        spec = COMMANDS.get(name)
        if spec is None:
            continue
        if spec.animator:
            assert root.default_permissions == manage, name
        else:
            assert root.default_permissions is None, name
    for name, path in SLASH_PATHS.items():
        assert COMMANDS[name].animator and dsim.find_command(path).qualified_name == path
    help_text = render_hints("⟦motm open⟧ ⟦event new title=Apéro⟧ ⟦motm vote member=alice⟧", SLASH)
    assert help_text == "/motm-admin open /event-admin new title:Apéro /motm vote member:alice"
    dsim.give_role(dsim.members["alice"], dsim.roles["animator"])
    [card] = await dsim.command(dsim.members["alice"], "help", command="motm open")
    assert card.content.startswith("/motm-admin open — "), card.content


async def _invoke_all(dsim: DiscordSim, user_name: str) -> dict[str, list]:
    bob, carol = dsim.members["bob"], dsim.members["carol"]
    general = dsim.channel("general")
    samples: dict[str, dict[str, Any]] = {
        "profile set": {"skills": "plomberie, cuisine", "available": True},
        "profile show": {"member": bob},
        "profile export": {},
        "profile delete": {"confirm": False},
        "directory": {"skill": "plomberie"},
        "skills": {},
        "request new": {"title": "Fuite sous l'évier", "skills": "plomberie", "urgent": False},
        "request list": {"mine": True},
        "request claim": {"id": 999},
        "request resolve": {"id": 999, "thanks": bob},
        "request cancel": {"id": 999},
        "thanks": {"member": bob, "reason": "merci pour la soupe"},
        "charter": {},
        "motm nominate": {"member": bob},
        "motm vote": {"member": bob},
        "help": {},
        "mod warn": {"member": carol, "reason": "spam"},
        "mod timeout": {"member": carol, "minutes": "2h", "reason": "spam"},
        "mod note": {"member": carol, "text": "à suivre"},
        "mod history": {"member": carol},
        "mod status": {"member": carol, "active": False},
        "mod godparent": {"newcomer": carol, "godparent": bob},
        "mod close-request": {"id": 999, "reason": "doublon"},
        "mod nudges": {"paused": True},
        "motm open": {},
        "motm close": {},
        "remind add": {"when": "2026-12-24T18:00", "text": "Réveillon !", "channel": general},
        "remind list": {},
        "remind remove": {"id": 999},
        "vitality": {"days": 30},
    }
    assert set(samples) == set(CONTRACT)
    user = dsim.members[user_name]
    return {name: await dsim.command(user, name, **options) for name, options in samples.items()}


async def test_every_command_gets_exactly_one_answer(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    """An animator runs everything: one response each, errors ephemeral, the engine saw the right name."""
    # One answer, not a deferral: a loaded machine must not turn a slow command (a chart) into two
    # responses here; deferring is tested on its own (test_components_events.py).
    monkeypatch.setattr(cogs.base, "DEFER_AFTER_SECONDS", 60.0)
    dsim.give_role(dsim.members["alice"], dsim.roles["animator"])
    results = await _invoke_all(dsim, "alice")
    by_name = {}
    for call in dsim.calls:
        by_name.setdefault(call.name, call)
    for name, responses in results.items():
        assert len(responses) == 1, (name, responses)
        response = responses[0]
        assert response.type == 4 and response.content, name
        call = by_name[name]
        shown = render_hints(call.reply.text, SLASH)  # command hints in Discord's own syntax
        assert shown[:100] in response.content or response.content.endswith("…")
        assert "⟦" not in response.content, name
        if not call.reply.ok:
            assert response.ephemeral, name
            assert call.reply.error in {"invalid_input", "permission_denied", "not_found", "conflict",
                                        "not_eligible", "rate_limited"}
        assert response.data.get("allowed_mentions") == {"parse": []}, name
        assert call.reply.error != "permission_denied", name  # an animator may do all of it
    # Parsing: member options became platform ids, booleans stayed bools, durations stayed text.
    bob = str(dsim.members["bob"].id)
    assert by_name["profile show"].options == {"member": bob}
    assert by_name["mod timeout"].options == {"member": str(dsim.members["carol"].id), "minutes": "2h",
                                              "reason": "spam"}
    assert by_name["profile delete"].options == {"confirm": False}
    assert by_name["remind add"].options["channel"] == str(dsim.channel("general").id)  # by id: renames survive
    assert by_name["help"].reply.ok and by_name["charter"].reply.ok


async def test_animator_commands_are_refused_to_members(dsim: DiscordSim) -> None:
    """`default_permissions` is only a hint: the engine refuses, localized and ephemeral."""
    results = await _invoke_all(dsim, "bob")
    answered = {call.name: call.reply for call in dsim.calls}
    for name in ANIMATOR:
        assert len(results[name]) == 1
        if name in COMMANDS:
            assert answered[name].error == "permission_denied", name
            assert results[name][0].ephemeral
    expected = dsim.engine.ctx.t("fr", "common.error.permission_denied", detail="")
    assert results["mod warn"][0].content.startswith(expected.split("{")[0].strip()[:20])


async def test_manage_guild_counts_as_animator(dsim: DiscordSim) -> None:
    dave = dsim.members["dave"]
    dsim.give_role(dave, dsim.roles["admins"])
    out = await dsim.command(dave, "mod note", member=dsim.members["carol"], text="premier contact")
    assert len(out) == 1
    reply = dsim.calls[-1].reply
    assert dsim.calls[-1].actor.manage_guild is True
    assert reply.error != "permission_denied"


async def test_profile_set_replies_in_the_callers_language(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    fr = await dsim.command(alice, "profile set", skills="plomberie, cuisine")
    reply = dsim.calls[-1].reply
    assert reply.ok, reply.text
    assert reply.data["skills"] == ["cuisine", "plomberie"]
    assert fr[0].ephemeral
    bob = dsim.members["bob"]
    en = await dsim.command(bob, "help", locale="en-US")
    assert "Here is what you can do" in en[0].content
    assert "Voici" in (await dsim.command(alice, "help"))[0].content


async def test_too_long_text_is_refused_by_the_engine(dsim: DiscordSim) -> None:
    """Discord enforces the declared lengths client-side; the engine still refuses, and nothing changes."""
    out = await dsim.command(dsim.members["alice"], "request new", title="x" * 2001, skills="plomberie")
    assert len(out) == 1 and out[0].ephemeral
    assert dsim.calls[-1].reply.error == "invalid_input"


async def test_an_option_discord_cannot_convert_still_gets_one_answer(dsim: DiscordSim) -> None:
    """A member that is not in the payload's `resolved` fails in discord.py's transformer: the tree answers."""
    before = len(dsim.calls)
    out = await dsim.command(dsim.members["alice"], "profile show", member="123456789012345678")
    assert len(dsim.calls) == before  # the engine never ran
    assert len(out) == 1 and out[0].ephemeral
    assert dsim.engine.ctx.t("fr", "discord.bad_option") in out[0].content


async def test_request_new_then_claim_through_discord(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="plomberie")
    await dsim.command(alice, "request new", title="Fuite", skills="plomberie", details="sous l'évier")
    created = dsim.calls[-1].reply
    if not created.ok:
        pytest.skip(f"request new not available yet: {created.error}")
    request_id = created.data["request_id"]
    out = await dsim.command(bob, "request claim", id=request_id)
    assert len(out) == 1
    claim = dsim.calls[-1]
    assert claim.options == {"id": request_id}
    assert claim.reply.ok, claim.reply.text
    assert claim.reply.data["request_id"] == request_id
