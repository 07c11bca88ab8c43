"""Public thanks (`thanks`): posted with the reason neutralized, counted as kudos; refused to yourself,
to nobody, without a member, and beyond the daily limit."""
from __future__ import annotations

from storage import kudos as kudos_repo
from storage import members as members_repo
from tests.harness import Sim, of

# Thanks --------------------------------------------------------------------------------------

async def test_public_thanks_are_posted_with_the_reason_neutralized(sim: Sim) -> None:
    await sim.onboard("ann")
    await sim.onboard("bob")
    reply = await sim.command("ann", "thanks", member="@bob", reason="pour la soupe @everyone")
    assert reply["ok"] and isinstance(reply["data"]["kudos_id"], int)
    [post] = of(sim.last, "post", kind="thanks")
    assert post["channel"] == "general" and post["mentions"] == ["bob"] and "@bob" in post["text"]
    assert "@everyone" not in post["text"]
    bob = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "bob")
    assert bob is not None and await kudos_repo.count_received(sim.ctx.db.reader, bob.id) == 1


async def test_thanks_refusals(sim: Sim) -> None:
    await sim.onboard("ann")
    await sim.onboard("bob")
    assert (await sim.command("ann", "thanks", member="ann"))["error"] == "conflict"
    assert (await sim.command("ann", "thanks", member="ghost"))["error"] == "not_found"
    assert (await sim.command("ann", "thanks"))["error"] == "invalid_input"
    for _ in range(10):
        assert (await sim.command("ann", "thanks", member="bob"))["ok"]
    eleventh = await sim.command("ann", "thanks", member="bob")
    assert eleventh["error"] == "rate_limited" and not of(sim.last, "post")
    await sim.advance(by="24h")
    assert (await sim.command("ann", "thanks", member="bob"))["ok"]
