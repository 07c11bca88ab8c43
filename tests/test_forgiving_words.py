"""What members and animators type the way they say it, found trying the bot through the console: an
event's kind in French or in the plural, a slot named in the plural, quiet hours as « de 22h à 7h » and an
option written in words (`heures calmes=…`)."""
from __future__ import annotations

import pytest

from bot.services.profiles import parse_quiet_hours
from tests.harness import Sim, of


@pytest.fixture
async def animator(sim: Sim) -> Sim:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    return sim


async def text(sim: Sim, user: str, line: str) -> dict:
    [reply] = of(await sim.send({"type": "command", "user": user, "text": line}), "reply")
    return reply


@pytest.mark.parametrize(("kind", "stored"), [
    ("permanence", "shift"), ("Permanences", "shift"), ("Shift", "shift"), ("SHIFTS", "shift"),
    ("rencontre", "gathering"), ("Rencontres", "gathering"), ("Gathering", "gathering"),
    ("séance d'information", "session"), ("Séance d’information", "session"), ("seance", "session"),
    ("approfondissement", "deepening"), ("Deepening", "deepening"),
])
async def test_an_event_kind_reads_in_french_english_any_case_or_plural(animator: Sim, kind: str,
                                                                        stored: str) -> None:
    made = await animator.command("ana", "event new", title="Essai", when="2026-12-05T10:00:00+01:00", kind=kind)
    assert made["ok"], made
    [event] = (await animator.command("ana", "event list"))["data"]["events"]
    assert event["kind"] == stored


async def test_an_unknown_kind_is_refused_in_french_words_and_event_edit_reads_kinds_too(animator: Sim) -> None:
    bad = await animator.command("ana", "event new", title="Essai", when="2026-12-05T10:00:00+01:00", kind="pique")
    assert bad["error"] == "invalid_input"
    assert "type inconnu « pique »" in bad["text"] and "permanence" in bad["text"], bad["text"]
    assert "shift" not in bad["text"] and "gathering" not in bad["text"]
    assert (await animator.command("ana", "event list"))["data"]["events"] == []
    made = await text(animator, "ana", "événement nouveau titre=Apéro quand=5/12 19h type=Rencontre")
    assert made["ok"], made
    edited = await animator.command("ana", "event edit", id=made["data"]["event_id"], kind="Permanence")
    assert edited["ok"], edited
    [event] = (await animator.command("ana", "event list"))["data"]["events"]
    assert event["kind"] == "shift"


async def test_a_slot_named_in_the_plural_or_another_case_is_that_slot(animator: Sim) -> None:
    await animator.onboard("bob")
    made = await animator.command("ana", "event new", title="Distribution", when="2026-12-05T10:00:00+01:00",
                                  slots="accueil:2, caisse:1")
    reply = await text(animator, "bob", f"événement rejoindre {made['data']['event_id']} créneau=Caisses")
    assert reply["ok"], reply
    assert reply["data"]["slot"] == "caisse"


@pytest.mark.parametrize("typed", ["22-07", "22h-7h", "22 h – 7 h", "de 22h à 7h", "De 22 h à 7 h",
                                   "entre 22h et 7h", "22h à 7h", "from 22 to 7", "10pm-7am",
                                   "from 10pm to 7am", "10 pm – 7 am"])
def test_quiet_hours_read_as_people_write_them(typed: str) -> None:
    assert parse_quiet_hours(typed) == (22, 7)


async def test_heures_calmes_written_in_words_set_the_quiet_hours(sim: Sim) -> None:
    await sim.onboard("bob")
    reply = await text(sim, "bob", "profil modifier heures calmes=de 22h à 7h fuseau horaire=Europe/Paris")
    assert reply["ok"], reply
    row = await sim.ctx.db.fetchone("SELECT quiet_start, quiet_end, timezone FROM member WHERE handle = 'bob'")
    assert tuple(row) == (22, 7, "Europe/Paris")
    bad = await text(sim, "bob", "profil modifier heures calmes=soir")
    assert bad["error"] == "invalid_input" and "« soir »" in bad["text"] and "« aucune »" in bad["text"], bad


async def test_a_vote_and_attendance_typed_without_their_keys(sim: Sim) -> None:
    from tests.harness import config_with

    await sim.close()
    voting = await Sim(sim.db.with_name("votes.sqlite"),
                       config_with(proposals={"supports_needed": 1, "quorum_percent": 1})).open()
    try:
        for user in ("ana", "bob", "cat", "dan"):
            await voting.join(user, joined_at="2025-01-01T10:00:00+01:00")
        await voting.roles("ana", add=["animator"])
        assert (await voting.command("ana", "setup adopt"))["ok"]
        await voting.command("bob", "proposal new", title="Jardin partagé", details="Un potager")
        assert (await text(voting, "cat", "proposition soutenir 1"))["data"]["status"] == "voting"
        for user, said in (("cat", "proposition voter 1 pour"), ("dan", "proposition voter 1 je m'abstiens"),
                           ("ana", "proposal vote 1 Contre")):
            reply = await text(voting, user, said)
            assert reply["ok"] and reply["data"]["voted"], (said, reply)
        closed = await voting.command("ana", "proposal close", id=1)
        [result] = [o for o in voting.last if o.get("kind") == "proposal-result" and o["type"] == "post"]
        assert "Pour : 1 · Contre : 1 · Abstention : 1" in result["text"], (closed, result)
        made = await voting.command("ana", "event new", title="Ménage", when="2026-12-01T10:00:00+01:00")
        assert (await voting.command("cat", "event join", id=made["data"]["event_id"]))["ok"]
        await voting.advance(by="3h")
        attended = await text(voting, "ana", f"événement présents {made['data']['event_id']} cat, dan")
        assert attended["ok"] and attended["data"]["attended"] == 2, attended
    finally:
        await voting.close()


