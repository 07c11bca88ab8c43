"""One permission check for every animator command and button, table-driven over the whole registry.

Commands other areas declare with `animator=True` are covered automatically: as a plain member each
is refused with `permission_denied` and changes nothing at all (every table compared); as an
animator each succeeds and, unless it only reads, leaves a case in the audit log.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import load_command_modules
from bot.commands.registry import BUTTONS, COMMANDS, Actor, CommandSpec, Option
from tests.harness import Sim, config_with

load_command_modules()

DAY = 86400
READ_ONLY = {"mod history", "remind list", "vitality", "dashboard", "setup check"}
# Commands whose success needs something done first run in this order; any other one after them.
ORDER = ["mod warn", "mod timeout", "mod note", "mod history", "mod status", "mod godparent", "mod close-request",
         "mod nudges", "motm open", "motm close", "remind add", "remind list", "remind remove", "vitality",
         "event new", "event edit", "event attended", "event cancel", "proposal close"]


def options_for(name: str, state: dict[str, Any]) -> dict[str, Any]:
    """Valid options for an animator command (a generic guess from its option kinds when unknown)."""
    known: dict[str, dict[str, Any]] = {
        "mod warn": {"member": "target", "reason": "ton agressif"},
        "mod timeout": {"member": "target", "minutes": 30, "reason": "calmer le jeu"},
        "mod note": {"member": "target", "text": "à suivre"},
        "mod history": {"member": "target"},
        "mod status": {"member": "target", "active": False},
        "mod godparent": {"newcomer": "newbie", "godparent": "elder"},
        "mod close-request": {"id": state.get("request_id", 1), "reason": "doublon"},
        "mod nudges": {"paused": True},
        "remind add": {"when": "2026-12-24T10:00:00+01:00", "text": "Fête de fin d'année"},
        "remind remove": {"id": state.get("reminder_id", 1)},
        "vitality": {"days": 30},
        "mod skill merge": {"skill": "diy", "into": "bricolage"},
        "mod skill rename": {"skill": "bricollage", "to": "bricolage fin"},
        "mod skill remove": {"skill": "vieux truc"},
        "event new": {"title": "Apéro", "when": "2026-12-24T18:00"},
        "event edit": {"id": state.get("event_id", 1), "place": "Le local"},
        "event attended": {"id": state.get("event_id", 1), "members": "target"},
        "event cancel": {"id": state.get("event_id", 1)},
        "proposal close": {"id": state.get("proposal_id", 1)},
    }
    if name in known:
        return known[name]
    return {o.name: generic_value(o) for o in COMMANDS[name].options if o.required}


def generic_value(option: Option) -> Any:
    return {"member": "target", "int": 1, "bool": True, "csv": "test", "choice": (option.choices or ("x",))[0]}.get(
        option.kind, "test")


def animator_commands() -> list[CommandSpec]:
    specs = [spec for spec in COMMANDS.values() if spec.animator]
    return sorted(specs, key=lambda s: (ORDER.index(s.name) if s.name in ORDER else len(ORDER), s.name))


async def dump(sim: Sim) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (buffered activity written first), to prove a refusal changed nothing."""
    await sim.engine.activity.flush()
    reader = sim.ctx.db.reader
    tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    async with reader.execute(tables_sql) as cur:
        tables = [row[0] for row in await cur.fetchall()]
    snapshot = {}
    for table in tables:
        async with reader.execute(f"SELECT * FROM {table}") as cur:
            snapshot[table] = sorted((tuple(row) for row in await cur.fetchall()), key=repr)
    return snapshot


async def community(sim: Sim) -> dict[str, Any]:
    """An animator, plain members, a newcomer waiting for a godparent, an eligible elder, an open request."""
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    for user in ("plain", "target", "newbie", "elder"):
        await sim.onboard(user)
    await sim.command("plain", "profile set", skills="diy, bricolage, bricollage, vieux truc")
    now = sim.ctx.now_ts()
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET joined_at = ?, charter_accepted_at = ?, godparent_volunteer = 1 "
                         "WHERE platform_id = 'elder'", (now - 90 * DAY, now - 90 * DAY))
        cur = await tx.execute(
            "INSERT INTO request (guild_id, requester_id, title, created_at) "
            "SELECT 'console', id, 'Besoin d''aide', ? FROM member WHERE platform_id = 'plain'", (now,))
        request_id = cur.lastrowid
        cur = await tx.execute(
            "INSERT INTO proposal (guild_id, author_id, title, created_at) "
            "SELECT 'console', id, 'Un potager', ? FROM member WHERE platform_id = 'plain'", (now,))
        proposal_id = cur.lastrowid
    return {"request_id": request_id, "proposal_id": proposal_id}


