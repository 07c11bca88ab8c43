"""A member whose data was erased is still counted where aggregates keep them (a closed poll, the mod
history, a post already queued); there the bot says « un·e ancien·ne membre » / "a former member"
(`common.former_member`), in the reader's language: never the tombstone's handle, never an empty name."""
from __future__ import annotations

import json

from tests.harness import Sim, of
from tests.poll_steps import member_id

GONE = "wilhelmina"


async def _community(sim: Sim) -> dict[str, int]:
    """GONE won last month's poll, acted as an animator once, and is named in a post still queued."""
    await sim.onboard(GONE)
    await sim.onboard("bruno")
    await sim.onboard("emma", locale="en")
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    me, bruno = await member_id(sim, GONE), await member_id(sim, "bruno")
    now, g = sim.ctx.now_ts(), sim.ctx.guild_id
    async with sim.ctx.db.transaction() as tx:
        poll = (await tx.execute(
            "INSERT INTO poll (guild_id, month, status, opened_at, nominations_until, closes_at, closed_at, "
            "winner_id, votes_cast) VALUES (?, '2026-11', 'closed', ?, ?, ?, ?, ?, 4)",
            (g, now - 9 * 86400, now - 9 * 86400, now - 2 * 86400, now - 2 * 86400, me))).lastrowid
        for nominee, votes in ((me, 3), (bruno, 1)):
            await tx.execute("INSERT INTO nomination (poll_id, nominee_id, source, at, votes) "
                             "VALUES (?, ?, 'thanks', ?, ?)", (poll, nominee, now - 9 * 86400, votes))
        await tx.execute("INSERT INTO mod_case (guild_id, actor_id, action, target_id, reason, at) "
                         "VALUES (?, ?, 'note', ?, 'préfère le téléphone', ?)", (g, me, bruno, now))
        queued = (await tx.execute(
            "INSERT INTO outbox (guild_id, kind, target, payload, status, not_before, created_at) "
            "VALUES (?, 'digest', 'channel:general', ?, 'pending', ?, ?)",
            (g, json.dumps({"text": f"Merci de {GONE}, et bienvenue à <@{GONE}> !", "mentions": [GONE]}),
             now + 3600, now))).lastrowid
        await tx.execute("INSERT INTO outbox_subject (member_id, outbox_id) VALUES (?, ?)", (me, queued))
        proposal = (await tx.execute(
            "INSERT INTO proposal (guild_id, author_id, title, status, created_at, closed_at, votes_for, "
            "votes_against, votes_abstain) VALUES (?, ?, 'Un potager', 'accepted', ?, ?, 3, 1, 0)",
            (g, me, now - 20 * 86400, now - 5 * 86400))).lastrowid
    return {"me": me, "bruno": bruno, "proposal": proposal}


async def test_an_erased_member_is_a_former_member_in_every_list_and_message(sim: Sim) -> None:
    ids = await _community(sim)
    assert (await sim.command(GONE, "profile delete", confirm=True))["ok"]

    status = await sim.command("bruno", "motm status")
    assert "Dernier vote du membre du mois : un·e ancien·ne membre." in status["text"], status
    assert "un·e ancien·ne membre 3 · bruno 1" in status["text"], status
    assert status["data"]["winner"] == "un·e ancien·ne membre"
    english = await sim.command("emma", "motm status")
    assert "a former member" in english["text"] and "ancien" not in english["text"], english

    history = await sim.command("anim", "mod history", member="bruno")
    assert "par un·e ancien·ne membre" in history["text"], history
    assert history["data"]["cases"][0]["by"] == "un·e ancien·ne membre"

    await sim.advance(by="2h")
    (digest,) = of(sim.last, "post", kind="digest")
    assert digest["text"] == "Merci d'un·e ancien·ne membre, et bienvenue à un·e ancien·ne membre !", digest
    assert digest["mentions"] == []

    shown = await sim.command("bruno", "proposal show", id=ids["proposal"])  # the tally stays, their words go
    assert f"💡 Proposition n°{ids['proposal']} d'un·e ancien·ne membre : titre effacé" in shown["text"], shown
    listed = await sim.command("emma", "proposal list")
    assert f"#{ids['proposal']} · title erased · " in listed["text"], listed

    seen = json.dumps([status, english, history, digest, shown, listed], ensure_ascii=False)
    assert f"erased-{ids['me']}" not in seen and "erased:" not in seen and GONE not in seen
