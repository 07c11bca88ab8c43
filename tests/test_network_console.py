"""Console scenarios of a three-community network (issue 22): two Discord-like communities and a
Signal-like one (bound to a group), driven through the console protocol with its `community` field."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bot.config import Config, parse_config
from tests.harness import Sim, of

NETWORK: dict[str, Any] = {
    "community": {"name": "Entraide", "timezone": "Europe/Paris"},
    "network": {"name": "Réseau des tiers-lieux", "animators": ["anna"]},
    "communities": [
        {"id": "lilas", "name": "Les Lilas", "guild_id": "111111111111111111"},
        {"id": "ours", "name": "La Tanière", "guild_id": "222222222222222222"},
        {"id": "quai", "name": "Le Quai", "group": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG="},
    ],
}


def network_config(**network: Any) -> Config:
    data = copy.deepcopy(NETWORK)
    data["network"].update(network)
    return parse_config(data)


async def member(sim: Sim, user: str, community: str, **profile: Any) -> None:
    await sim.send({"type": "join", "user": user, "locale": "fr", "community": community})
    outs = await sim.send({"type": "click", "user": user, "custom_id": "charter:accept", "community": community})
    assert of(outs, "reply")[0]["ok"], outs
    if profile:
        assert (await say(sim, user, community, "profile set", **profile))["ok"]


async def say(sim: Sim, user: str, community: str, command: str, /, **options: Any) -> dict[str, Any]:
    outs = await sim.send({"type": "command", "user": user, "command": command, "options": options,
                           "community": community})
    [reply] = of(outs, "reply")
    assert reply["community"] == community
    return reply


def everything(sim: Sim) -> str:
    return "\n".join(str(o) for o in sim.outputs)


async def test_a_shared_profile_is_found_from_another_place_and_a_member_not_opted_in_never(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie", languages="fr", bio="Plombière du quartier",
                     network=True)
        await member(sim, "yann", "quai", skills="plomberie")  # not opted in
        await member(sim, "alice", "lilas")
        reply = await say(sim, "alice", "lilas", "directory", skill="plomberie", network=True)
        assert reply["data"]["members"] == ["zoe"]
        assert reply["data"]["network"] == [{"member": "zoe", "community": "ours", "communities": ["La Tanière"]}]
        assert "La Tanière" in reply["text"] and "yann" not in reply["text"]
        assert (await say(sim, "alice", "lilas", "directory", skill="plomberie"))["data"]["members"] == []
    finally:
        await sim.close()


async def test_an_unmet_need_widened_and_claimed_across_communities_introduces_both(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie", network=True)
        await member(sim, "yann", "quai", skills="plomberie")  # not opted in: never asked, never named
        await member(sim, "alice", "lilas")
        mark = len(sim.outputs)
        opened = await say(sim, "alice", "lilas", "request new", title="Fuite sous l'évier", skills="plomberie")
        rid = opened["data"]["request_id"]
        assert opened["data"]["pinged"] == []
        outs = await sim.send({"type": "command", "user": "alice", "command": "request widen",
                               "options": {"id": rid}, "community": "lilas"})
        assert of(outs, "reply")[0]["data"] == {"request_id": rid, "pinged": ["zoe"]}
        [ping] = [o for o in of(outs, "dm") if o["user"] == "zoe"]
        assert ping["community"] == "ours" and "Les Lilas" in ping["text"]
        assert any(c["custom_id"] == f"request:claim:{rid}" for c in ping.get("components", []))
        outs = await sim.send({"type": "click", "user": "zoe", "custom_id": f"request:claim:{rid}",
                               "community": "ours"})
        assert of(outs, "reply")[0]["ok"], outs
        [to_alice] = [o for o in of(outs, "dm") if o["user"] == "alice"]
        [to_zoe] = [o for o in of(outs, "dm") if o["user"] == "zoe"]
        assert to_alice["community"] == "lilas" and "La Tanière" in to_alice["text"]
        assert to_zoe["community"] == "ours" and "Les Lilas" in to_zoe["text"]
        later = "\n".join(str(o) for o in sim.outputs[mark:])
        assert "yann" not in later
        reply = await say(sim, "yann", "quai", "request claim", id=rid)
        assert not reply["ok"]
    finally:
        await sim.close()


async def test_a_second_widen_and_every_other_refusal_say_why_and_change_nothing(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie", network=True)
        await member(sim, "alice", "lilas")
        await member(sim, "bob", "lilas")
        await member(sim, "anna", "lilas")
        await sim.send({"type": "roles", "user": "anna", "add": ["animator"], "community": "lilas"})
        rid = (await say(sim, "alice", "lilas", "request new", title="Fuite", skills="plomberie"))["data"][
            "request_id"]
        assert (await say(sim, "alice", "lilas", "request widen", id=rid))["data"]["pinged"] == ["zoe"]
        mark = len(sim.outputs)
        for who in ("alice", "anna"):
            again = await say(sim, who, "lilas", "request widen", id=rid)
            assert (again["ok"], again["error"]) == (False, "conflict"), again
            assert again["text"].startswith(f"Impossible : la demande n°{rid} est déjà proposée au réseau : 1 membre "
                                            "d'une autre communauté a été prévenu·e."), again["text"]
        assert not [o for o in sim.outputs[mark:] if o.get("type") == "dm"]  # nobody pinged again
        row = await sim.ctx.db.fetchone("SELECT network_rounds FROM request WHERE id = ?", (rid,))
        assert row[0] == 1
        refused = await say(sim, "bob", "lilas", "request widen", id=rid)  # neither requester nor animator
        assert refused["error"] == "permission_denied" and "proposer une demande au réseau" in refused["text"]
        elsewhere = await say(sim, "zoe", "ours", "request widen", id=rid)  # another community's request
        assert elsewhere["error"] == "permission_denied" and "communauté Les Lilas" in elsewhere["text"], elsewhere
        assert (await say(sim, "alice", "lilas", "request widen", id=rid + 50))["error"] == "not_found"
        for end, status, words in (("request claim", "claimed", "a déjà trouvé de l'aide"),
                                   ("request cancel", "cancelled", "a été annulée"),
                                   ("mod close-request", "closed", "a été fermée")):
            other = (await say(sim, "alice", "lilas", "request new", title=end, skills="plomberie"))["data"][
                "request_id"]
            who, options = {"request claim": ("bob", {}), "request cancel": ("alice", {}),
                            "mod close-request": ("anna", {"reason": "doublon"})}[end]
            moved = await say(sim, who, "lilas", end, id=other, **options)
            assert moved["ok"], moved["text"]
            reply = await say(sim, "alice", "lilas", "request widen", id=other)
            assert reply["error"] == "conflict" and words in reply["text"], (status, reply)
        await sim.send({"type": "join", "user": "amy", "locale": "en", "community": "lilas"})
        await sim.send({"type": "click", "user": "amy", "custom_id": "charter:accept", "community": "lilas"})
        mine = (await say(sim, "amy", "lilas", "request new", title="Tap", skills="plomberie"))["data"]["request_id"]
        await say(sim, "amy", "lilas", "request widen", id=mine)
        twice = await say(sim, "amy", "lilas", "request widen", id=mine)
        assert twice["error"] == "conflict" and "is already offered to the network" in twice["text"], twice
    finally:
        await sim.close()


async def test_network_helpers_ping_dms_are_edited_as_the_request_moves(tmp_path: Path) -> None:
    """Like local pings (bot/services/request_posts.py): each helper asked elsewhere has their ping DM edited
    through their own community when the request is claimed (by someone else, or by them), cancelled or
    closed, the claim button greyed out or removed; in their own community's language."""
    data = copy.deepcopy(NETWORK)
    data["communities"][2]["locale"] = "en"  # Le Quai speaks English
    sim = await Sim(tmp_path / "n.sqlite", parse_config(data)).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie", network=True)
        await sim.send({"type": "join", "user": "yves", "community": "quai"})
        await sim.send({"type": "click", "user": "yves", "custom_id": "charter:accept", "community": "quai"})
        assert (await say(sim, "yves", "quai", "profile set", skills="plomberie", network=True))["ok"]
        await member(sim, "alice", "lilas")
        await member(sim, "anna", "lilas")
        await sim.send({"type": "roles", "user": "anna", "add": ["animator"], "community": "lilas"})

        async def widened(title: str) -> tuple[int, dict[str, str]]:
            rid = (await say(sim, "alice", "lilas", "request new", title=title, skills="plomberie"))["data"][
                "request_id"]
            outs = await sim.send({"type": "command", "user": "alice", "command": "request widen",
                                   "options": {"id": rid}, "community": "lilas"})
            pings = {o["user"]: o for o in of(outs, "dm") if o.get("kind") == "helper-ping"}
            assert set(pings) == {"zoe", "yves"}, outs
            assert pings["zoe"]["community"] == "ours" and pings["yves"]["community"] == "quai"
            return rid, {user: ping["message"] for user, ping in pings.items()}

        rid, messages = await widened("Fuite")
        outs = await sim.send({"type": "click", "user": "zoe", "custom_id": f"request:claim:{rid}",
                               "community": "ours"})
        edits = {o["user"]: o for o in of(outs, "edit") if o.get("kind") == "helper-ping"}
        assert set(edits) == {"zoe", "yves"}, outs
        assert edits["yves"]["message"] == messages["yves"] and edits["yves"]["community"] == "quai"
        assert "Taken on by zoe" in edits["yves"]["text"], edits["yves"]
        assert edits["yves"]["components"] == [{"custom_id": f"request:claim:{rid}", "label": "I'll take it",
                                                "disabled": True}]
        assert edits["zoe"]["message"] == messages["zoe"] and edits["zoe"]["community"] == "ours"
        assert "Vous vous en occupez" in edits["zoe"]["text"] and edits["zoe"]["components"] == []

        rid, messages = await widened("Robinet")
        outs = await sim.send({"type": "command", "user": "alice", "command": "request cancel",
                               "options": {"id": rid}, "community": "lilas"})
        edits = {o["user"]: o for o in of(outs, "edit") if o.get("kind") == "helper-ping"}
        assert {u: (e["message"], e["community"]) for u, e in edits.items()} == {
            "zoe": (messages["zoe"], "ours"), "yves": (messages["yves"], "quai")}, outs
        assert "Annulée" in edits["zoe"]["text"] and "Cancelled" in edits["yves"]["text"]
        assert edits["zoe"]["components"] == [] and edits["yves"]["components"] == []

        rid, messages = await widened("Évier")
        outs = await sim.send({"type": "command", "user": "anna", "command": "mod close-request",
                               "options": {"id": rid, "reason": "doublon"}, "community": "lilas"})
        edits = {o["user"]: o for o in of(outs, "edit") if o.get("kind") == "helper-ping"}
        assert set(edits) == {"zoe", "yves"} and "Closed" in edits["yves"]["text"], outs
        assert edits["yves"]["message"] == messages["yves"]
    finally:
        await sim.close()


