"""Long lists are paged, never cut (issue 17): totals shown, newest first where recency matters, and page
buttons whose id carries the command, so a click works after a restart with nothing stored."""
from __future__ import annotations

import pytest

from bot.commands.pages import Page, page_id, paged, parse_page_id
from tests.harness import Sim


def buttons(reply: dict) -> list[str]:
    return [c["custom_id"] for c in reply.get("components") or []]


def test_pages_split_by_count_and_by_characters_the_same_way_every_time() -> None:
    page = paged(list(range(73)), 2, 25)
    assert (page.items[0], page.last, page.pages, page.total, page.first) == (25, 50, 3, 73, 26)
    assert paged(list(range(73)), 99, 25).number == 3  # past the end: the last page
    long_lines = ["x" * 700] * 5
    pages = [paged(long_lines, n, 25, budget=1600) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert paged(["y" * 3000], 1, 10).items == ["y" * 3000]  # too long for a page: a page alone
    assert isinstance(paged([], 1, 10), Page) and paged([], 1, 10).pages == 1


def test_a_page_id_carries_the_command_and_its_options() -> None:
    custom_id = page_id("request list", {"skill": "bricolage: vélo & co", "mine": True}, 3)
    assert custom_id.startswith("page:request_list:") and " " not in custom_id and len(custom_id) <= 100
    assert parse_page_id(custom_id.removeprefix("page:")) == (
        "request list", {"mine": "1", "skill": "bricolage: vélo & co"}, 3)
    for bad in ("", "help", "help::0", "help::x", "help:k:2", "help::99999"):
        with pytest.raises(ValueError):
            parse_page_id(bad)


async def test_mod_history_is_paged_newest_first_and_a_page_works_after_a_restart(sim: Sim) -> None:
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    await sim.onboard("y")
    for n in range(1, 21):
        assert (await sim.command("anim", "mod note", member="y", text=f"note {n:02d} " + "détail " * 60))["ok"]
    first = await sim.command("anim", "mod history", member="y")
    assert first["ok"] and len(first["data"]["cases"]) == 20  # the data still holds every case
    assert "note 20" in first["text"] and "note 01" not in first["text"]  # the newest first
    assert first["text"].index("note 20") < first["text"].index("note 19")
    assert "sur 20" in first["text"] and "…" not in first["text"]
    assert len(first["text"]) <= 2000
    [next_id] = buttons(first)
    await sim.restart()
    seen = first["text"]
    custom_id: str | None = next_id
    pages = 1
    while custom_id:
        reply = await sim.click("anim", custom_id)
        assert reply["ok"], reply
        assert len(reply["text"]) <= 2000
        seen += reply["text"]
        pages += 1
        later = [c for c in buttons(reply) if int(c.rsplit(":", 1)[1]) > pages]
        custom_id = later[0] if later else None
    assert pages == first["data"]["pages"]
    for n in range(1, 21):
        assert f"note {n:02d}" in seen
    # An old page button in a member's hands shows nothing: the command's own check refuses it.
    assert (await sim.click("y", next_id))["error"] == "permission_denied"


async def test_request_list_says_there_are_more(sim: Sim) -> None:
    await sim.onboard("alice", skills="jardinage")
    for n in range(30):
        asker = f"m{n // 3}"  # three open requests each at most
        if n % 3 == 0:
            await sim.onboard(asker)
        reply = await sim.command(asker, "request new", title=f"Demande {n:02d}", skills="jardinage")
        assert reply["ok"], reply
    listed = await sim.command("alice", "request list")
    assert listed["text"].count("Demande") == 25 and "1 à 25 sur 30" in listed["text"], listed["text"]
    [next_id] = buttons(listed)
    rest = await sim.click("alice", next_id)
    assert rest["text"].count("Demande") == 5 and "26 à 30 sur 30" in rest["text"]


async def test_a_forged_page_id_runs_nothing_but_a_list(sim: Sim) -> None:
    """A page button only ever re-runs a read-only list: a forged id naming another command is stale."""
    await sim.onboard("alice")
    for forged in ("page:request_new:skills=x&title=y:1", "page:profile_delete:confirm=1:1", "page:nope::1",
                   "page:help::abc"):
        reply = await sim.click("alice", forged)
        assert not reply["ok"] and reply["error"] == "not_found", (forged, reply)
    assert (await sim.command("alice", "request list"))["data"]["requests"] == []
