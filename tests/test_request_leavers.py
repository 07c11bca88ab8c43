"""Help requests when members leave: the requester's are cancelled (helpers told), a helper's claim
reopens the request and routes it again, and the hook works inside the caller's transaction."""
from __future__ import annotations

import pytest

from bot.services import requests as service
from storage import members as members_repo
from storage import requests as requests_repo
from tests.harness import Sim, of
from tests.request_steps import opened, plumbers, request_row

# Members leaving -----------------------------------------------------------------------------

async def test_a_leaving_requester_cancels_their_requests(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    outs = await sim.send({"type": "leave", "user": "req"})
    assert (await request_row(sim, rid)).status == "cancelled"
    outs = outs + await sim.advance(by="1m")
    assert sorted(o["user"] for o in of(outs, "dm", kind="request-update")) == ["h1", "h2"]


async def test_a_leaving_helper_reopens_the_request_and_routes_it_again(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h2", "request claim", id=rid))["ok"]
    outs = await sim.send({"type": "leave", "user": "h2"})
    outs = outs + await sim.advance(by="1m")
    row = await request_row(sim, rid)
    assert row.status == "open" and await requests_repo.helper_members(sim.ctx.db.reader, rid) == []
    assert of(outs, "dm", kind="request-update", user="req")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]


async def test_on_member_left_works_in_the_callers_transaction(sim: Sim) -> None:
    """The hook other areas call: nothing happens until their transaction commits."""
    await plumbers(sim, "h1")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    req = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "req")
    assert req is not None
    with pytest.raises(RuntimeError):
        async with sim.ctx.db.transaction() as tx:
            await service.on_member_left(tx, sim.ctx, req)
            raise RuntimeError("the caller fails")
    assert (await request_row(sim, rid)).status == "open"