async def test_network_events_listed_and_joined_from_another_place(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "ana", "ours")
        await sim.send({"type": "roles", "user": "ana", "add": ["animator"], "community": "ours"})
        await member(sim, "alice", "lilas")
        await member(sim, "quentin", "quai")
        shared = await say(sim, "ana", "ours", "event new", title="Repair café", when="samedi 14h", network=True)
        local = await say(sim, "ana", "ours", "event new", title="Réunion d'équipe", when="samedi 18h")
        assert shared["ok"] and local["ok"]
        listed = await say(sim, "alice", "lilas", "event list", network=True)
        assert [(e["title"], e["community"]) for e in listed["data"]["events"]] == [("Repair café", "ours")]
        assert (await say(sim, "alice", "lilas", "event join", id=shared["data"]["event_id"]))["ok"]
        assert (await say(sim, "quentin", "quai", "event join", id=shared["data"]["event_id"]))["ok"]
        assert not (await say(sim, "alice", "lilas", "event join", id=local["data"]["event_id"]))["ok"]
        shown = await say(sim, "ana", "ours", "event show", id=shared["data"]["event_id"])
        assert sorted(shown["data"]["participants"]) == ["alice", "quentin"]
    finally:
        await sim.close()


async def test_network_vitality_and_one_weekly_network_digest_across_a_restart(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "anna", "lilas")
        await sim.send({"type": "roles", "user": "anna", "add": ["animator"], "community": "lilas"})
        await member(sim, "bob", "lilas")
        await sim.send({"type": "roles", "user": "bob", "add": ["animator"], "community": "lilas"})
        await member(sim, "zoe", "ours", skills="plomberie", network=True)
        reply = await say(sim, "anna", "lilas", "vitality", network=True)
        assert reply["ok"], reply
        assert [c["community"] for c in reply["data"]["communities"]] == ["lilas", "ours", "quai"]
        assert reply["data"]["totals"]["members"] == 3
        refused = await say(sim, "bob", "lilas", "vitality", network=True)  # an animator, not of the network
        assert refused["error"] == "permission_denied"
        outs = await sim.advance(until="2026-12-07T09:30:00+01:00")  # Monday 9:00: the network digest
        digests = [o for o in outs if o.get("kind") == "network-digest"]
        assert len(digests) == 1 and digests[0]["community"] == "lilas" and digests[0]["channel"] == "animators"
        assert "La Tanière" in digests[0]["text"] and "Le Quai" in digests[0]["text"]
        await sim.restart(crash=True)
        assert [o for o in sim.startup if o.get("kind") == "network-digest"] == []
        outs = await sim.advance(until="2026-12-08T12:00:00+01:00")
        assert [o for o in outs if o.get("kind") == "network-digest"] == []
    finally:
        await sim.close()


