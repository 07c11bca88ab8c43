"""Weekly nudges, who gets them and how: a way to say stop in each, the animators' pause (kept across
restarts), off in the config, only present active members who accepted the charter, a mention when
DMs are closed, one per member and week across restarts."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.services.engagement import send_weekly_nudges
from tests.harness import of
from tests.nudge_steps import WEDNESDAY, buttons, nudges, open_sim, veteran
from tests.test_digest import set_member, ts

# Stop, pause, who and how -----------------------------------------------------------------------

async def test_the_off_button_stops_nudges_at_once(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"),
                         last_active_at=ts("2026-10-01T10:00:00+02:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert "nudges:off" in buttons(nudges(outs, "alice")[0])
        reply = await sim.click("alice", "nudges:off")
        assert reply["ok"] and reply["data"] == {"nudges": False} and "plus de petits messages" in reply["text"]
        row = await sim.ctx.db.fetchone("SELECT nudges FROM member WHERE platform_id = 'alice'")
        assert row[0] == 0
        again = await sim.click("alice", "nudges:off")
        assert again["ok"]
        await set_member(sim, "alice", last_active_at=ts("2026-10-01T10:00:00+02:00"))
        outs = await sim.advance(until="2027-02-01T00:00:00+01:00")
        assert nudges(outs, "alice") == []
    finally:
        await sim.close()


async def test_animators_pause_and_resume_every_nudge(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("ani")
        await sim.roles("ani", add=["animator"])
        await sim.onboard("alice")
        await veteran(sim, "alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        denied = await sim.command("alice", "mod nudges", paused=True)
        assert denied["error"] == "permission_denied"
        assert (await sim.command("ani", "mod nudges"))["error"] == "invalid_input"
        reply = await sim.command("ani", "mod nudges", paused=True)
        assert reply["ok"] and reply["data"] == {"paused": True}
        logs = of(sim.last, "post", kind="mod-log")
        assert len(logs) == 1 and "petits messages" in logs[0]["text"] and "nudges" not in logs[0]["text"]
        case = await sim.ctx.db.fetchone("SELECT action, reason FROM mod_case ORDER BY id DESC LIMIT 1")
        assert tuple(case) == ("nudges", "paused")
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert nudges(outs) == []
        reply = await sim.command("ani", "mod nudges", paused="false")
        assert reply["data"] == {"paused": False}
        outs = await sim.advance(until="2026-12-09T18:30:00+01:00")
        assert len(nudges(outs, "alice")) == 1
    finally:
        await sim.close()


async def test_the_pause_survives_a_restart(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("ani")
        await sim.roles("ani", add=["animator"])
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        await sim.command("ani", "mod nudges", paused=True)
        await sim.restart()
        assert nudges(await sim.advance(until="2026-12-02T18:30:00+01:00")) == []
    finally:
        await sim.close()


async def test_nudges_disabled_in_the_config(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, nudges={"enabled": False})
    try:
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        assert nudges(await sim.advance(until="2026-12-10T00:00:00+01:00")) == []
    finally:
        await sim.close()


async def test_only_present_active_members_with_nudges_on_who_accepted_the_charter(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        stale = ts("2026-01-01T10:00:00+01:00")
        for user in ("ok", "inactive", "gone", "muted"):
            await sim.onboard(user)
            await set_member(sim, user, profile_updated_at=stale)
        await sim.join("pending")  # never accepted the charter
        await set_member(sim, "pending", profile_updated_at=stale)
        await set_member(sim, "inactive", active=0)
        await set_member(sim, "muted", nudges=0)
        await sim.send({"type": "leave", "user": "gone"})
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert sorted(n["user"] for n in nudges(outs)) == ["ok"]
    finally:
        await sim.close()


async def test_closed_dms_become_a_mention_in_the_channel(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.join("alice", dms_closed=True)
        await sim.click("alice", "charter:accept")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        found = nudges(outs, "alice")
        assert len(found) == 1 and found[0]["type"] == "post" and found[0]["mentions"] == ["alice"]
    finally:
        await sim.close()


async def test_one_nudge_per_member_per_week_across_restarts(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        users = [f"m{n:02d}" for n in range(15)]
        for user in users:
            await sim.onboard(user)
            await set_member(sim, user, profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        outs = await sim.advance(until=WEDNESDAY)
        first = nudges(outs)
        assert 0 < len(first) < 15  # a burst, then paced over the evening
        await sim.restart(crash=True)
        rest = nudges(sim.startup)  # what the crash left pending goes out at start-up
        await sim.restart(start="2026-12-02T18:30:00+01:00", crash=True)
        outs = await sim.advance(until="2026-12-06T00:00:00+01:00")
        assert rest and nudges(sim.startup) == [] and nudges(outs) == []
        everything = [n["user"] for n in nudges(sim.outputs)]
        assert sorted(everything) == users  # each member exactly once
        # A second run of the same week (e.g. by hand) finds everyone already nudged.
        async with sim.ctx.db.transaction() as tx:
            await send_weekly_nudges(tx, sim.ctx, datetime.fromisoformat(WEDNESDAY))
        outs = await sim.advance(by="1h")
        assert nudges(outs) == []
        assert len(await sim.ctx.db.fetchall("SELECT 1 FROM nudge")) == 15
    finally:
        await sim.close()
