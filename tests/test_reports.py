"""`report`: a member flags a message to the animators; a link and a name, audited, never the words."""
from __future__ import annotations

from bot.services.moderation import MAX_REPORTS_PER_DAY
from tests.harness import Sim, of

LINK = "https://discord.com/channels/1/2/3"


async def test_a_report_reaches_animators_and_the_audit_log(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.onboard("yann")
    reply = await sim.command("ana", "report", message=LINK, member="yann")
    assert reply["ok"] and set(reply["data"]) == {"case_id", "member"} and reply["data"]["member"] == "yann"
    [alert] = of(sim.last, "post", kind="report", channel="animators")
    assert LINK in alert["text"] and "ana" in alert["text"] and "yann" in alert["text"]
    assert alert["mentions"] == []  # nobody is pinged, the author least of all
    [log] = of(sim.last, "post", kind="mod-log", channel="mod-log")
    assert "message signalé" in log["text"] and LINK in log["text"]
    assert not of(sim.last, "dm")  # the author is told nothing
    async with sim.ctx.db.reader.execute("SELECT action, reason FROM mod_case") as cur:
        assert [tuple(r) for r in await cur.fetchall()] == [("report", LINK)]


async def test_report_by_its_french_names(sim: Sim) -> None:
    await sim.onboard("ana")
    reply = await sim.command("ana", "signaler", lien=LINK)
    assert reply["ok"], reply
    [alert] = of(sim.last, "post", kind="report")
    assert "signale ce message" in alert["text"]


async def test_refused_reports_change_nothing(sim: Sim) -> None:
    await sim.onboard("ana")
    for options, error in (({"message": LINK, "member": "ana"}, "conflict"),
                           ({"message": LINK, "member": "ghost"}, "not_found"),
                           ({"message": "   "}, "invalid_input"),
                           ({"message": "x" * 301}, "invalid_input")):
        reply = await sim.command("ana", "report", **options)
        assert reply["error"] == error, (options, reply)
        assert not of(sim.last, "post")
    for _ in range(MAX_REPORTS_PER_DAY):
        assert (await sim.command("ana", "report", message=LINK))["ok"]
    assert (await sim.command("ana", "report", message=LINK))["error"] == "rate_limited"
