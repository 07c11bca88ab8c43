"""Help requests ended: resolved (with thanks, by the helper or an animator), cancelled, closed by an
animator (audited)."""
from __future__ import annotations

from storage import kudos as kudos_repo
from tests.harness import Sim, of
from tests.request_steps import make_animator, opened, plumbers, request_row

# Resolve, cancel, close ----------------------------------------------------------------------

async def test_resolving_with_thanks_posts_kudos_and_counts_as_help_given(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    await sim.advance(by="3h")
    done = await sim.command("req", "request resolve", id=rid, thanks="h1")
    assert done["ok"] and done["data"] == {"request_id": rid, "status": "resolved"}
    [thanks] = of(sim.last, "post", kind="thanks")
    assert thanks["channel"] == "general" and thanks["mentions"] == ["h1"]
    row = await request_row(sim, rid)
    assert row.status == "resolved" and row.resolved_at == sim.ctx.now_ts() and row.claimed_at < row.resolved_at
    kudos = await kudos_repo.for_request(sim.ctx.db.reader, rid)
    assert len(kudos) == 1
    assert (await sim.command("h1", "profile show"))["data"]["helped"] == 1
    again = await sim.command("req", "request resolve", id=rid)
    assert not again["ok"] and again["error"] == "conflict"


async def test_the_helper_or_an_animator_may_resolve_others_may_not(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    await sim.onboard("nosy")
    await make_animator(sim)
    first = (await opened(sim, title="Un"))["request_id"]
    second = (await opened(sim, title="Deux"))["request_id"]
    denied = await sim.command("nosy", "request resolve", id=first)
    assert not denied["ok"] and denied["error"] == "permission_denied"
    assert (await sim.command("h1", "request claim", id=first))["ok"]
    assert (await sim.command("h1", "request resolve", id=first))["ok"]
    assert (await sim.command("boss", "request resolve", id=second))["ok"]
    assert not of(sim.last, "post", kind="thanks")
    missing = await sim.command("req", "request resolve", id=999)
    assert missing["error"] == "not_found"


async def test_thanking_yourself_on_resolve_is_a_conflict_and_changes_nothing(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    reply = await sim.command("req", "request resolve", id=rid, thanks="req")
    assert reply["error"] == "conflict"
    assert (await request_row(sim, rid)).status == "open"


async def test_thanks_to_someone_who_helped_without_claiming_counts_for_them(sim: Sim) -> None:
    await sim.onboard("req")
    await sim.onboard("neighbour")
    rid = (await opened(sim, skills="bricolage"))["request_id"]
    assert (await sim.command("req", "request resolve", id=rid, thanks="neighbour"))["ok"]
    assert (await sim.command("neighbour", "profile show"))["data"]["helped"] == 1


async def test_cancel_tells_the_pinged_helpers(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    await sim.onboard("nosy")
    rid = (await opened(sim))["request_id"]
    denied = await sim.command("nosy", "request cancel", id=rid)
    assert denied["error"] == "permission_denied"
    reply = await sim.command("req", "request cancel", id=rid)
    assert reply["ok"] and reply["data"] == {"request_id": rid, "status": "cancelled"}
    assert sorted(o["user"] for o in of(sim.last, "dm", kind="request-update")) == ["h1", "h2"]
    again = await sim.command("req", "request cancel", id=rid)
    assert again["error"] == "conflict"
    assert (await sim.command("req", "request resolve", id=rid))["error"] == "conflict"
    assert (await sim.command("h1", "request claim", id=rid))["error"] == "conflict"


async def test_an_animator_may_cancel_any_request(sim: Sim) -> None:
    await sim.onboard("req")
    await make_animator(sim)
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("boss", "request cancel", id=rid))["ok"]


async def test_mod_close_request_is_for_animators_and_audited(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    await make_animator(sim)
    rid = (await opened(sim, title="Achetez mes montres"))["request_id"]
    refused = await sim.command("req", "mod close-request", id=rid, reason="spam")
    assert not refused["ok"] and refused["error"] == "permission_denied"
    reply = await sim.command("boss", "mod close-request", id=rid, reason="spam @everyone")
    assert reply["ok"] and reply["data"] == {"request_id": rid, "status": "closed"}
    [log] = of(sim.last, "post", kind="mod-log")
    assert "demande fermée" in log["text"] and "close-request" not in log["text"] and "@everyone" not in log["text"]
    assert of(sim.last, "dm", kind="request-update", user="req")
    assert of(sim.last, "dm", kind="request-update", user="h1")
    history = await sim.command("boss", "mod history", member="req")
    assert [c["action"] for c in history["data"]["cases"]] == ["close-request"]
    assert (await sim.command("boss", "mod close-request", id=rid, reason="encore"))["error"] == "conflict"
    assert (await sim.command("boss", "mod close-request", id=rid + 9, reason="?"))["error"] == "not_found"
