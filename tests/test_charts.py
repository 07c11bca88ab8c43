"""Pictures worth posting: vitality as small multiples (one panel per indicator, whole-number axes,
axis labels, a few dated ticks even at 365 days, no weeks before the community), no empty frames,
and the human console saying where each picture is."""
from __future__ import annotations

import base64
import struct
import subprocess
from datetime import date, timedelta
from pathlib import Path

from bot import charts
from bot.commands.vitality import has_something_to_draw
from bot.services.vitality import Indicators
from bot.transports.console_repl import format_for_humans
from tests.harness import Sim, of
from tests.pg_support import entraide

NAMES = ("membres actif·ve·s", "nouvelles arrivées", "demandes ouvertes", "demandes résolues")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def panels(weeks: int) -> list[charts.Panel]:
    return [charts.Panel(name, [(i * (k + 1)) % 7 for i in range(weeks)], "personnes") for k, name in enumerate(NAMES)]


def test_each_indicator_has_its_own_panel_and_no_series_is_drawn_twice() -> None:
    labels = [f"{n} sem." for n in range(53)]
    fig = charts.small_multiples_figure(labels, panels(53), "Par semaine", "Semaine du")
    try:
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(visible) == len(NAMES)
        drawn = [line.get_label() for ax in visible for line in ax.get_lines()]
        assert sorted(drawn) == sorted(NAMES)  # one line each, none twice, none hidden behind another
        for ax in visible:
            assert [line.get_label() for line in ax.get_lines()] == [ax.get_title(loc="left")]
            assert all(float(tick).is_integer() for tick in ax.get_yticks())  # head counts: 0, 2, 4, never 0.2
            assert ax.get_ylabel() == "personnes"
            assert 2 <= len(ax.get_xticks()) <= charts.MAX_X_TICKS  # 365 days: a few dates, not 52
        assert {ax.get_xlabel() for ax in visible[-2:]} == {"Semaine du"}
    finally:
        charts._pyplot().close(fig)


def test_week_ticks_are_few_evenly_spaced_and_end_on_the_last_week() -> None:
    assert charts.week_ticks(4) == [0, 1, 2, 3]
    ticks = charts.week_ticks(53)
    assert len(ticks) <= charts.MAX_X_TICKS and ticks[-1] == 52
    assert len({b - a for a, b in zip(ticks, ticks[1:], strict=False)}) == 1


def test_the_png_has_a_postable_size(tmp_path: Path) -> None:
    path = charts.small_multiples([f"w{n}" for n in range(53)], panels(53), "Par semaine", "Semaine du",
                                  filename="vitality.png", directory=tmp_path)
    assert png_size(path) == (1000, 620)
    assert 10_000 < path.stat().st_size < 250_000
    one = charts.small_multiples(["7 déc."], panels(1), "Par semaine", "Semaine du", filename="one.png",
                                 directory=tmp_path)
    assert png_size(one) == (1000, 620)


def test_nothing_to_draw_means_no_chart() -> None:
    empty = Indicators(days=30, active_members=0, newcomers=0, retention_30d=None, requests_opened=0,
                       requests_resolved=0, median_hours_to_first_helper=None, unmet_skills=[], reciprocity=0,
                       godparent_coverage=None, weekly=[])
    assert not has_something_to_draw(empty)


async def test_vitality_starts_with_the_community_and_attaches_small_multiples(sim: Sim, tmp_path: Path) -> None:
    await sim.roles("camille", add=["animator"])
    await sim.onboard("camille", "fr")
    await sim.onboard("ana", "fr", skills="cuisine")
    await sim.advance(by="20d")
    reply = await sim.command("camille", "vitality", days=365)
    assert reply["ok"]
    weeks = [date.fromisoformat(w["week_start"]) for w in reply["data"]["weekly"]]
    assert weeks[0] == date(2026, 11, 30)  # the community's first week (Tuesday 1 Dec), not December 2025
    assert all(b - a == timedelta(days=7) for a, b in zip(weeks, weeks[1:], strict=False))
    [picture] = reply["attachments"]
    assert picture["filename"] == "vitality.png"
    human = format_for_humans(reply, tmp_path / "pictures")
    assert f"🖼 vitality.png: {tmp_path / 'pictures' / 'vitality.png'}" in human
    assert png_size(tmp_path / "pictures" / "vitality.png") == (1000, 620)
    again = format_for_humans(reply, tmp_path / "pictures")  # a second picture never overwrites the first
    assert f"🖼 vitality.png: {tmp_path / 'pictures' / 'vitality-2.png'}" in again


async def test_a_community_with_nothing_to_show_gets_a_sentence(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await sim.roles("camille", add=["animator"])
        await sim.onboard("camille", "fr")
        async with sim.ctx.db.transaction() as tx:  # a community whose first member came long ago, then silence
            await tx.execute("UPDATE member SET joined_at = joined_at - 400 * 86400")
            await tx.execute("DELETE FROM activity_day")
            await tx.execute("UPDATE member SET last_active_at = NULL, last_activity_day = NULL")
        reply = await sim.command("camille", "vitality", days=30)
        if not reply.get("attachments"):
            assert "Pas encore de graphique" in reply["text"]
        else:  # the animator's own command counted as activity: then the chart has something to show
            assert any(w["active_members"] for w in reply["data"]["weekly"])
    finally:
        await sim.close()


def test_the_human_console_says_where_each_picture_is(tmp_path: Path) -> None:
    """The REPL (not --jsonl) writes each picture next to the database (a PostgreSQL one: in the
    current folder, here the same one) and prints its path."""
    db = tmp_path / "community.sqlite"
    script = "\n".join([":join camille", ":click camille charter:accept", ":role camille +animator",
                        ":join ana", ":click ana charter:accept", "ana> profile set skills=cuisine",
                        "camille> vitality", ":quit"]) + "\n"
    proc = subprocess.run(entraide("console", "--db", str(db)), input=script.encode(),
                          capture_output=True, timeout=120, cwd=tmp_path)
    out = proc.stdout.decode()
    picture = tmp_path / "pictures" / "vitality.png"
    assert f"🖼 vitality.png: {picture}" in out, out + proc.stderr.decode()
    assert png_size(picture) == (1000, 620)


async def test_the_motm_chart_shows_only_people_who_got_votes(sim: Sim, tmp_path: Path) -> None:
    from tests.poll_steps import CLOSE, community, open_poll, select_id, thank

    await community(sim, "bruno", "leo", "v1")
    await thank(sim, "bruno", 2)
    await thank(sim, "leo", 1)
    post = await open_poll(sim)
    assert (await sim.click("v1", select_id(post), ["bruno"]))["ok"]
    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    [chart] = result["attachments"]
    (tmp_path / "motm.png").write_bytes(base64.b64decode(chart["content_base64"]))
    width, height = png_size(tmp_path / "motm.png")
    assert width == 600 and height == 200  # one bar: the winner's; nobody is drawn with a zero
