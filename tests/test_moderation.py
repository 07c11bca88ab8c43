"""Moderation: warnings, timeouts, notes, status, history; every action audited and logged in mod-log."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.services import moderation, privacy
from tests.harness import Sim, config_with, of

ZWSP = "\u200b"


async def setup(sim: Sim, target_locale: str = "fr") -> None:
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    await sim.onboard("y", target_locale)


def jump(sim: Sim, days: int) -> None:
    """Move the simulated clock without running months of scheduled jobs (only cases matter here)."""
    sim.ctx.clock.set(sim.ctx.now() + timedelta(days=days))


async def case_rows(sim: Sim) -> list[tuple]:
    async with sim.ctx.db.reader.execute(
        "SELECT action, actor_id, target_id, reason, at, until_at FROM mod_case ORDER BY id") as cur:
        return [tuple(row) for row in await cur.fetchall()]


@pytest.mark.parametrize(("locale", "words"), [("fr", "équipe d'animation"), ("en", "animators")])
async def test_a_warning_is_a_case_a_dm_and_a_mod_log_post(sim: Sim, locale: str, words: str) -> None:
    await setup(sim, locale)
    reply = await sim.command("anim", "mod warn", member="y", reason="spam @everyone <@&123>")
    assert reply["ok"] and isinstance(reply["data"]["case_id"], int), reply
    assert set(reply["data"]) == {"case_id"}
    [dm] = of(sim.last, "dm", kind="warning", user="y")
    assert words in dm["text"] and f"@{ZWSP}everyone" in dm["text"] and "@everyone" not in dm["text"]
    [log] = of(sim.last, "post", kind="mod-log", channel="mod-log")
    assert log["mentions"] == [] and "@everyone" not in log["text"]
    assert "avertissement" in log["text"] and " warn " not in log["text"]
    assert "<@&123>" not in log["text"]
    [(action, _, _, reason, at, until)] = await case_rows(sim)
    assert (action, reason, at, until) == ("warn", "spam @everyone <@&123>", sim.ctx.now_ts(), None)


async def test_a_warning_never_goes_public_when_dms_are_closed(sim: Sim) -> None:
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    await sim.join("shy", dms_closed=True)
    await sim.click("shy", "charter:accept")
    assert (await sim.command("anim", "mod warn", member="shy", reason="propos blessants"))["ok"]
    assert (await sim.command("anim", "mod timeout", member="shy", minutes=10, reason="propos blessants"))["ok"]
    public = [o for o in sim.outputs if o["type"] == "post" and o.get("kind") == "warning"]
    assert len(public) == 2 and all("propos blessants" not in o["text"] for o in public)
    assert all(o["mentions"] == ["shy"] for o in public)


async def test_warning_errors_change_nothing(sim: Sim) -> None:
    await setup(sim)
    await sim.join("gone")
    await sim.send({"type": "leave", "user": "gone"})
    for options, error in (
        ({"member": "anim", "reason": "moi"}, "conflict"),        # not on yourself
        ({"member": "ghost", "reason": "x"}, "not_found"),
        ({"member": "gone", "reason": "x"}, "conflict"),          # no longer in the community
        ({"member": "y"}, "invalid_input"),                       # a warning says why
        ({"member": "y", "reason": "x" * 501}, "invalid_input"),
    ):
        reply = await sim.command("anim", "mod warn", **options)
        assert not reply["ok"] and reply["error"] == error, (options, reply)
        assert [o["type"] for o in sim.last] == ["reply"]
    assert await case_rows(sim) == []


async def test_a_timeout_uses_the_platform_and_says_until_when(sim: Sim) -> None:
    await setup(sim, "en")
    reply = await sim.command("anim", "mod timeout", member="y", minutes=90, reason="cool down")
    assert reply["ok"], reply
    assert reply["data"]["until"] == "2026-12-01T10:30:00+01:00"
    [event] = of(sim.last, "timeout", user="y")
    assert event["until"] == "2026-12-01T10:30:00+01:00"
    [dm] = of(sim.last, "dm", kind="warning", user="y")
    assert "cool down" in dm["text"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert "· pause ·" in log["text"] and "timeout" not in log["text"]
    [(action, *_, until)] = await case_rows(sim)
    assert action == "timeout" and until == sim.ctx.now_ts() + 90 * 60
    history = await sim.command("anim", "mod history", member="y")
    assert history["data"]["cases"][0]["reason"] == "cool down"


async def test_a_timeout_reason_is_optional_but_the_duration_is_bounded(sim: Sim) -> None:
    await setup(sim)
    for minutes in (0, -5, 40321, "soon", "29 jours", "2 lunes"):
        reply = await sim.command("anim", "mod timeout", member="y", minutes=minutes)
        assert reply["error"] == "invalid_input", (minutes, reply)
        assert not of(sim.last, "timeout")
    assert (await sim.command("anim", "mod timeout", member="anim", minutes=5))["error"] == "conflict"
    assert await case_rows(sim) == []
    reply = await sim.command("anim", "mod timeout", member="y", minutes=40320)  # Discord's 28 days
    assert reply["ok"] and reply["data"]["until"].startswith("2026-12-29T09:00")


@pytest.mark.parametrize(("duration", "minutes"), [
    ("90m", 90), ("2h", 120), ("1d", 1440), ("1 semaine", 10080), ("2 jours", 2880), ("45", 45), ("1h30", 90)])
async def test_a_timeout_takes_a_duration_as_people_write_it(sim: Sim, duration: str, minutes: int) -> None:
    await setup(sim)
    reply = await sim.command("anim", "mod timeout", member="y", minutes=duration, reason="pause")
    assert reply["ok"], reply
    [(action, *_, until)] = await case_rows(sim)
    assert action == "timeout" and until == sim.ctx.now_ts() + minutes * 60
    assert ":00:00" not in reply["text"]


async def test_the_timeout_limit_comes_from_the_config(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config=config_with(moderation={"max_timeout_minutes": 60})).open()
    try:
        await setup(sim)
        assert (await sim.command("anim", "mod timeout", member="y", minutes=61))["error"] == "invalid_input"
        assert (await sim.command("anim", "mod timeout", member="y", minutes=60))["ok"]
    finally:
        await sim.close()


async def test_a_note_never_reaches_the_member(sim: Sim) -> None:
    await setup(sim)
    reply = await sim.command("anim", "mod note", member="y", text="semble débordé, à recontacter")
    assert reply["ok"] and set(reply["data"]) == {"case_id"}
    assert not of(sim.last, "dm") and not of(sim.last, "post", channel="general")
    [log] = of(sim.last, "post", kind="mod-log", channel="mod-log")
    assert "note" in log["text"]
    # A note on yourself is allowed (a reminder to the team), and so is one about someone who left.
    assert (await sim.command("anim", "mod note", member="anim", text="absent en janvier"))["ok"]


async def test_status_marks_inactive_without_excluding(sim: Sim) -> None:
    await setup(sim)
    reply = await sim.command("anim", "mod status", member="y", active=False)
    assert reply["ok"] and reply["data"] == {"member": "y", "active": False}
    assert not of(sim.last, "role") and not of(sim.last, "dm")
    async with sim.ctx.db.reader.execute("SELECT active, left_at FROM member WHERE platform_id = 'y'") as cur:
        assert tuple(await cur.fetchone()) == (0, None)
    reply = await sim.command("anim", "mod status", member="y", active="oui", reason="de retour")
    assert reply["data"] == {"member": "y", "active": True}
    reasons = [c["reason"] for c in (await sim.command("anim", "mod history", member="y"))["data"]["cases"]]
    assert reasons == ["inactive", "active — de retour"]
    assert (await sim.command("anim", "mod status", member="y"))["error"] == "invalid_input"


async def test_history_lists_every_case_about_the_member_oldest_first(sim: Sim) -> None:
    await setup(sim)
    await sim.onboard("z")
    await sim.command("anim", "mod warn", member="y", reason="premier")
    jump(sim, days=2)
    await sim.command("anim", "mod note", member="y", text="suivi")
    await sim.command("anim", "mod warn", member="z", reason="autre membre")
    # Other areas record their actions with record_case (e.g. `mod godparent`).
    async with sim.ctx.db.transaction() as tx:
        from storage.members import by_platform_id

        anim, y = await by_platform_id(tx, "console", "anim"), await by_platform_id(tx, "console", "y")
        await moderation.record_case(tx, sim.ctx, anim, "godparent", y, "marraine : anim")
    reply = await sim.command("anim", "mod history", member="y")
    cases = reply["data"]["cases"]
    assert [c["action"] for c in cases] == ["warn", "note", "godparent"]
    assert all(set(c) == {"case_id", "action", "by", "reason", "at"} for c in cases)
    assert cases[0] == {"case_id": cases[0]["case_id"], "action": "warn", "by": "anim", "reason": "premier",
                        "at": "2026-12-01T09:00:00+01:00"}
    assert cases[1]["at"] == "2026-12-03T09:00:00+01:00"
    assert "premier" in reply["text"] and "autre membre" not in reply["text"]
    empty = await sim.command("anim", "mod history", member="anim")
    assert empty["ok"] and empty["data"] == {"cases": []}
    assert (await sim.command("anim", "mod history", member="nobody"))["error"] == "not_found"


async def test_a_long_history_stays_short_in_text_but_complete_in_data(sim: Sim) -> None:
    await setup(sim, "en")
    for i in range(40):
        await sim.command("anim", "mod note", member="y", text=f"note {i}")
    reply = await sim.command("anim", "mod history", member="y")
    assert len(reply["data"]["cases"]) == 40
    assert len(reply["text"].splitlines()) <= 17 and "note 39" in reply["text"] and "note 0 " not in reply["text"]


async def test_cases_are_purged_after_the_retention_period(sim: Sim) -> None:
    await setup(sim)
    await sim.command("anim", "mod warn", member="y", reason="ancien")
    jump(sim, days=300)
    await sim.command("anim", "mod note", member="y", text="récent")
    jump(sim, days=70)  # the warning is now 370 days old (kept 365 by default), the note 70
    async with sim.ctx.db.transaction() as tx:  # the daily privacy job's body
        await privacy.purge_expired(tx, sim.ctx, sim.ctx.now())
    assert [c["action"] for c in (await sim.command("anim", "mod history", member="y"))["data"]["cases"]] == ["note"]


def test_export_includes_the_audit_log_and_the_indicators(tmp_path: Path) -> None:
    db = tmp_path / "community.sqlite"

    async def live() -> None:
        sim = await Sim(db).open()
        try:
            await setup(sim)
            await sim.command("anim", "mod warn", member="y", reason="spam")
            await sim.command("anim", "mod note", member="y", text="suivi")
        finally:
            await sim.close()

    asyncio.run(live())
    out = tmp_path / "export.json"
    assert cli_main(["export", "--db", str(db), "-o", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    log = document["audit_log"]
    assert [(c["action"], c["by"], c["target"], c["reason"]) for c in log] == [
        ("warn", "anim", "y", "spam"), ("note", "anim", "y", "suivi")]
    assert log[0]["at"].startswith("2026-12-01T09:00:00")
    indicators = document["indicators"]
    assert {"active_members", "newcomers", "retention_30d", "requests_opened", "requests_resolved",
            "median_hours_to_first_helper", "unmet_skills"} <= set(indicators)
    assert indicators["days"] == 30 and indicators["last_365_days"]["days"] == 365


async def test_a_reason_reads_as_the_moderator_wrote_it_and_stays_inert(sim: Sim) -> None:
    """`#1 de la charte` after « motif : » is no heading: shown as typed, not `\\#1`; a second line that
    would be a heading, emphasis, and pings stay escaped and inert, in the mod-log, the DM and the history."""
    await setup(sim)
    reason = "#1 de la charte @everyone <@&123>\n# GROS TITRE *gras*"
    assert (await sim.command("anim", "mod warn", member="y", reason=reason))["ok"]
    [log] = of(sim.last, "post", kind="mod-log")
    [dm] = of(sim.last, "dm", kind="warning", user="y")
    history = (await sim.command("anim", "mod history", member="y"))["text"]
    for text in (log["text"], dm["text"], history):
        assert "#1 de la charte" in text and "\\#1" not in text, text
        assert "\\# GROS TITRE \\*gras\\*" in text and f"@{ZWSP}everyone" in text and "<@&" not in text, text
    assert log["mentions"] == [] and "motif : #1 de la charte" in log["text"]
    ani = "anim"
    rid = (await sim.command(ani, "remind add", when="0 10 * * 1", text="AG"))["data"]["reminder_id"]
    [added] = of(sim.last, "post", kind="mod-log")
    assert f"motif : n°{rid} : tous les lundis" in added["text"] and "\\#" not in added["text"], added["text"]
