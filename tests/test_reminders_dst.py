"""A crontab reminder posts once per local wall time across daylight-saving changes (issue 15,
item 12), the rule every job follows: in the autumn the repeated 02:30 posts once; in the spring the
02:30 that does not exist posts once, at the first valid time after it (03:00)."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim
from tests.test_reminders import animator, reminder_posts


async def test_a_daily_0230_reminder_posts_once_on_the_autumn_change(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "autumn.sqlite", start="2026-10-23T09:00:00+02:00").open()
    try:
        await animator(sim)
        reply = await sim.command("ani", "remind add", when="30 2 * * *", text="Relevé des compteurs")
        assert reply["ok"], reply
        posts = reminder_posts(await sim.advance(until="2026-10-27T12:00:00+01:00"))
        assert [p["at"] for p in posts] == [
            "2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00",
            "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00",
        ]
        await sim.restart(crash=True)  # the rule holds across a restart too
        assert reminder_posts(sim.startup) == []
    finally:
        await sim.close()


async def test_the_missing_0230_of_the_spring_change_posts_once_at_three(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "spring.sqlite", start="2027-03-26T09:00:00+01:00").open()
    try:
        await animator(sim)
        assert (await sim.command("ani", "remind add", when="30 2 * * *", text="Relevé des compteurs"))["ok"]
        posts = reminder_posts(await sim.advance(until="2027-03-30T12:00:00+02:00"))
        assert [p["at"] for p in posts] == [
            "2027-03-27T02:30:00+01:00", "2027-03-28T03:00:00+02:00",
            "2027-03-29T02:30:00+02:00", "2027-03-30T02:30:00+02:00",
        ]
    finally:
        await sim.close()


async def test_a_reminder_added_the_day_before_the_spring_change_first_posts_at_three(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "first.sqlite", start="2027-03-27T12:00:00+01:00").open()
    try:
        await animator(sim)
        reply = await sim.command("ani", "remind add", when="30 2 * * *", text="Relevé")
        assert reply["data"]["next"] == "2027-03-28T03:00:00+02:00", reply
    finally:
        await sim.close()
