"""Installing on a server that already has members: `setup adopt`, `setup check`, `join` with `joined_at`."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, config_with, of

BEFORE = "2025-06-01T10:00:00+02:00"


async def _server_with_old_members(sim: Sim) -> None:
    """Camille (animator), Bruno and Aïcha were on the server long before the bot."""
    for user in ("camille", "bruno", "aicha"):
        outs = await sim.join(user, joined_at=BEFORE)
        assert not of(outs, "dm") and not of(outs, "post"), outs
    await sim.roles("camille", add=["animator"])


async def test_a_join_with_joined_at_starts_no_onboarding(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        outs = await sim.join("bruno", joined_at=BEFORE, name="Bruno M.")
        assert [o["type"] for o in outs] == []
        outs = await sim.advance(by="8d")
        assert not of(outs, "dm", user="bruno")
    finally:
        await sim.close()


async def test_adopting_makes_old_members_members_without_welcome_nor_godparent(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await _server_with_old_members(sim)
        denied = await sim.command("bruno", "setup adopt")
        assert denied["error"] == "permission_denied"
        reply = await sim.command("camille", "setup adopt")
        assert reply["ok"] and reply["data"] == {"adopted": 3}, reply
        outs = sim.last + await sim.advance(by="1h")
        kinds = {o.get("kind") for o in outs if o["type"] in ("dm", "post")}
        assert not kinds & {"welcome", "godparent-intro", "godparent-needed", "charter", "checkin"}, outs
        assert sorted(o["user"] for o in of(outs, "role", added="member")) == ["aicha", "bruno", "camille"]
        assert len(of(outs, "post", kind="mod-log")) == 1
        # Idempotent: nobody is adopted twice.
        again = await sim.command("camille", "setup adopt")
        assert again["data"] == {"adopted": 0}
        # They are members with their tenure: they can nominate and vote, and a month of check-ins stays quiet.
        profile = await sim.command("bruno", "profile set", skills="plomberie", godparent=True)
        assert profile["ok"], profile
        outs = await sim.advance(by="31d")
        assert not of(outs, "dm", kind="checkin"), [o for o in outs if o.get("kind") == "checkin"]
        # Someone who joins later is a newcomer: welcome, public welcome, a godparent (an adopted volunteer).
        outs = await sim.join("nina")
        assert of(outs, "dm", kind="welcome", user="nina")
        await sim.click("nina", "charter:accept")
        assert of(sim.last, "post", kind="welcome")
        intros = of(sim.last, "dm", kind="godparent-intro")
        assert {o["user"] for o in intros} == {"nina", "bruno"}
    finally:
        await sim.close()


async def test_an_animator_is_never_given_a_godparent(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await _server_with_old_members(sim)
        await sim.command("camille", "setup adopt")
        await sim.command("bruno", "profile set", godparent=True)
        await sim.join("dana")
        await sim.roles("dana", add=["animator"])
        await sim.click("dana", "charter:accept")
        assert not of(sim.last, "dm", kind="godparent-intro")
        assert not of(sim.last, "post", kind="godparent-needed")
    finally:
        await sim.close()


async def test_adopting_with_charter_send_asks_softly(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await _server_with_old_members(sim)
        reply = await sim.command("camille", "setup adopt", charter="send")
        assert reply["data"] == {"adopted": 3}
        outs = sim.last + await sim.advance(by="1h")
        charters = of(outs, "dm", kind="charter")
        assert sorted(o["user"] for o in charters) == ["aicha", "bruno", "camille"]
        assert charters[0]["components"][0]["custom_id"] == "charter:accept"
        assert not of(outs, "role")
        accepted = await sim.click("bruno", "charter:accept")
        assert accepted["ok"]
        assert of(sim.last, "role", user="bruno", added="member")
        assert not of(sim.last, "post", kind="welcome") and not of(sim.last, "dm", kind="godparent-intro")
        assert not of(sim.last, "post", kind="godparent-needed")
        # Accepting later keeps their tenure: no newcomer in the digest, no check-ins.
        outs = await sim.advance(by="8d")
        digest = of(outs, "post", kind="weekly-digest")
        assert all("@bruno" not in o["text"] for o in digest), digest
        assert not of(outs, "dm", kind="checkin")
        bad = await sim.command("camille", "setup adopt", charter="maybe")
        assert bad["error"] == "invalid_input"
    finally:
        await sim.close()


async def test_members_who_joined_under_the_bots_eyes_stay_newcomers(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await _server_with_old_members(sim)
        await sim.join("nina")
        reply = await sim.command("camille", "setup adopt")
        assert reply["data"] == {"adopted": 3}
        await sim.click("nina", "charter:accept")
        assert of(sim.last, "post", kind="welcome")
    finally:
        await sim.close()


async def test_setup_check_on_the_console(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite").open()
    try:
        await _server_with_old_members(sim)
        reply = await sim.command("camille", "setup check")
        checks = reply["data"]["checks"]
        assert checks and all(c["ok"] for c in checks)
        assert {"what", "ok", "fix"} <= set(checks[0])
        assert (await sim.command("bruno", "setup check"))["error"] == "permission_denied"
    finally:
        await sim.close()
    config = config_with(channels={"animators": "123456789012345678"})
    sim = await Sim(tmp_path / "d.sqlite", config).open()
    try:
        await _server_with_old_members(sim)
        reply = await sim.command("camille", "setup check")
        bad = [c for c in reply["data"]["checks"] if not c["ok"]]
        assert len(bad) == 1 and "123456789012345678" in bad[0]["what"] and bad[0]["fix"]
        assert "❌" in reply["text"]
    finally:
        await sim.close()