async def test_every_animator_command_is_refused_to_a_plain_member_and_changes_nothing(sim: Sim) -> None:
    state = await community(sim)
    specs = animator_commands()
    assert {"mod warn", "mod timeout", "mod note", "mod history", "mod status", "vitality"} <= {s.name for s in specs}
    before = await dump(sim)
    for spec in specs:
        for caller in ("plain", "stranger"):  # a member, and someone the bot has never seen
            outs = await sim.send({"type": "command", "user": caller, "command": spec.name,
                                   "options": options_for(spec.name, state)})
            [reply] = [o for o in outs if o["type"] == "reply"]
            # The console's server refuses anyone who never joined before looking at the command.
            wanted = "permission_denied" if caller == "plain" else "not_eligible"
            assert not reply["ok"] and reply["error"] == wanted, (spec.name, reply)
            assert reply["data"] == {} and "attachments" not in reply, spec.name
            assert [o["type"] for o in outs] == ["reply"], (spec.name, outs)
        # A platform user the bot has never seen (Discord): the engine itself says permission_denied.
        stranger = Actor(platform_id="stranger", handle="stranger")
        direct = await sim.engine.command(stranger, spec.name, options_for(spec.name, state))
        assert not direct.ok and direct.error == "permission_denied", (spec.name, direct)
    assert await dump(sim) == before


async def test_a_refusal_comes_before_option_checks(sim: Sim) -> None:
    """A plain member learns nothing about an animator command's options: always permission_denied."""
    await sim.onboard("plain")
    for spec in animator_commands():
        reply = await sim.command("plain", spec.name, bogus="x")
        assert reply["error"] == "permission_denied", (spec.name, reply)


async def test_every_animator_button_is_refused_to_a_plain_member(sim: Sim) -> None:
    await sim.onboard("plain")
    before = await dump(sim)
    for spec in (b for b in BUTTONS if b.animator):
        custom_id = spec.prefix + ("1" if spec.prefix.endswith(":") else "")
        reply = await sim.click("plain", custom_id, values=["1"])
        assert not reply["ok"] and reply["error"] == "permission_denied", (spec.prefix, reply)
    assert await dump(sim) == before


async def cases(sim: Sim) -> list[tuple[int, str, str | None]]:
    async with sim.ctx.db.reader.execute(
        "SELECT c.id, c.action, a.platform_id FROM mod_case c LEFT JOIN member a ON a.id = c.actor_id ORDER BY c.id"
    ) as cur:
        return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def test_every_animator_command_works_for_an_animator_and_is_audited(sim: Sim) -> None:
    state = await community(sim)
    sim.ctx.dashboard_url = "http://127.0.0.1:8710"  # as if the dashboard were served
    problems = []  # every command checked, then all problems reported at once
    for spec in animator_commands():
        seen = await cases(sim)
        reply = await sim.command("anim", spec.name, **options_for(spec.name, state))
        if not reply["ok"]:
            problems.append((spec.name, "refused", reply["error"], reply["text"]))
            continue
        state.update({k: v for k, v in reply["data"].items() if k in ("reminder_id", "poll_id", "event_id")})
        new = (await cases(sim))[len(seen):]
        log = [o for o in sim.last if o.get("kind") == "mod-log" and o.get("channel") == "mod-log"]
        if spec.name in READ_ONLY:
            if new or log:
                problems.append((spec.name, "a read-only command wrote a case", new))
            continue
        if not new or any(actor != "anim" for _, _, actor in new):
            problems.append((spec.name, "no case by the animator in the audit log", new))
        elif spec.name.startswith("mod ") and [action for _, action, _ in new] != [spec.name.split()[-1]]:
            problems.append((spec.name, "case action should be the command's last word", new))
        if len(log) != len(new) or any(o["mentions"] for o in log):
            problems.append((spec.name, "each case needs one mod-log post that pings nobody", log))
    assert problems == []


async def test_the_platform_s_server_management_permission_is_enough(sim: Sim) -> None:
    await sim.onboard("target")
    boss = Actor(platform_id="boss", handle="boss", manage_guild=True)
    reply = await sim.engine.command(boss, "mod note", {"member": "target", "text": "vu en réunion"})
    assert reply.ok, reply
    assert [action for _, action, _ in await cases(sim)] == ["note"]
    plain = Actor(platform_id="plain", handle="plain")
    assert (await sim.engine.command(plain, "mod note", {"member": "target", "text": "x"})).error == "permission_denied"


async def test_the_animator_roles_come_from_the_config(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config=config_with(roles={"animators": ["animateur", "bureau"]})).open()
    try:
        await sim.onboard("target")
        for user, role in (("a", "animator"), ("b", "animateur"), ("c", "bureau")):
            await sim.onboard(user)
            await sim.roles(user, add=[role])
        assert (await sim.command("a", "mod history", member="target"))["error"] == "permission_denied"
        assert (await sim.command("b", "mod history", member="target"))["ok"]
        assert (await sim.command("c", "mod history", member="target"))["ok"]
        await sim.roles("b", remove=["animateur"])
        assert (await sim.command("b", "mod history", member="target"))["error"] == "permission_denied"
    finally:
        await sim.close()


async def test_help_shows_animator_commands_only_to_animators(sim: Sim) -> None:
    await sim.onboard("plain")
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    animator_names = {spec.name for spec in animator_commands()}
    assert not animator_names & set((await sim.command("plain", "help"))["data"]["commands"])
    assert animator_names <= set((await sim.command("anim", "help"))["data"]["commands"])
