"""The charter gates participation; the console knows who joined, whatever the case of their handle."""
from __future__ import annotations

from bot.app import load_command_modules
from bot.commands.registry import BUTTONS, COMMANDS
from bot.services.participation import OPEN_BUTTONS, OPEN_COMMANDS
from tests.harness import Sim, of
from tests.test_reliability import dump

load_command_modules()
SAMPLE = {"member": "bruno", "reason": "super", "title": "Fuite", "skills": "plomberie", "skill": "plomberie",
          "id": 1, "confirm": True, "command": "thanks", "text": "x", "details": "x"}


def member_commands() -> list[str]:
    return sorted(name for name, spec in COMMANDS.items() if not spec.animator)


async def test_before_the_charter_only_reading_it_help_export_and_delete_work(sim: Sim) -> None:
    await sim.onboard("bruno", skills="plomberie")
    await sim.join("zorro", "en")
    before = dump(sim.db)
    gated = [name for name in member_commands() if name not in OPEN_COMMANDS]
    assert {"request new", "thanks", "profile set", "directory", "motm vote", "request claim"} <= set(gated)
    for name in gated:
        spec = COMMANDS[name]
        options = {o.name: SAMPLE.get(o.name, "x") for o in spec.options if o.required}
        reply = await sim.command("zorro", name, **options)
        assert not reply["ok"] and reply["error"] == "not_eligible", (name, reply)
        assert "accept the charter first" in reply["text"], reply["text"]
        assert [c["custom_id"] for c in reply["components"]] == ["charter:accept"], reply
        assert not of(sim.last, "post") and not of(sim.last, "dm"), (name, sim.last)
    assert dump(sim.db) == before  # a refusal changes nothing
    for name in sorted(OPEN_COMMANDS - {"profile delete"}):
        reply = await sim.command("zorro", name)
        assert reply.get("error") != "not_eligible", (name, reply)
    assert (await sim.command("zorro", "profile delete"))["error"] == "invalid_input"  # confirm missing, not gated
    assert (await sim.click("zorro", "request:claim:1"))["error"] == "not_eligible"
    assert (await sim.click("zorro", "charter:accept"))["ok"]
    thanks = await sim.command("zorro", "thanks", member="bruno", reason="great")
    assert thanks["ok"], thanks


async def test_the_thanks_of_someone_who_never_accepted_is_never_posted(sim: Sim) -> None:
    await sim.onboard("bruno")
    await sim.join("zorro")
    reply = await sim.command("zorro", "thanks", member="bruno", reason="merci")
    assert reply["error"] == "not_eligible"
    assert not of(sim.last, "post", kind="thanks")


async def test_animator_commands_are_not_gated(sim: Sim) -> None:
    await sim.onboard("bruno")
    await sim.join("anim")
    await sim.roles("anim", add=["animator"])
    warned = await sim.command("anim", "mod warn", member="bruno", reason="spam")
    assert warned["ok"], warned
    assert (await sim.command("anim", "request list"))["error"] == "not_eligible"  # a member command still is


async def test_help_before_the_charter_lists_what_is_open_and_says_why(sim: Sim) -> None:
    await sim.join("zorro", "en")
    before = await sim.command("zorro", "help")
    assert set(before["data"]["commands"]) == OPEN_COMMANDS
    assert "charter" in before["text"].splitlines()[-1]
    await sim.click("zorro", "charter:accept")
    after = await sim.command("zorro", "help")
    assert set(after["data"]["commands"]) == set(member_commands())


def test_the_open_commands_and_buttons_exist() -> None:
    assert {b.prefix for b in BUTTONS} >= OPEN_BUTTONS
    assert set(COMMANDS) >= OPEN_COMMANDS


# The console's simulated server --------------------------------------------------------------------

async def test_the_console_refuses_commands_from_someone_who_never_joined(sim: Sim) -> None:
    await sim.onboard("bruno")
    before = dump(sim.db)
    reply = await sim.command("zorro", "thanks", member="bruno", reason="merci")
    assert reply["error"] == "not_eligible" and "zorro" in reply["text"]
    # the jsonl console's own input line, not the REPL's `:join zorro`
    assert '« {"type": "join", "user": "zorro"} »' in reply["text"] and ":join" not in reply["text"]
    click = await sim.click("zorro", "charter:accept")
    assert click["error"] == "not_eligible"
    assert not of(sim.last, "post") and dump(sim.db) == before


async def test_handles_are_matched_whatever_their_case(sim: Sim) -> None:
    await sim.onboard("nina", skills="couture")
    await sim.onboard("bruno")
    reply = await sim.command("Nina", "thanks", member="bruno", reason="merci")
    assert reply["ok"] and reply["user"] == "nina", reply
    shown = await sim.command("NINA", "profile show")
    assert shown["data"]["member"] == "nina" and shown["data"]["skills"] == ["couture"]
    await sim.join("Nina")  # the same person, not a second member
    rows = await sim.ctx.db.fetchall("SELECT count(*) FROM member WHERE platform_id = 'nina' COLLATE NOCASE")
    assert rows[0][0] == 1
