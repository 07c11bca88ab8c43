"""Issue 21: deepening sessions replace the free-text `community.deepening_session`. The six-month
check-in (the newcomer's and their godparent's) names the next deepening session when one is planned,
in a language the member speaks, instead of « demandez la prochaine date à l'équipe d'animation »."""
from __future__ import annotations

from pathlib import Path

from storage import members as members_repo
from tests.harness import Sim, of
from tests.test_events import OCTOBER, aged, animator


async def test_the_six_month_check_in_names_the_planned_deepening_session(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("zoe")
    await sim.onboard("emma", locale="en")
    await sim.onboard("gaby")
    for user in ("zoe", "emma", "gaby"):
        await aged(sim, user, 179)
    zoe = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "zoe")
    gaby = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "gaby")
    assert zoe is not None and gaby is not None
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, zoe.id, godparent_id=gaby.id)
    reply = await sim.command("ana", "event new", title="Approfondir", when="2026-10-20T18:00", kind="deepening")
    eid = reply["data"]["event_id"]
    outs = await sim.advance(by="2d")
    [checkin] = [o for o in of(outs, "dm", kind="checkin", user="zoe")]
    assert "« Approfondir », mardi 20 octobre, de 18 h à 20 h" in checkin["text"], checkin["text"]
    assert f"event join id={eid}" in checkin["text"], checkin["text"]
    assert "équipe d'animation" not in checkin["text"], checkin["text"]
    [english] = [o for o in of(outs, "dm", kind="checkin", user="emma")]
    assert "“Approfondir”" in english["text"] and "ask the animators" not in english["text"], english["text"]
    to_godparent = [o for o in of(outs, "dm", kind="checkin", user="gaby") if "@zoe" in o["text"]]
    assert to_godparent and "« Approfondir »" in to_godparent[0]["text"], of(outs, "dm", user="gaby")
    assert "event join" not in to_godparent[0]["text"]  # the sign-up hint is for the newcomer
    await sim.close()


async def test_without_a_planned_session_the_check_in_keeps_the_configured_words(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("zoe")
    await aged(sim, "zoe", 179)
    outs = await sim.advance(by="2d")
    [checkin] = of(outs, "dm", kind="checkin", user="zoe")
    assert "demandez la prochaine date à l'équipe d'animation" in checkin["text"], checkin["text"]
    await sim.close()
