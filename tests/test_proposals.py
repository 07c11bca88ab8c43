"""Proposals: supports, a secret vote with a quorum, the result, volunteers; bad input and rights."""
from __future__ import annotations

from pathlib import Path

from storage import members as members_repo
from tests.harness import Sim, config_with, of

START = "2026-12-01T09:00:00+01:00"


async def veteran(sim: Sim, user: str, **profile: str) -> None:
    await sim.onboard(user, **profile)
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, user)
    assert member is not None
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, member.id, joined_at=sim.ctx.now_ts() - 60 * 86400)


async def test_a_proposal_gathers_supports_is_voted_secretly_and_finds_volunteers(tmp_path: Path) -> None:
    config = config_with(proposals={"supports_needed": 2, "vote_days": 3, "quorum_percent": 40})
    sim = await Sim(tmp_path / "db.sqlite", config=config, start=START).open()
    for user in ("alice", "bruno", "cora", "dede"):
        await veteran(sim, user)
    await veteran(sim, "menuisier", skills="menuiserie")
    created = await sim.command("alice", "proposal new", title="Un atelier vélo", details="Dans la cour",
                                needs="menuiserie, Mécanique")
    assert created["ok"], created
    pid = created["data"]["proposal_id"]
    post = of(sim.last, "post", kind="proposal")[0]
    assert post["components"][0]["custom_id"] == f"proposal:support:{pid}"
    assert (await sim.command("alice", "proposal support", id=pid))["error"] == "conflict"  # one's own
    first = await sim.click("bruno", f"proposal:support:{pid}")
    assert first["data"] == {"proposal_id": pid, "supports": 1, "status": "open"}
    assert (await sim.command("bruno", "proposal support", id=pid))["error"] == "conflict"
    second = await sim.command("cora", "proposal support", id=pid)
    assert second["data"] == {"proposal_id": pid, "supports": 2, "status": "voting"}
    ballot = of(sim.last, "post", kind="proposal-vote")
    assert len(ballot) == 1 and ballot[0]["components"][0]["custom_id"] == f"proposal:vote:{pid}"
    assert [o["value"] for o in ballot[0]["components"][0]["options"]] == ["for", "against", "abstain"]

    assert (await sim.command("bruno", "proposal vote", id=pid, choice="pour"))["data"] == {
        "proposal_id": pid, "voted": True}
    assert (await sim.click("cora", f"proposal:vote:{pid}", ["against"]))["ok"]
    assert (await sim.click("cora", f"proposal:vote:{pid}", ["for"]))["ok"]  # changed before the close
    assert (await sim.command("dede", "proposal vote", id=pid, choice="peut-être"))["error"] == "invalid_input"
    shown = await sim.command("dede", "proposal show", id=pid)
    assert shown["data"]["status"] == "voting" and "votes" not in shown["data"]  # no running tally

    await sim.restart(crash=True)
    outs = await sim.advance(by="3d")
    results = of(outs, "post", kind="proposal-result")
    assert len(results) == 1 and "adoptée" in results[0]["text"] and "Pour : 2" in results[0]["text"]
    assert "bruno" not in results[0]["text"] and "cora" not in results[0]["text"]  # counts, never who
    volunteers = of(outs, "dm", kind="proposal-volunteers")
    assert [d["user"] for d in volunteers] == ["menuisier"]
    assert of(outs, "dm", kind="proposal-result", user="alice")
    shown = await sim.command("dede", "proposal show", id=pid)
    assert shown["data"]["status"] == "accepted"
    assert shown["data"]["votes"] == {"for": 2, "against": 0, "abstain": 0}
    async with sim.ctx.db.reader.execute("SELECT COUNT(*) FROM proposal_ballot") as cur:
        assert (await cur.fetchone())[0] == 0  # ballots destroyed once counted
    await sim.restart(crash=True)
    outs = await sim.advance(by="7d")
    assert not of(outs, "post", kind="proposal-result")
    await sim.close()


