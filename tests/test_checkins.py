"""Newcomer check-ins: after 7, 30 and 180 days (configurable), to the newcomer and their godparent,
once each across restarts and downtime, never to those who said stop, one DM per godparent and day,
paced like every bulk job message."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of
from tests.onboarding_steps import Outs, godparent_of, open_sim, stay_active, volunteer

# Check-ins --------------------------------------------------------------------------------------

def about_alice(outs: Outs) -> Outs:
    """Bob's check-ins about his godchild (he also gets his own, as a newcomer)."""
    return [o for o in of(outs, "dm", kind="checkin", user="bob") if "@alice" in o["text"]]


async def test_check_ins_at_7_30_and_180_days_once_each_to_both(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"deepening_session": "le 1er jeudi du mois à 19h"})
    try:
        await volunteer(sim, "bob", languages="fr")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        outs = await sim.advance(by="6d")
        assert not of(outs, kind="checkin")
        outs = await sim.advance(by="1d")
        [to_alice] = of(outs, "dm", kind="checkin", user="alice")
        [to_bob] = about_alice(outs)
        assert to_alice["text"] != to_bob["text"]
        assert "une semaine" in to_alice["text"] and "@bob" in to_alice["text"]
        assert "@alice" in to_bob["text"]
        assert to_alice["components"][0]["custom_id"] == "nudges:off"

        outs = await stay_active(sim, 23, ("bob", "alice"))
        assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
        assert "un mois" in of(outs, "dm", kind="checkin", user="alice")[0]["text"]
        assert len(about_alice(outs)) == 1

        outs = await stay_active(sim, 150, ("bob", "alice"))
        [final] = of(outs, "dm", kind="checkin", user="alice")
        assert "six mois" in final["text"] and "le 1er jeudi du mois à 19h" in final["text"]
        [final_bob] = about_alice(outs)
        assert "le 1er jeudi du mois à 19h" in final_bob["text"]

        outs = await stay_active(sim, 10, ("bob", "alice"))
        assert not of(outs, kind="checkin")
    finally:
        await sim.close()


async def test_check_ins_speak_english_and_have_a_default_session_wording(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await sim.onboard("zoe", "en")
        outs = await sim.advance(by="7d")
        [week] = of(outs, "dm", kind="checkin", user="zoe")
        assert "a week" in week["text"] and "animators" in week["text"]  # no godparent: the animators
        outs = await sim.advance(by="23d")
        [final] = of(outs, "dm", kind="checkin", user="zoe")
        assert "a month" in final["text"] and "ask the animators for the next date" in final["text"]
    finally:
        await sim.close()


async def test_each_check_in_fires_once_across_restarts(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1
    await sim.restart(crash=True)  # same instant: the day's run is already recorded
    await sim.restart(crash=True, start="2026-12-08T12:00:00+01:00")
    await sim.advance(by="1d")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1


async def test_a_check_in_missed_while_down_goes_out_at_the_next_daily_run(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="6d")
    await sim.crash()
    await sim.open("2026-12-10T08:00:00+01:00")  # down on day 7 and 8, back before day 9's run
    assert not of(sim.startup, kind="checkin")
    outs = await sim.advance(by="2h")
    assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
    outs = await sim.advance(by="3d")
    assert not of(outs, kind="checkin")


async def test_no_check_in_to_members_who_turned_automatic_messages_off(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    assert (await sim.command("alice", "profile set", nudges=False))["ok"]
    outs = await sim.advance(by="8d")
    assert not of(outs, kind="checkin")


async def test_check_in_offsets_are_configurable(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10]})
    try:
        await sim.onboard("alice", "en")
        outs = await sim.advance(by="3d")
        [first] = of(outs, "dm", kind="checkin", user="alice")
        assert "3 days" in first["text"]
        outs = await sim.advance(by="7d")
        [last] = of(outs, "dm", kind="checkin", user="alice")
        assert "10 days" in last["text"] and "deeper session" in last["text"]
    finally:
        await sim.close()


async def test_check_in_messages_are_paced_like_every_bulk_job_message(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    rows = await sim.ctx.db.fetchall("SELECT paced FROM outbox WHERE kind = 'checkin'")
    assert [tuple(r) for r in rows] == [(1,)]


# One check-in DM per godparent and day; batches equal the one-by-one path -----------------------

async def test_a_godparent_with_several_godchildren_due_the_same_day_gets_one_check_in(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await volunteer(sim, "bob", "en", languages="fr,en")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        await sim.onboard("carol", "fr")
        assert await godparent_of(sim, "alice") == "bob" and await godparent_of(sim, "carol") == "bob"
        outs = await sim.advance(by="7d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@alice" in to_bob["text"] and "@carol" in to_bob["text"]
        assert "News of your 2 godchildren" in to_bob["text"] and "a week with us" in to_bob["text"]
        assert to_bob["components"][0]["custom_id"] == "nudges:off"
        assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
        assert len(of(outs, "dm", kind="checkin", user="carol")) == 1
        outs = await stay_active(sim, 23, ("bob", "alice", "carol"))
        [final] = [o for o in of(outs, "dm", kind="checkin", user="bob") if "@alice" in o["text"]]  # + his own
        assert "@carol" in final["text"] and "deeper session" in final["text"]
    finally:
        await sim.close()


async def test_one_godchild_due_keeps_the_single_check_in_wording_in_french(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await volunteer(sim, "bob", "fr", languages="fr")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        await sim.advance(by="1d")
        await sim.onboard("carol", "fr")
        outs = await sim.advance(by="6d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@alice, votre filleul·e" in to_bob["text"] and "@carol" not in to_bob["text"]
        outs = await sim.advance(by="1d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@carol, votre filleul·e" in to_bob["text"]
    finally:
        await sim.close()


async def test_a_batched_check_in_row_is_the_row_send_dm_writes(sim: Sim) -> None:
    from bot.outbox import Component, send_dm
    from bot.services.checkins import dm_row
    from storage import members as members_repo
    from storage import outbox as outbox_repo

    await sim.onboard("alice")
    await sim.onboard("bob")
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET dms_closed = 1 WHERE platform_id = 'bob'")
    ctx, now = sim.ctx, sim.ctx.now_ts()
    columns = "kind, op, target, payload, paced, not_before, key, created_at"
    for user in ("alice", "bob"):
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, user)
        assert member is not None
        button = Component("nudges:off", "Stop", style="secondary")
        async with ctx.db.transaction() as tx:
            await send_dm(tx, ctx, member, "checkin", "Bonjour", components=[button],
                          fallback_channel=ctx.config.channels.welcome, paced=True, key=f"one:{user}")
            row = dm_row(ctx, member, "checkin", "Bonjour", [button], ctx.config.channels.welcome, f"many:{user}", now)
            await outbox_repo.enqueue_many(tx, [row])
        one = await ctx.db.fetchone(f"SELECT {columns} FROM outbox WHERE key = ?", (f"one:{user}",))
        many = await ctx.db.fetchone(f"SELECT {columns} FROM outbox WHERE key = ?", (f"many:{user}",))
        assert tuple(one)[:6] == tuple(many)[:6] and one[7] == many[7]
