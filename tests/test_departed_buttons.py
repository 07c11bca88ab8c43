"""A member who left presses an old button (an event's, a proposal's, a request's): one clear answer in
their language, that they are no longer part of the community, and nothing changes. Leaving takes the
charter with it, so they used to be asked to accept the charter instead."""
from __future__ import annotations

import pytest

from tests.harness import Sim, of


@pytest.mark.parametrize(("locale", "words"), [
    ("fr", "Vous ne faites plus partie de la communauté : ce bouton ne vaut plus pour vous et rien n'a changé."),
    ("en", "You are no longer part of the community: this button no longer works for you and nothing changed."),
])
async def test_a_departed_member_pressing_old_buttons_is_told_so_and_nothing_changes(sim: Sim, locale: str,
                                                                                    words: str) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob")
    await sim.onboard("cat", locale=locale)
    shift = (await sim.command("ana", "event new", title="Distribution", when="2026-12-05T10:00:00+01:00",
                               slots="accueil:2"))["data"]["event_id"]
    gathering = (await sim.command("ana", "event new", title="Apéro", when="2026-12-04T19:00:00+01:00"))
    proposal = (await sim.command("bob", "proposal new", title="Jardin", details="Un potager"))["data"]
    request = (await sim.command("bob", "request new", title="Étagère", details="À monter", skills="bricolage"))
    await sim.send({"type": "leave", "user": "cat"})
    mark = len(sim.outputs)
    for custom_id, values in ((f"event:join:{shift}", ["accueil"]),
                              (f"event:join:{gathering['data']['event_id']}", None),
                              (f"proposal:support:{proposal['proposal_id']}", None),
                              (f"request:claim:{request['data']['request_id']}", None)):
        reply = await sim.click("cat", custom_id, values)
        assert reply["error"] == "not_eligible", reply
        assert reply["text"].startswith(words), reply["text"]
        assert "charte" not in reply["text"] and "charter" not in reply["text"]
        assert not reply.get("components")
    assert [o for o in sim.outputs[mark:] if o["type"] not in ("reply", "done")] == []
    shown = await sim.command("ana", "event show", id=shift)
    assert shown["data"]["participants"] == []
    assert (await sim.command("ana", "proposal show", id=proposal["proposal_id"]))["data"]["supports"] == 0
    assert of(sim.last, "reply")[0]["ok"]


@pytest.mark.parametrize(("locale", "words"), [
    ("fr", "Vous ne faites plus partie de la communauté : rien n'a changé."),
    ("en", "You are no longer part of the community: nothing changed."),
])
async def test_a_departed_member_typing_a_command_is_told_so_and_keeps_their_data_commands(
        sim: Sim, locale: str, words: str) -> None:
    """A command sent after leaving (from a DM, a Signal chat): told they left, not asked for the charter
    they accepted; their data stays theirs (export still works)."""
    await sim.onboard("cat", locale=locale)
    await sim.send({"type": "leave", "user": "cat"})
    mark = len(sim.outputs)
    for command, options in (("request new", {"title": "Étagère", "details": "À monter", "skills": "bricolage"}),
                             ("profile set", {"skills": "cuisine"}), ("event list", {})):
        reply = await sim.command("cat", command, **options)
        assert reply["error"] == "not_eligible", reply
        assert reply["text"].startswith(words), reply["text"]
        assert "profile export" in reply["text"] and "charte" not in reply["text"].lower()
        assert not reply.get("components")
    assert [o for o in sim.outputs[mark:] if o["type"] not in ("reply", "done")] == []
    assert (await sim.command("cat", "profile export"))["ok"]
