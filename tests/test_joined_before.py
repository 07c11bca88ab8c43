"""CONSOLE_PROTOCOL.md: a `join` with `joined_at` is someone on the server before the bot, "no onboarding
happens for them". Accepting the charter before any `setup adopt` therefore gives them the member role
with their real join date as tenure, and no newcomer's welcome post, godparent or information session."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_a_member_from_before_the_bot_who_accepts_the_charter_is_not_welcomed_as_a_newcomer(sim: Sim) -> None:
    await sim.join("olga", locale="en", joined_at="2024-03-01T10:00:00+01:00")
    assert not of(sim.last, "dm"), sim.last  # no welcome DM at the join
    charter = await sim.command("olga", "charter")
    assert charter["components"][0]["custom_id"] == "charter:accept"
    accepted = await sim.click("olga", "charter:accept")
    assert accepted["ok"] and accepted["text"].startswith("Thank you, noted! You can now ask for help"), accepted
    assert of(sim.last, "role", user="olga", added="member")
    assert not of(sim.last, "post", kind="welcome") and not of(sim.last, "post", kind="godparent-needed"), sim.last
    assert not of(sim.last, "dm", kind="welcome"), sim.last
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    adopted = await sim.command("anim", "setup adopt")
    assert adopted["data"] == {"adopted": 0}, adopted  # already known: adopted with their first step
    vitality = await sim.command("anim", "vitality")
    assert vitality["data"]["newcomers"] == 1, vitality["data"]  # anim only: olga has been here since March 2024


async def test_someone_who_joins_under_the_bot_s_eyes_is_still_welcomed(sim: Sim) -> None:
    await sim.join("nina")
    accepted = await sim.click("nina", "charter:accept")
    assert accepted["ok"] and of(sim.last, "post", kind="welcome"), sim.last
