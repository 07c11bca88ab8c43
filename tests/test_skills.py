"""One skill normalization everywhere: case, accents, spaces and aliases; display forms read well."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import DomainError
from bot.services.skills import canonical, canonical_list, display_form, skill_key
from tests.harness import Sim, config_with


def test_case_accents_and_spaces_are_ignored_for_matching() -> None:
    assert skill_key("  Électricité ") == skill_key("electricite") == skill_key("ÉLECTRICITÉ") == "electricite"
    assert skill_key("Aide   aux  devoirs") == "aide aux devoirs"


def test_display_forms_are_lower_case_with_accents_kept() -> None:
    assert display_form(" Plomberie ") == "plomberie"
    assert display_form("ÉLECTRICITÉ") == "électricité"


async def test_aliases_map_to_their_skill(tmp_path: Path) -> None:
    config = config_with(skills={"aliases": {"elec": "électricité", "Plombier": "Plomberie"}})
    sim = await Sim(tmp_path / "a.sqlite", config).open()
    try:
        assert canonical(sim.ctx, "ELEC") == ("electricite", "électricité")
        assert canonical(sim.ctx, "plombier") == ("plomberie", "plomberie")
        await sim.onboard("a", skills="elec")
        found = await sim.command("a", "directory", skill="Électricité")
        assert found["data"]["members"] == ["a"]
    finally:
        await sim.close()


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41])
async def test_out_of_bounds_skills_are_invalid(sim: Sim, bad: str) -> None:
    with pytest.raises(DomainError) as caught:
        canonical(sim.ctx, bad)
    assert caught.value.code == "invalid_input"


async def test_duplicates_collapse_and_the_limit_counts_distinct_skills(sim: Sim) -> None:
    assert canonical_list(sim.ctx, ["Cuisine", "cuisine", "CUISINE"], limit=1) == [("cuisine", "cuisine")]
    with pytest.raises(DomainError):
        canonical_list(sim.ctx, ["a", "b", "c"], limit=2)


async def test_an_accented_spelling_replaces_an_unaccented_display(sim: Sim) -> None:
    await sim.onboard("a", skills="electricite")
    await sim.onboard("b", skills="Électricité, Plomberie")
    reply = await sim.command("a", "profile show")
    assert reply["data"]["skills"] == ["électricité"]
    listed = await sim.command("b", "skills")
    assert {s["skill"] for s in listed["data"]["skills"]} == {"électricité", "plomberie"}
    shown = await sim.command("b", "profile show")
    assert shown["data"]["skills"] == ["électricité", "plomberie"]