async def test_no_quorum_is_not_adopted_and_animators_can_close(tmp_path: Path) -> None:
    config = config_with(proposals={"supports_needed": 5, "quorum_percent": 50})
    sim = await Sim(tmp_path / "db.sqlite", config=config, start=START).open()
    for user in ("alice", "bruno", "cora", "dede", "eve"):
        await veteran(sim, user)
    await sim.roles("eve", add=["animator"])
    pid = (await sim.command("alice", "proposal new", title="Repeindre la salle"))["data"]["proposal_id"]
    assert (await sim.command("bruno", "proposal close", id=pid))["error"] == "permission_denied"
    opened = await sim.command("eve", "proposal close", id=pid)
    assert opened["data"] == {"proposal_id": pid, "status": "voting"}
    await sim.command("bruno", "proposal vote", id=pid, choice="for")
    closed = await sim.command("eve", "proposal close", id=pid)
    assert closed["data"]["status"] == "rejected"
    assert "il en fallait au moins 3" in of(sim.last, "post", kind="proposal-result")[0]["text"]
    assert (await sim.command("eve", "proposal close", id=pid))["error"] == "conflict"
    await sim.close()


async def test_withdraw_rights_and_bad_input(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=START).open()
    await veteran(sim, "alice")
    await veteran(sim, "bruno")
    assert (await sim.command("alice", "proposal new", title=" "))["error"] == "invalid_input"
    assert (await sim.command("alice", "proposal new", title="x" * 101))["error"] == "invalid_input"
    pid = (await sim.command("alice", "proposal new", title="Un potager"))["data"]["proposal_id"]
    assert (await sim.command("bruno", "proposal withdraw", id=pid))["error"] == "permission_denied"
    assert (await sim.command("bruno", "proposal vote", id=pid, choice="for"))["error"] == "conflict"
    assert (await sim.command("alice", "proposal withdraw", id=pid))["data"] == {
        "proposal_id": pid, "status": "withdrawn"}
    assert (await sim.command("bruno", "proposal support", id=pid))["error"] == "conflict"
    assert (await sim.command("bruno", "proposal show", id=999))["error"] == "not_found"
    assert (await sim.click("bruno", "proposal:support:1e3"))["error"] == "not_found"
    listed = await sim.command("bruno", "proposal list")
    assert listed["data"]["proposals"] == [{"proposal_id": pid, "title": "Un potager", "status": "withdrawn",
                                            "supports": 0}]
    await sim.close()


async def test_the_proposal_and_vote_posts_follow_supports_the_vote_and_the_result(tmp_path: Path) -> None:
    """Posts that live (issue 17): supports counted in place, the support button gone once the vote
    opens, the vote's menu gone once decided; nothing posted twice."""
    config = config_with(proposals={"supports_needed": 2, "vote_days": 3, "quorum_percent": 40})
    sim = await Sim(tmp_path / "db.sqlite", config=config, start=START).open()
    try:
        for user in ("alice", "bruno", "cora"):
            await veteran(sim, user)
        created = await sim.command("alice", "proposal new", title="Un atelier vélo")
        [post] = of(sim.last, "post", kind="proposal")
        assert post["message"]
        assert (await sim.click("bruno", f"proposal:support:{created['data']['proposal_id']}"))["ok"]
        [supported] = of(sim.last, "edit", message=post["message"])
        assert supported["text"] != post["text"] and supported["components"] == post["components"]
        assert (await sim.command("cora", "proposal support", id=created["data"]["proposal_id"]))["ok"]
        [voting] = of(sim.last, "edit", message=post["message"])
        assert voting["components"] == [] and "Au vote." in voting["text"]
        [ballot] = of(sim.last, "post", kind="proposal-vote")
        outs = await sim.advance(by="3d")
        [decided] = of(outs, "edit", message=ballot["message"])
        assert decided["components"] == [] and "Non adoptée." in decided["text"]  # nobody voted: no quorum
        assert len(of(sim.outputs, "post", kind="proposal")) == 1
    finally:
        await sim.close()
