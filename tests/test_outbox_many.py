"""storage.outbox.enqueue_many links each written row to the members it names (outbox_subject), by the
ids the insert returned: rows ignored for a key already there get none and shift nothing."""
from __future__ import annotations

import json

from storage import members as members_repo
from storage import outbox as outbox_repo
from tests.harness import Sim


async def test_rows_written_together_are_linked_to_their_own_members(sim: Sim) -> None:
    for user in ("ana", "bea", "cyd"):
        await sim.join(user)
    guild = sim.ctx.guild_id
    ids = {user: (await members_repo.by_platform_id(sim.ctx.db.reader, guild, user)).id  # type: ignore[union-attr]
           for user in ("ana", "bea", "cyd")}
    now = sim.ctx.now_ts()

    def row(key: str, text: str) -> tuple:
        return (guild, "test", "send", "channel:general", json.dumps({"text": text, "mentions": []}), 0, now, key, now)

    async with sim.ctx.db.transaction() as tx:
        await outbox_repo.enqueue_many(tx, [row("many:taken", "d'abord")])
    rows = [row("many:1", "<@ana> bonjour"), row("many:taken", "<@bea> ignorée"), row("many:2", "pour bea"),
            row("many:3", "<@cyd> et <@ana>")]
    async with sim.ctx.db.transaction() as tx:
        await outbox_repo.enqueue_many(tx, rows, about={1: [ids["cyd"]], 2: [ids["bea"]]})
    written = {r[1]: r[0] for r in await sim.ctx.db.fetchall(
        "SELECT id, key FROM outbox WHERE key LIKE 'many:%' ORDER BY id")}
    assert list(written) == ["many:taken", "many:1", "many:2", "many:3"]
    links = await sim.ctx.db.fetchall("SELECT member_id, outbox_id FROM outbox_subject WHERE outbox_id IN "
                                      f"({', '.join(str(i) for i in written.values())}) ORDER BY outbox_id, member_id")
    assert sorted((r[0], r[1]) for r in links) == sorted([
        (ids["ana"], written["many:1"]), (ids["bea"], written["many:2"]),
        (ids["ana"], written["many:3"]), (ids["cyd"], written["many:3"]),
    ])  # nothing for the ignored row (its `about` and its mention), nothing on the row written first
