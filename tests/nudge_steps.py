"""What the weekly nudge tests share: the Wednesday they go out, a community without routing rounds in
the way, the nudges among the outputs and their buttons, skills offered, members who joined long ago,
the nudge rows written."""
from __future__ import annotations

from pathlib import Path

from storage import engagement as engagement_repo
from tests.harness import Sim, config_with
from tests.test_digest import member_id, set_member, ts

WEDNESDAY = "2026-12-02T18:00:00+01:00"


QUIET_REQUESTS = {"round_after_hours": 1000, "urgent_round_after_hours": 1000}  # no routing rounds in the way


DAY = 86400


async def open_sim(tmp_path: Path, start: str = "2026-12-01T09:00:00+01:00", **sections: dict) -> Sim:
    config = config_with(**{"requests": QUIET_REQUESTS, "motm": {"open_day": 28}, **sections})
    return await Sim(tmp_path / "nudges.sqlite", config=config, start=start).open()


def nudges(outs: list[dict], user: str | None = None) -> list[dict]:
    found = [o for o in outs if o.get("kind") == "nudge"]
    return [o for o in found if user is None or o.get("user") == user or o.get("mentions") == [user]]


def buttons(message: dict) -> list[str]:
    return [c["custom_id"] for c in message.get("components", [])]


async def offer(sim: Sim, user: str, *skills: str) -> None:
    from tests.test_digest import give_skill

    for skill in skills:
        await give_skill(sim, user, skill)


async def veteran(sim: Sim, user: str) -> None:
    """Joined long ago: the newcomer check-ins (and the week they keep nudges away) are behind them."""
    long_ago = ts("2026-09-01T10:00:00+02:00")
    await set_member(sim, user, joined_at=long_ago, charter_accepted_at=long_ago)


async def nudge_rows(sim: Sim, user: str) -> list[tuple[str, str, int | None]]:
    return await engagement_repo.nudges_of(sim.ctx.db.reader, await member_id(sim, user))