async def test_setting_quiet_hours_says_what_they_now_are(sim: Sim) -> None:
    await sim.onboard("bob")
    reply = await text(sim, "bob", "profil modifier heures calmes=de 23h à 7h")
    assert "heures calmes : 23 h – 7 h" in reply["text"], reply["text"]
    skills_only = await text(sim, "bob", "profil modifier compétences=jardinage")
    assert "heures calmes" not in skills_only["text"], skills_only["text"]


async def test_an_edit_never_drops_a_volunteer_s_slot_from_under_them(animator: Sim) -> None:
    await animator.onboard("cat")
    made = await animator.command("ana", "event new", title="Ménage", when="2026-12-05T10:00:00+01:00",
                                  slots="balai:2, cuisine:1")
    event_id = made["data"]["event_id"]
    assert (await animator.command("cat", "event join", id=event_id, slot="cuisine"))["ok"]
    refused = await animator.command("ana", "event edit", id=event_id, slots="balai:1")
    assert refused["error"] == "conflict", refused
    assert "1 personne tient le créneau « cuisine »" in refused["text"] and "Rien n'a changé" in refused["text"]
    shown = await animator.command("ana", "event show", id=event_id)
    assert [s["slot"] for s in shown["data"]["slots"]] == ["balai", "cuisine"]
    assert (await animator.command("ana", "event edit", id=event_id, slots="balai:1, cuisine:2"))["ok"]


async def test_help_names_the_kinds_in_the_reader_s_words(animator: Sim) -> None:
    shown = await text(animator, "ana", "aide événement nouveau")
    assert "au choix : séance d'information, séance d'approfondissement, rencontre, permanence bénévole" \
        in shown["text"], shown["text"]
    assert "shift" not in shown["text"]


async def test_an_edit_never_takes_a_place_from_someone_signed_up(animator: Sim) -> None:
    await animator.onboard("bob")
    await animator.onboard("cat")
    made = await animator.command("ana", "event new", title="Balade", when="2026-12-02T10:00:00+01:00", capacity=3)
    event_id = made["data"]["event_id"]
    for user in ("bob", "cat"):
        assert (await animator.command(user, "event join", id=event_id))["ok"]
    refused = await animator.command("ana", "event edit", id=event_id, capacity=1)
    assert refused["error"] == "conflict", refused
    assert "2 personnes sont déjà inscrites : gardez au moins 2 places" in refused["text"], refused["text"]
    assert (await animator.command("ana", "event show", id=event_id))["data"]["free"] == 1
    assert (await animator.command("ana", "event edit", id=event_id, capacity=2))["ok"]


async def test_an_option_named_in_words_without_an_equals_sign_takes_the_words_after_it(animator: Sim) -> None:
    await animator.onboard("bob")
    reply = await text(animator, "bob", "profil modifier heures calmes 22h-7h")
    assert reply["ok"] and reply["data"]["skills"] == [], reply  # not a skill « heures calmes 22h-7h »
    row = await animator.ctx.db.fetchone("SELECT quiet_start, quiet_end FROM member WHERE handle = 'bob'")
    assert tuple(row) == (22, 7)
    made = await animator.command("ana", "event new", title="Ménage", when="2026-12-05T10:00:00+01:00",
                                  slots="balai:2, cuisine:1")
    joined = await text(animator, "bob", f"événement rejoindre {made['data']['event_id']} créneau cuisine")
    assert joined["ok"] and joined["data"]["slot"] == "cuisine", joined
    warned = await text(animator, "ana", "mod warn bob raison trop de messages")
    assert warned["ok"], warned
    [dm] = [o for o in animator.last if o["type"] == "dm" and o["user"] == "bob"]
    assert "trop de messages" in dm["text"] and "raison trop" not in dm["text"], dm["text"]


@pytest.mark.parametrize(("typed", "choice"), [("Acceptée", "accepted"), ("acceptées", "accepted"),
                                               ("ENVOYÉE", "send"), ("Envoyer", "send"), ("Accepted", "accepted")])
def test_setup_adopt_charter_reads_french_any_case_or_accent(typed: str, choice: str) -> None:
    from bot.services.setup import parse_charter_choice

    assert parse_charter_choice(typed) == choice


async def test_a_yes_no_option_named_then_its_answer_never_becomes_a_skill(sim: Sim) -> None:
    await sim.onboard("zoe", skills="plomberie")
    reply = await text(sim, "zoe", "profil modifier disponible non")
    assert reply["ok"] and reply["data"]["skills"] == ["plomberie"], reply  # « non » was made her only skill
    row = await sim.ctx.db.fetchone("SELECT available FROM member WHERE handle = 'zoe'")
    assert row[0] == 0
    again = await text(sim, "zoe", "profil modifier disponible oui visible")
    assert again["ok"] and again["data"]["skills"] == ["plomberie"], again
    row = await sim.ctx.db.fetchone("SELECT available, visible FROM member WHERE handle = 'zoe'")
    assert tuple(row) == (1, 1)