async def test_automatic_widening_by_config(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config(auto_widen=True, widen_rounds=0, widen_after="2h")).open()
    try:
        await member(sim, "zoe", "quai", skills="couture", network=True)
        await member(sim, "alice", "lilas")
        await say(sim, "alice", "lilas", "request new", title="Ourlet", skills="couture")
        outs = await sim.advance(by="3h")
        pings = [o for o in of(outs, "dm") if o["user"] == "zoe" and o.get("kind") == "helper-ping"]
        assert len(pings) == 1 and pings[0]["community"] == "quai" and "Les Lilas" in pings[0]["text"]
        outs = await sim.advance(by="3h")
        assert not [o for o in of(outs, "dm") if o["user"] == "zoe" and o.get("kind") == "helper-ping"]
    finally:
        await sim.close()


async def test_the_single_community_config_still_works(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "one.sqlite", Config()).open()
    try:
        await sim.onboard("alice", skills="vélo", network=True)
        await sim.onboard("bob")
        reply = await sim.command("bob", "directory", skill="vélo", network=True)
        assert reply["ok"] and reply["data"]["members"] == ["alice"] and "community" not in reply
        rid = (await sim.command("bob", "request new", title="Crevaison", skills="vélo"))["data"]["request_id"]
        assert (await sim.command("bob", "request widen", id=rid))["error"] == "conflict"
        assert (await sim.command("bob", "event list", network=True))["ok"]
    finally:
        await sim.close()
