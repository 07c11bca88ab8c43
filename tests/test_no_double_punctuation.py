"""Found trying the bot through the console: a reason that ends its own sentence got a second stop
(« Raison : Doublon.. »), a place typed with a final period closed a parenthesis after it (« La cour.). »),
and another community's time zone opened parentheses inside parentheses (« (… (heure de Montréal)) »)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import Translator
from bot.services import event_outreach
from tests.harness import Sim, of
from tests.network_places import command, network, onboard
from tests.test_network_sides import _abroad, _payloads


@pytest.mark.parametrize(("reason", "said"), [("Doublon de la n°3.", "Raison : Doublon de la n°3. Une"),
                                              ("Spam !", "Raison : Spam ! Une"), ("doublon", "Raison : doublon. Une")])
def test_a_reason_ending_its_own_sentence_gets_no_second_stop(reason: str, said: str) -> None:
    text = Translator().t("fr", "requests.closed_for_requester", title="Haie", id=3, reason=reason)
    assert said in text, text


async def test_a_closed_request_and_an_event_place_read_with_one_stop(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob")
    opened = await sim.command("bob", "request new", title="Haie", skills="jardinage")
    closed = await sim.command("ana", "mod close-request", id=opened["data"]["request_id"], reason="Doublon.")
    assert closed["ok"], closed
    texts = [o["text"] for o in sim.outputs if o.get("text")]
    assert any("Raison : Doublon. " in t for t in texts), texts
    assert not any("Doublon.." in t for t in texts)
    made = await sim.command("ana", "event new", title="Apéro", when="2026-12-05T19:00:00+01:00", place="La cour.")
    assert (await sim.command("bob", "event join", id=made["data"]["event_id"]))["ok"]
    outs = await sim.advance(until="2026-12-04T20:00:00+01:00")
    [reminder] = of(outs, "dm", kind="event-reminder", user="bob")
    assert "La cour)." in reminder["text"] and ".)" not in reminder["text"], reminder["text"]


async def test_another_zone_is_named_after_a_comma_never_in_nested_parentheses(sim: Sim) -> None:
    lilas = sim.ctx
    montreal = _abroad(sim, "montreal", "Montréal", "fr", "America/Montreal")
    network(sim, montreal)
    await onboard(montreal, "mo")
    await onboard(lilas, "alice")
    await onboard(lilas, "amy", locale="en")
    opened = await command(montreal, "mo", "event new", roles=("animator",), title="Cabane à sucre",
                           when="samedi 14h", end="samedi 16h", network=True)
    rid = opened["data"]["event_id"]
    joined = await command(lilas, "alice", "event join", id=rid)
    assert "(samedi 5 décembre, de 14 h à 16 h, heure de Montréal)." in joined["text"], joined["text"]
    english = await command(lilas, "amy", "event join", id=rid)
    assert "(Sat 5 Dec, 2:00 PM – 4:00 PM, Montreal time)." in english["text"], english["text"]
    async with montreal.db.transaction() as tx:
        await event_outreach.run_events(tx, montreal, montreal.now() + timedelta(days=4))
    reminders = [m["text"] for m in await _payloads(lilas, "alice") if m["kind"] == "event-reminder"]
    assert reminders and all("))" not in t for t in reminders + [joined["text"], english["text"]]), reminders
