"""Issue 22's Done-when, as acceptance scenarios: `entraide console --jsonl` run as a process (started,
killed, started again) on a three-community network written exactly as the issue gives it — today's
config (config.example.toml) plus `[network] name = "…"` and `[[communities]]` entries holding `id` and
`name` and their binding (two Discord servers, one Signal group), everything else inherited. On
PostgreSQL too (`make test-pg`: the process runs through scripts/entraide-on-postgres)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.console_process import ROOT, Console, of_type, onboard
from tests.network_config import network_toml

START = "2026-12-01T09:00:00+01:00"  # a Tuesday, Europe/Paris


def network_config(tmp_path: Path, extra: str = "") -> Path:
    """Today's config plus the network (and `extra` lines inside [network])."""
    path = tmp_path / "network.toml"
    text = network_toml(network=extra)
    path.write_text((ROOT / "config.example.toml").read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    return path


@pytest.fixture
def net(tmp_path: Path) -> Any:
    c = Console(tmp_path / "network.sqlite", START, network_config(tmp_path))
    yield c
    c.close()


def said(outs: list[dict[str, Any]]) -> str:
    return "\n".join(str(o) for o in outs)


def test_a_shared_profile_is_found_from_another_place(net: Console) -> None:
    onboard(net, "zoe", "ours", skills="Plomberie", languages="fr", bio="Plombière du quartier", network=True)
    onboard(net, "yann", "quai", skills="plomberie")  # not opted in
    onboard(net, "alice", "lilas")
    onboard(net, "quentin", "quai", locale="en")
    found = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert found["ok"] and found["community"] == "lilas", found
    assert found["data"]["members"] == ["zoe"], found
    assert "La Tanière" in found["text"] and "yann" not in said([found])
    local = net.command("alice", "directory", "lilas", skill="plomberie")
    assert local["data"]["members"] == [], local
    # from the Signal-like place, in English, with an accent-insensitive skill
    found = net.command("quentin", "directory", "quai", skill="PLOMBERIE", network=True)
    assert found["ok"] and found["community"] == "quai" and found["data"]["members"] == ["zoe"], found
    assert "yann" not in said([found])
    # no community named: the first one (lilas)
    default = net.command("alice", "directory", skill="plomberie", network=True)
    assert default["community"] == "lilas" and default["data"]["members"] == ["zoe"], default
    # zoe stops sharing: nobody finds her from elsewhere any more
    assert net.command("zoe", "profile set", "ours", network=False)["ok"]
    assert net.command("alice", "directory", "lilas", skill="plomberie", network=True)["data"]["members"] == []


def test_an_unmet_need_widened_by_hand_is_claimed_across_places_with_both_introduced(net: Console) -> None:
    onboard(net, "zoe", "ours", skills="plomberie", network=True)
    onboard(net, "yann", "quai", skills="plomberie")  # not opted in: never asked, never named
    onboard(net, "alice", "lilas")
    onboard(net, "bob", "lilas")
    mark = len(net.outputs)
    opened = net.command("alice", "request new", "lilas", title="Fuite sous l'évier", details="Depuis ce matin",
                         skills="plomberie", urgent=False)
    assert opened["ok"] and opened["data"]["pinged"] == [], opened
    rid = opened["data"]["request_id"]
    # only the requester (or an animator) widens it
    refused = net.command("bob", "request widen", "lilas", id=rid)
    assert not refused["ok"] and refused["error"] == "permission_denied", refused
    assert net.command("alice", "request widen", "lilas", id=987654)["error"] == "not_found"
    widened = net.command("alice", "request widen", "lilas", id=rid)
    assert widened["ok"] and widened["data"] == {"request_id": rid, "pinged": ["zoe"]}, widened
    pings = [o for o in of_type(net.last, "dm") if o["user"] == "zoe"]
    assert len(pings) == 1 and pings[0]["community"] == "ours" and "Les Lilas" in pings[0]["text"], net.last
    assert any(c["custom_id"] == f"request:claim:{rid}" for c in pings[0].get("components", [])), pings
    # the helper claims from their own place
    claimed = net.click("zoe", f"request:claim:{rid}", "ours")
    assert claimed["ok"] and claimed["community"] == "ours", claimed
    to_alice = [o for o in of_type(net.last, "dm") if o["user"] == "alice"]
    to_zoe = [o for o in of_type(net.last, "dm") if o["user"] == "zoe"]
    assert to_alice and all(o["community"] == "lilas" for o in to_alice), net.last
    assert to_zoe and all(o["community"] == "ours" for o in to_zoe), net.last
    assert any("zoe" in o["text"] and "La Tanière" in o["text"] for o in to_alice), to_alice
    assert any("alice" in o["text"] and "Les Lilas" in o["text"] for o in to_zoe), to_zoe
    assert "yann" not in said(net.outputs[mark:])
    # nobody else claims it, from any place
    again = net.command("yann", "request claim", "quai", id=rid)
    assert not again["ok"], again
    # resolved with thanks to the helper from elsewhere: she hears it in her own place
    done = net.command("alice", "request resolve", "lilas", id=rid, thanks="zoe")
    assert done["ok"] and done["data"]["status"] == "resolved", (done["error"], done["text"])
    thanked = [o for o in net.last if o.get("user") == "zoe" and o.get("kind") == "thanks"]
    assert len(thanked) == 1 and thanked[0]["community"] == "ours" and "Les Lilas" in thanked[0]["text"], net.last
    assert net.command("zoe", "profile show", "ours")["data"]["helped"] == 1


def test_a_request_widened_by_the_config_reaches_the_signal_place(tmp_path: Path) -> None:
    config = network_config(tmp_path, 'auto_widen = true\nwiden_rounds = 0\nwiden_after = "2h"\n')
    c = Console(tmp_path / "network.sqlite", START, config)
    try:
        onboard(c, "zoe", "quai", skills="couture", network=True)
        onboard(c, "yann", "ours", skills="couture")  # not opted in
        onboard(c, "alice", "lilas")
        rid = c.command("alice", "request new", "lilas", title="Ourlet", details="Un pantalon",
                        skills="couture", urgent=False)["data"]["request_id"]
        outs = c.advance(by="3h")
        pings = [o for o in of_type(outs, "dm", user="zoe") if o.get("kind") == "helper-ping"]
        assert len(pings) == 1 and pings[0]["community"] == "quai" and "Les Lilas" in pings[0]["text"], outs
        assert "yann" not in said(outs)
        c.kill()  # the widening happened once: not again after a restart
        c.start("2026-12-01T12:30:00+01:00")
        outs = c.startup + c.advance(by="6h")
        assert not [o for o in of_type(outs, "dm", user="zoe") if o.get("kind") == "helper-ping"], outs
        claimed = c.command("zoe", "request claim", "quai", id=rid)
        assert claimed["ok"] and claimed["community"] == "quai", claimed
        assert [o for o in of_type(c.last, "dm", user="alice") if o["community"] == "lilas"], c.last
    finally:
        c.close()


def test_a_member_not_opted_in_is_never_shown_elsewhere(net: Console) -> None:
    onboard(net, "anna", "lilas")
    net.send({"type": "roles", "user": "anna", "add": ["animator"]}, "lilas")
    onboard(net, "zoe", "ours", skills="plomberie, couture", bio="Je répare", network=True)
    onboard(net, "yann", "quai", skills="plomberie, couture", bio="Yann du quai")  # shares nothing
    onboard(net, "alice", "lilas", skills="cuisine")
    for skill in ("plomberie", "couture"):
        found = net.command("alice", "directory", "lilas", skill=skill, network=True)
        assert found["data"]["members"] == ["zoe"] and "yann" not in said([found]), found
    rid = net.command("alice", "request new", "lilas", title="Robinet", details="Il goutte",
                      skills="plomberie", urgent=False)["data"]["request_id"]
    widened = net.command("alice", "request widen", "lilas", id=rid)
    assert widened["data"]["pinged"] == ["zoe"], widened
    # a member of the other place cannot see him either, except in his own place
    hidden = net.command("alice", "profile show", "lilas", member="yann")
    assert not hidden["ok"] or "Yann du quai" not in said([hidden]), hidden
    at_home = net.command("yann", "directory", "quai", skill="plomberie")
    assert at_home["data"]["members"] == ["yann"], at_home
    # the weekly jobs of the other places and the network's, the network view, alice's own export
    outs = net.advance(until="2026-12-07T10:30:00+01:00")
    elsewhere = [o for o in outs if o.get("community") in ("lilas", "ours")]
    assert elsewhere and "yann" not in said(elsewhere), elsewhere
    network_digests = [o for o in outs if o.get("kind") == "network-digest"]
    assert len(network_digests) == 1 and "yann" not in said(network_digests), network_digests
    net.send({"type": "roles", "user": "anna", "add": ["network-animator"]}, "lilas")
    exported = net.send({"type": "command", "user": "alice", "command": "profile export", "options": {}}, "lilas")
    assert of_type(exported, "reply")[0]["ok"] and "yann" not in said(exported), exported
    # once he opts in, he is found
    assert net.command("yann", "profile set", "quai", network=True)["ok"]
    found = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert sorted(found["data"]["members"]) == ["yann", "zoe"], found


def test_events_of_the_network_listed_and_joined_from_another_place(net: Console) -> None:
    onboard(net, "ana", "ours")
    net.send({"type": "roles", "user": "ana", "add": ["animator"]}, "ours")
    onboard(net, "alice", "lilas", locale="en")
    onboard(net, "quentin", "quai")
    shared = net.command("ana", "event new", "ours", title="Repair café", when="2026-12-05T14:00:00+01:00",
                         capacity=2, network=True)
    local = net.command("ana", "event new", "ours", title="Réunion d'équipe", when="2026-12-05T18:00:00+01:00")
    assert shared["ok"] and local["ok"], (shared, local)
    eid = shared["data"]["event_id"]
    for user, place in (("alice", "lilas"), ("quentin", "quai")):
        listed = net.command(user, "event list", place, network=True)
        assert listed["ok"] and listed["community"] == place, listed
        assert [e["title"] for e in listed["data"]["events"]] == ["Repair café"], listed
        assert [e["event_id"] for e in listed["data"]["events"]] == [eid], listed
        # without `network`: only the place's own events
        assert net.command(user, "event list", place)["data"]["events"] == []
    joined = net.command("alice", "event join", "lilas", id=eid)
    assert joined["ok"] and joined["community"] == "lilas", joined
    assert net.command("quentin", "event join", "quai", id=eid)["ok"]
    full = net.command("ana", "event join", "ours", id=eid)  # capacity 2: the third is refused or waits
    assert full["ok"] or full["error"] in ("conflict", "limit"), full
    refused = net.command("alice", "event join", "lilas", id=local["data"]["event_id"])  # not opened
    assert not refused["ok"] and refused["error"] in ("not_found", "permission_denied"), refused
    shown = net.command("ana", "event show", "ours", id=eid)
    assert {"alice", "quentin"} <= set(shown["data"]["participants"]), shown
    # the day before, each participant's reminder comes once, through their own place
    outs = net.advance(until="2026-12-04T15:00:00+01:00")
    reminders = sorted((o["user"], o["community"]) for o in outs if o.get("kind") == "event-reminder")
    assert reminders == [("alice", "lilas"), ("quentin", "quai")], outs
    left = net.command("alice", "event leave", "lilas", id=eid)
    assert left["ok"], left
    assert "alice" not in net.command("ana", "event show", "ours", id=eid)["data"]["participants"]


def test_one_person_in_two_places_joins_a_network_event_once(net: Console) -> None:
    onboard(net, "ana", "lilas")
    net.send({"type": "roles", "user": "ana", "add": ["animator"]}, "lilas")
    onboard(net, "zoe", "ours")
    onboard(net, "zoe", "quai")
    eid = net.command("ana", "event new", "lilas", title="Fête", when="2026-12-05T11:00:00+01:00",
                      network=True)["data"]["event_id"]
    assert net.command("zoe", "event join", "quai", id=eid)["ok"]
    again = net.command("zoe", "event join", "ours", id=eid)
    assert not again["ok"] and again["error"] == "conflict", again
    assert net.command("ana", "event show", "lilas", id=eid)["data"]["participants"] == ["zoe"]
    outs = net.advance(until="2026-12-05T10:30:00+01:00")
    reminders = [(o["user"], o["community"]) for o in outs if o.get("kind") == "event-reminder"]
    assert reminders == [("zoe", "quai"), ("zoe", "quai")], outs  # the day before and the hour before
    # an event changed by its animators: its participant from elsewhere hears it in her own place
    eid2 = net.command("ana", "event new", "lilas", title="Atelier", when="2026-12-12T11:00:00+01:00",
                       network=True)["data"]["event_id"]
    assert net.command("zoe", "event join", "ours", id=eid2)["ok"]
    cancelled = net.command("ana", "event cancel", "lilas", id=eid2)
    assert cancelled["ok"], cancelled
    told = [o for o in of_type(net.last, "dm", user="zoe") if o.get("kind") == "event-update"]
    assert [o["community"] for o in told] == ["ours"], net.last


def digest_counts(outs: list[dict[str, Any]], kind: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outs:
        if o.get("kind") == kind:
            counts[o["community"]] = counts.get(o["community"], 0) + 1
    return counts


def test_per_community_jobs_run_once_each_across_a_restart(tmp_path: Path) -> None:
    db, config = tmp_path / "network.sqlite", network_config(tmp_path)
    c = Console(db, START, config)
    try:
        for user, place in (("lea", "lilas"), ("olga", "ours"), ("quentin", "quai")):
            onboard(c, user, place, skills="jardinage")
        outs = c.advance(until="2026-12-07T10:30:00+01:00")  # past Monday 10:00 everywhere
        assert digest_counts(outs, "weekly-digest") == {"lilas": 1, "ours": 1, "quai": 1}, outs
        assert digest_counts(outs, "network-digest") == {"lilas": 1}, outs
        assert {o["community"]: o["channel"] for o in outs if o.get("kind") == "weekly-digest"} == {
            "lilas": "general", "ours": "general", "quai": "general"}
        c.kill()
        c.start("2026-12-07T10:31:00+01:00")
        assert digest_counts(c.startup, "weekly-digest") == {} and digest_counts(c.startup, "network-digest") == {}
        outs = c.advance(until="2026-12-08T09:30:00+01:00")  # day 7: each newcomer's check-in, once
        assert digest_counts(outs, "weekly-digest") == {}, outs
        checkins = [(o["community"], o["user"]) for o in outs if o.get("kind") == "checkin" and o["type"] == "dm"]
        assert sorted(checkins) == [("lilas", "lea"), ("ours", "olga"), ("quai", "quentin")], outs
        c.kill()
        c.start("2026-12-08T09:45:00+01:00")
        outs = c.startup
        for user, place in (("lou", "lilas"), ("oscar", "ours"), ("quitterie", "quai")):  # news for week 2
            onboard(c, user, place)
        outs += c.advance(until="2026-12-14T10:30:00+01:00")
        assert not [o for o in outs if o.get("kind") == "checkin"], outs
        assert digest_counts(outs, "weekly-digest") == {"lilas": 1, "ours": 1, "quai": 1}, outs
        assert digest_counts(outs, "network-digest") == {"lilas": 1}, outs
    finally:
        c.close()


def test_the_single_community_config_still_works_unchanged(tmp_path: Path) -> None:
    """The shared scenarios' config (config.example.toml, no community anywhere): as before."""
    c = Console(tmp_path / "community.sqlite", START, ROOT / "config.example.toml")
    try:
        for helper in ("h1", "h2"):
            onboard(c, helper, skills="Plomberie")
        onboard(c, "req")
        opened = c.command("req", "request new", title="Fuite", details="Cuisine", skills="plomberie", urgent=False)
        assert opened["ok"] and sorted(opened["data"]["pinged"]) == ["h1", "h2"], opened
        assert "community" not in opened
        assert all("community" not in o for o in c.outputs), c.outputs
        assert c.click("h1", f"request:claim:{opened['data']['request_id']}")["ok"]
        assert c.command("req", "request widen", id=opened["data"]["request_id"])["error"] == "conflict"
        assert c.command("req", "directory", skill="plomberie", network=True)["ok"]
        outs = c.advance(until="2026-12-07T10:30:00+01:00")
        assert len([o for o in outs if o.get("kind") == "weekly-digest"]) == 1, outs
        c.kill()
        c.start("2026-12-07T10:31:00+01:00")
        assert not [o for o in c.startup + c.advance(by="1h") if o.get("kind") == "weekly-digest"]
    finally:
        c.close()


def test_places_named_or_not_unknown_or_foreign(net: Console) -> None:
    onboard(net, "alice")  # no community: the first one
    assert net.command("alice", "profile show")["community"] == "lilas"
    assert net.command("alice", "profile show", "lilas")["data"]["member"] == "alice"
    # an unknown place: a clear error, nothing done
    outs = net.send({"type": "join", "user": "mallory", "locale": "fr"}, "nowhere")
    assert outs[-1]["type"] == "done" and not of_type(outs, "dm") and not of_type(outs, "post"), outs
    assert of_type(outs, "protocol_error") and "nowhere" in of_type(outs, "protocol_error")[0]["text"], outs
    for lang, words in (("fr", "Je ne connais pas"), ("en", "I do not know")):  # a command: its one reply too
        onboard(net, f"u-{lang}", locale=lang)
        outs = net.send({"type": "command", "user": f"u-{lang}", "command": "profile set",
                         "options": {"skills": "cuisine"}}, "nowhere")
        [refused] = of_type(outs, "reply")
        assert not refused["ok"] and refused["error"] == "invalid_input" and "lilas, ours, quai" in refused["text"]
        assert words in refused["text"], refused
        assert of_type(outs, "protocol_error") and outs[-1]["type"] == "done", outs
    assert net.command("u-fr", "profile show")["data"]["skills"] == []  # nothing done
    # a member acting in a place they never joined is not a member there
    stranger = net.command("alice", "request new", "ours", title="Aide", details="x", skills="cuisine",
                           urgent=False)
    assert not stranger["ok"] and stranger["community"] == "ours", stranger
    onboard(net, "emily", "lilas", locale="en")
    stranger = net.command("emily", "profile show", "ours")  # told in her language, which Les Lilas knows
    assert stranger["error"] == "not_eligible" and "has not joined" in stranger["text"], stranger
    # a request id of another place is not found there (unless widened)
    onboard(net, "olga", "ours", skills="cuisine")
    rid = net.command("alice", "request new", "lilas", title="Gâteau", details="Samedi", skills="cuisine",
                      urgent=False)["data"]["request_id"]
    foreign = net.command("olga", "request claim", "ours", id=rid)
    assert not foreign["ok"] and foreign["error"] == "not_found", foreign
    listed = net.command("olga", "request list", "ours")
    assert rid not in [r["id"] for r in listed["data"]["requests"]], listed
    # English and French words for the same places
    onboard(net, "emma", "quai", locale="en")
    english = net.command("emma", "directory", "quai", skill="cuisine", network=True)
    french = net.command("olga", "directory", "ours", skill="cuisine", network=True)
    assert english["ok"] and french["ok"] and english["text"] != french["text"], (english, french)


def test_a_network_written_from_scratch_with_plain_bindings(tmp_path: Path) -> None:
    """Nothing but [network] and [[communities]] (every setting a default), bindings as a tester writes
    them: the console simulates every place whatever its platform."""
    config = tmp_path / "small.toml"
    config.write_text('[network]\nname = "Réseau"\n\n[[communities]]\nid = "a"\nname = "Alpha"\nguild_id = "1"\n\n'
                      '[[communities]]\nid = "b"\nname = "Beta"\nguild_id = "2"\n\n'
                      '[[communities]]\nid = "q"\nname = "Quai"\ngroup = "quai"\n', encoding="utf-8")
    c = Console(tmp_path / "small.sqlite", START, config)
    try:
        onboard(c, "zoe", "q", locale="en", skills="vélo", network=True)
        onboard(c, "alice")
        found = c.command("alice", "directory", skill="velo", network=True)
        assert found["community"] == "a" and found["data"]["members"] == ["zoe"] and "Quai" in found["text"], found
    finally:
        c.close()


def test_a_click_naming_no_place_goes_to_the_place_of_its_member(net: Console) -> None:
    """The helper-ping's button clicked without `community` (as a DM's button on Discord carries no
    server): zoe belongs to La Tanière only, so that is where she acts."""
    onboard(net, "zoe", "ours", skills="plomberie", network=True)
    onboard(net, "alice", "lilas")
    rid = net.command("alice", "request new", "lilas", title="Fuite", details="x", skills="plomberie",
                      urgent=False)["data"]["request_id"]
    assert net.command("alice", "request widen", "lilas", id=rid)["data"]["pinged"] == ["zoe"]
    claimed = net.click("zoe", f"request:claim:{rid}")
    assert claimed["ok"] and claimed["community"] == "ours", claimed
    assert [o for o in of_type(net.last, "dm", user="alice") if o["community"] == "lilas"], net.last
    never = net.command("nobody", "profile show")  # never joined anywhere: the first place says so
    assert never["community"] == "lilas" and never["error"] == "not_eligible", never


def test_a_person_in_two_places_is_listed_once_and_leaving_one_keeps_the_other(net: Console) -> None:
    onboard(net, "zoe", "ours", skills="plomberie", network=True)
    onboard(net, "zoe", "quai", skills="plomberie", network=True)
    onboard(net, "alice", "lilas")
    found = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert found["data"]["members"] == ["zoe"], found
    assert sorted(found["data"]["network"][0]["communities"]) == ["La Tanière", "Le Quai"], found
    net.send({"type": "leave", "user": "zoe"}, "ours")
    found = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert found["data"]["network"] == [{"member": "zoe", "community": "quai", "communities": ["Le Quai"]}], found
    rid = net.command("alice", "request new", "lilas", title="Fuite", details="x", skills="plomberie",
                      urgent=False)["data"]["request_id"]
    assert net.command("alice", "request widen", "lilas", id=rid)["data"]["pinged"] == ["zoe"]
    assert [o["community"] for o in of_type(net.last, "dm", user="zoe")] == ["quai"], net.last
