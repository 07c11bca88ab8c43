"""Console handles and member references match whatever their case, accented letters too (issue 18:
`Nina` is `nina`): SQLite's NOCASE folds ASCII only, PostgreSQL's collation folds every letter; both
engines must read `ÉMILE` as `Émile`."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_an_accented_handle_in_another_case_is_the_same_person(sim: Sim) -> None:
    await sim.join("Émile")
    accepted = await sim.click("émile", "charter:accept")  # typed in lower case: the same person
    assert accepted["ok"] and accepted["user"] == "Émile", accepted
    await sim.onboard("zoé")
    thanked = await sim.command("zoé", "thanks", member="ÉMILE", reason="merci")
    assert thanked["ok"], thanked
    assert of(sim.last, "post", kind="thanks")[0]["mentions"] == ["Émile"]
    shown = await sim.command("ZOÉ", "profile show", member="@émile")
    assert shown["ok"] and shown["user"] == "zoé" and shown["data"]["member"] == "Émile", shown
    assert (await sim.command("zoé", "profile show", member="Emile"))["error"] == "not_found"  # accents count
