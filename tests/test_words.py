"""One voice in what people read: the winner celebrated alone, farewells about the person, a godparent
who left said to have left, the real reason when nobody can be a godparent, a poll nobody can vote in."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of
from tests.onboarding_steps import godparent_of, volunteer
from tests.poll_steps import CLOSE, community, open_poll, select_id, thank


async def test_the_result_celebrates_the_winner_only(sim: Sim) -> None:
    await community(sim, "bruno", "leo", "v1", "v2")
    await thank(sim, "bruno", 3)
    await thank(sim, "leo", 1)
    post = await open_poll(sim)
    for voter in ("v1", "v2"):
        assert (await sim.click(voter, select_id(post), ["bruno"]))["ok"]
    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert result["mentions"] == ["bruno"] and "@bruno" in result["text"]
    assert "leo" not in result["text"] and " 0" not in result["text"]
    assert "vous apportez" not in result["text"]
    status = await sim.command("v1", "motm status")
    assert "leo 0" not in status["text"] and "bruno 2" in status["text"]


async def test_a_poll_without_votes_gets_a_sentence_and_no_chart(sim: Sim) -> None:
    await community(sim, "bruno", "leo")
    await thank(sim, "bruno", 2)
    await open_poll(sim)
    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert not result.get("attachments") and "bruno" in result["text"]
    # spoken to the nominees, not « Merci quand même à bruno pour tout ce que vous apportez »
    assert "Merci quand même, bruno, pour tout ce que vous apportez" in result["text"], result["text"]
    status = await sim.command("bruno", "motm status")
    assert status["text"] == "Le dernier vote du membre du mois s'est clos sans aucun vote.", status["text"]
    assert status["data"]["winner"] is None and status["data"]["status"] == "closed"


async def test_the_farewell_speaks_about_the_person_to_the_community(sim: Sim) -> None:
    await sim.onboard("bob", "fr")
    outs = await sim.send({"type": "leave", "user": "bob"})
    [farewell] = of(outs, "post", kind="farewell", channel="welcome")
    assert "bob a quitté Entraide" in farewell["text"] and "Merci à bob" in farewell["text"]
    assert "vous avez" not in farewell["text"]


async def test_a_godchild_is_told_their_godparent_left(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await volunteer(sim, "carol", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "bob"
    outs = await sim.send({"type": "leave", "user": "bob"})
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "bob a quitté la communauté" in to_alice["text"] and "moins disponible" not in to_alice["text"]
    outs = await sim.send({"type": "leave", "user": "carol"})
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "carol a quitté la communauté" in to_alice["text"] and "Nous vous cherchons" in to_alice["text"]


async def test_the_no_godparent_alert_gives_the_real_reason(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    [needed] = of(sim.last, "post", kind="godparent-needed", channel="animators")
    assert "aucune personne volontaire pour parrainer pour l'instant" in needed["text"]

    await volunteer(sim, "bob", languages="fr")  # volunteers today: 14 days short of the tenure
    await sim.onboard("carla", "fr")
    [needed] = of(sim.last, "post", kind="godparent-needed", channel="animators")
    assert "1 personne volontaire est arrivée trop récemment" in needed["text"]
    assert "15 déc" in needed["text"]
    assert "tous ont" not in needed["text"] and "filleuls" not in needed["text"]


async def test_the_no_godparent_alert_says_when_everyone_is_full(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.advance(by="15d")
    for newcomer in ("n1", "n2", "n3", "n4"):
        await sim.onboard(newcomer, "fr")
    [needed] = of(sim.last, "post", kind="godparent-needed", channel="animators")
    assert "accompagne déjà le maximum de filleul·e·s (3)" in needed["text"]


async def test_opening_a_poll_nobody_can_vote_in_warns_the_animator(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "young.sqlite", start="2026-12-10T09:00:00+01:00").open()
    try:
        await sim.roles("anim", add=["animator"])
        for user in ("anim", "bruno", "leo"):
            await sim.onboard(user, "fr")
        await thank(sim, "bruno", 1, at="2026-12-10T09:30:00+01:00")
        await sim.advance(by="1h")
        reply = await sim.command("anim", "motm open")
        assert reply["ok"] and "Personne ne peut encore voter" in reply["text"]
        assert "17 déc" in reply["text"]
        [notice] = of(sim.last, "post", kind="motm-notice", channel="animators")
        assert "Personne ne peut encore voter" in notice["text"]
    finally:
        await sim.close()


async def test_the_first_of_the_month_in_a_new_community_warns_too(sim: Sim) -> None:
    for user in ("bruno", "leo"):
        await sim.onboard(user, "fr")
    outs = await sim.advance(until="2026-12-01T10:00:00+01:00")
    notices = " ".join(n["text"] for n in of(outs, "post", kind="motm-notice", channel="animators"))
    assert "Personne ne peut encore voter" in notices and "8 déc" in notices


async def test_a_poll_with_voters_opens_without_a_warning(sim: Sim) -> None:
    await community(sim, "bruno", "leo", "v1")
    await thank(sim, "bruno", 2)
    outs = await sim.advance(until="2026-12-01T10:00:00+01:00")
    assert of(outs, "post", kind="motm-poll") and not of(outs, "post", kind="motm-notice")


async def test_helpers_are_told_others_were_asked_in_one_inclusive_form(sim: Sim) -> None:
    await sim.onboard("bob", "fr", skills="plomberie")
    await sim.onboard("alice", "fr")
    assert (await sim.command("alice", "request new", title="Fuite", skills="plomberie"))["ok"]
    [ping] = of(sim.last, "dm", kind="helper-ping", user="bob")
    assert "d'autres membres sont aussi prévenu·e·s." in ping["text"], ping["text"]


async def test_erasing_without_confirm_says_what_to_type(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    reply = await sim.command("alice", "profile delete")
    assert "tapez « profile delete confirm=true »" in reply["text"] and "relanc" not in reply["text"], reply


async def test_the_help_list_reads_alike_for_animators(sim: Sim) -> None:
    """Every line of `help` is « • command — what it does », lower case, no final period: the moderation
    commands read like the others (they began with a capital and ended with a period)."""
    await sim.onboard("ana", "fr")
    await sim.roles("ana", add=["animator"])
    lines: list[str] = []
    page = await sim.command("ana", "help")
    for number in range(2, 6):
        lines += [line for line in page["text"].splitlines() if line.startswith("• ")]
        if not page.get("components"):
            break
        page = await sim.click("ana", f"page:help::{number}")
    described = [line.split(" — ", 1)[1] for line in lines]
    assert any(line.startswith("• mod warn — ") for line in lines), lines
    assert all(text[:1].islower() and not text.endswith(".") for text in described), described
