"""What the member-of-the-month tests share: the month's opening and closing times, members who joined
long ago, thanks written directly, the poll opened and its ballot read (options, select), plain reads."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import to_epoch
from storage import members as members_repo
from tests.harness import Sim, of

OPEN = "2026-12-01T10:00:00+01:00"


CLOSE = "2026-12-08T10:00:00+01:00"


NOVEMBER = "2026-11-15T12:00:00+01:00"


async def member_id(sim: Sim, user: str) -> int:
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, user)
    assert member is not None
    return member.id


async def set_fields(sim: Sim, user: str, **fields: Any) -> None:
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, await member_id(sim, user), **fields)


async def thank(sim: Sim, to: str, times: int = 1, at: str = NOVEMBER, giver: str | None = None) -> None:
    """Kudos rows written directly (the `thanks` command belongs to the requests area)."""
    to_id = await member_id(sim, to)
    from_id = await member_id(sim, giver) if giver else None
    when = to_epoch(datetime.fromisoformat(at))
    async with sim.ctx.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO kudos (guild_id, from_id, to_id, reason, at) VALUES (?, ?, ?, 'merci', ?)",
            [(sim.ctx.guild_id, from_id, to_id, when)] * times,
        )


async def veteran(sim: Sim, user: str, days_ago: int = 60, locale: str = "fr") -> None:
    """An onboarded member who joined `days_ago` days ago (eligible to vote and nominate)."""
    await sim.onboard(user, locale)
    await set_fields(sim, user, joined_at=sim.ctx.now_ts() - days_ago * 86400)


async def community(sim: Sim, *users: str) -> None:
    for offset, user in enumerate(users):
        await veteran(sim, user, days_ago=100 - offset)  # earlier in the list = longer membership


def ballot_of(outs: list[dict[str, Any]]) -> dict[str, Any]:
    posts = of(outs, "post", kind="motm-poll")
    assert posts, outs
    return posts[-1]


def options_of(post: dict[str, Any]) -> list[str]:
    (component,) = post["components"]
    return [o["value"] for o in component["options"]]


def select_id(post: dict[str, Any]) -> str:
    return post["components"][0]["custom_id"]


async def open_poll(sim: Sim) -> dict[str, Any]:
    outs = await sim.advance(until=OPEN)
    return ballot_of(outs)


async def rows(sim: Sim, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with sim.ctx.db.reader.execute(sql, params) as cur:
        return [tuple(r) for r in await cur.fetchall()]
