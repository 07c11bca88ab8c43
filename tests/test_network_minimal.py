"""A network written in the issue's minimal shape and nothing more: today's config plus `[network] name`
and `[[communities]]` entries holding only `id` and `name` (no bindings, no network animators named),
driven as a process the way acceptance scenarios drive it; on PostgreSQL too (`make test-pg`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.console_process import ROOT, Console, of_type, onboard

START = "2026-12-01T09:00:00+01:00"  # a Tuesday, Europe/Paris
MINIMAL = """
[network]
name = "Réseau des tiers-lieux"

[[communities]]
id = "lilas"
name = "Les Lilas"

[[communities]]
id = "ours"
name = "La Tanière"

[[communities]]
id = "quai"
name = "Le Quai"
"""


@pytest.fixture
def net(tmp_path: Path) -> Any:
    config = tmp_path / "network.toml"
    config.write_text((ROOT / "config.example.toml").read_text(encoding="utf-8") + MINIMAL, encoding="utf-8")
    c = Console(tmp_path / "network.sqlite", START, config)
    yield c
    c.close()


def test_with_no_network_animators_named_the_home_communitys_animators_read_the_network(net: Console) -> None:
    onboard(net, "anna", "lilas")
    net.send({"type": "roles", "user": "anna", "add": ["animator"]}, "lilas")
    onboard(net, "olga", "ours")
    net.send({"type": "roles", "user": "olga", "add": ["animator"]}, "ours")
    onboard(net, "zoe", "ours", skills="plomberie", network=True)
    onboard(net, "yann", "quai", skills="plomberie")  # shares nothing
    onboard(net, "alice")  # no community: the first one
    view = net.command("anna", "vitality", network=True)
    assert view["ok"] and view["community"] == "lilas", view
    assert [c["community"] for c in view["data"]["communities"]] == ["lilas", "ours", "quai"], view
    assert view["data"]["totals"]["members"] == 5 and "yann" not in str(view), view
    # another community's animator is not the network's; a member is not either
    elsewhere = net.command("olga", "vitality", "ours", network=True)
    assert not elsewhere["ok"] and elsewhere["error"] == "permission_denied", elsewhere
    member = net.command("alice", "vitality", network=True)
    assert not member["ok"] and member["error"] == "permission_denied", member
    # the home community's own view is unchanged
    local = net.command("anna", "vitality", "lilas")
    assert local["ok"] and "communities" not in local["data"], local
    outs = net.advance(until="2026-12-07T09:30:00+01:00")  # Monday 9:00: the network digest, to them
    digests = of_type(outs, "post", kind="network-digest")
    assert [(d["community"], d["channel"]) for d in digests] == [("lilas", "animators")], outs
    assert "yann" not in str(digests)


def test_a_community_given_as_null_is_the_first_one_as_when_absent(net: Console) -> None:
    """`"community": null` reads as an absent optional field (a driver filling every field), not as a place
    named "None"."""
    outs = net.send({"type": "join", "user": "alice", "locale": "fr", "community": None})
    assert not of_type(outs, "protocol_error") and of_type(outs, "dm", user="alice", community="lilas"), outs
    outs = net.send({"type": "click", "user": "alice", "custom_id": "charter:accept", "community": None})
    [accepted] = of_type(outs, "reply")
    assert accepted["ok"] and accepted["community"] == "lilas", outs
    outs = net.send({"type": "command", "user": "alice", "command": "profile show", "options": {},
                     "community": None})
    [shown] = of_type(outs, "reply")
    assert shown["ok"] and shown["community"] == "lilas" and not of_type(outs, "protocol_error"), outs


async def test_the_home_animators_read_the_figures_but_get_no_reach_over_other_communities(sim: Any) -> None:
    """The fallback reads counts only: the dashboard, which names people of every community it reaches, stays
    with animators named in `[network] animators` (none here)."""
    from bot.services import network_shared
    from tests.network_places import network, place

    ours = place(sim, "ours", "La Tanière")
    network(sim, ours)
    lilas, anim = sim.ctx, frozenset({"animator"})
    assert network_shared.reads_network_figures(lilas, "anna", anim)
    assert not network_shared.is_network_animator(lilas, "anna", anim)  # the dashboard's network reach
    assert not network_shared.reads_network_figures(ours, "olga", anim)  # another community's animator
    assert not network_shared.reads_network_figures(lilas, "alice", frozenset())
    network(sim, ours, animators=("network-animator",))  # named ones: they alone, as before
    assert not network_shared.reads_network_figures(lilas, "anna", anim)
    assert network_shared.reads_network_figures(ours, "nico", frozenset({"network-animator"}))


def test_the_network_directory_shows_the_profile_a_member_shares(net: Console) -> None:
    """The network profile is skills, languages, bio and places (issue 22): what another place finds."""
    onboard(net, "zoe", "ours", skills="Plomberie, couture", languages="fr, en", bio="Plombière\ndu quartier",
            network=True)
    onboard(net, "yann", "quai", skills="plomberie", languages="de", bio="Yann du quai")  # shares nothing
    onboard(net, "alice", "lilas", locale="en")
    found = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert found["data"]["members"] == ["zoe"], found
    text = found["text"]
    assert "La Tanière" in text and "couture" in text and "fr, en" in text, text
    assert "Plombière du quartier" in text, text  # one line per field, whatever the bio's own lines
    assert "yann" not in text.lower() and "Yann du quai" not in text
    long_bio = " ".join(f"mot{i}" for i in range(70))  # a long bio: shown whole, never cut
    changed = net.command("zoe", "profile set", "ours", bio=long_bio)
    assert changed["ok"], str(changed)
    text = net.command("alice", "directory", "lilas", skill="plomberie", network=True)["text"]
    assert long_bio in text and "…" not in text, text


def test_a_profile_shared_with_the_network_is_shown_from_another_place(net: Console) -> None:
    onboard(net, "zoe", "ours", skills="plomberie", needs="jardinage", languages="fr, en", bio="Plombière",
            network=True)
    onboard(net, "yann", "quai", skills="plomberie", bio="Yann du quai")  # shares nothing
    onboard(net, "alice", "lilas", locale="en")
    shown = net.command("alice", "profile show", "lilas", member="zoe")
    assert shown["ok"] and shown["community"] == "lilas", shown
    data = shown["data"]
    assert (data["member"], data["skills"], data["languages"], data["community"]) == (
        "zoe", ["plomberie"], ["fr", "en"], "ours"), data
    assert data["needs"] == [] and data["godparent"] is None, data  # needs and godparent stay local
    assert "La Tanière" in shown["text"] and "Plombière" in shown["text"] and "jardinage" not in shown["text"]
    hidden = net.command("alice", "profile show", "lilas", member="yann")
    assert not hidden["ok"] and hidden["error"] == "not_found" and "Yann du quai" not in hidden["text"], hidden
    assert net.command("zoe", "profile set", "ours", network=False)["ok"]  # she stops sharing
    assert net.command("alice", "profile show", "lilas", member="zoe")["error"] == "not_found"


def test_a_long_network_directory_is_paged_never_cut(net: Console) -> None:
    """Every member who shares is reachable, whole: pages within a message's size, the totals, and a
    button to the next page until the last."""
    bios = {f"membre{i:02d}": f"Bio numéro {i} " + "mot " * 80 for i in range(12)}
    for handle, bio in bios.items():
        onboard(net, handle, "ours", skills="plomberie", bio=bio, network=True)
    onboard(net, "alice", "lilas")
    reply = net.command("alice", "directory", "lilas", skill="plomberie", network=True)
    assert reply["ok"] and reply["data"]["total"] == 12 and len(reply["data"]["members"]) == 12, reply
    texts = []
    for number in range(1, reply["data"]["pages"] + 1):
        assert reply["ok"] and reply["data"]["page"] == number and len(reply["text"]) < 2000, reply
        texts.append(reply["text"])
        following = [c["custom_id"] for c in reply["components"] if c["custom_id"].endswith(f":{number + 1}")]
        if number < reply["data"]["pages"]:
            reply = net.click("alice", following[0], "lilas")
        else:
            assert not following, reply
    assert len(texts) > 1, texts
    for handle, bio in bios.items():  # each member on exactly one page, their bio whole
        assert sum(handle in text for text in texts) == 1, (handle, texts)
        assert any(bio.strip() in text for text in texts), handle
