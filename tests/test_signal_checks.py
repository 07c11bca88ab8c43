"""`setup check` on Signal: daemon reachable, account registered, bot in the group, bot admin."""
from __future__ import annotations

from pathlib import Path

from bot.transports.signal_checks import signal_checks
from tests.signal_harness import SignalSim, signal_config
from tests.signal_peer import PeerError


async def test_all_green_when_the_bot_is_an_admin_member(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path, signal_config(timeout="remove")).open(members=["alice"])
    try:
        checks = await signal_checks(sim.server, "fr")
        assert [c["ok"] for c in checks] == [True, True, True, True], checks
        sim.peer.admins = []
        checks = await signal_checks(sim.server, "en")
        assert checks[3]["ok"] is False and "admin" in checks[3]["fix"]
    finally:
        await sim.close()


async def test_an_unknown_account_and_a_missing_group_say_what_to_do(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path).open()
    try:
        def unknown(params: dict) -> None:
            raise PeerError(-32602, "Specified account does not exist")

        sim.peer.handlers["listGroups"] = unknown
        checks = await signal_checks(sim.server, "fr")
        assert [c["ok"] for c in checks[:3]] == [True, False, False]
        assert "Enregistrez" in checks[1]["fix"]
        sim.peer.handlers["listGroups"] = lambda params: []
        checks = await signal_checks(sim.server, "en")
        assert [c["ok"] for c in checks[:3]] == [True, True, False]
        assert checks[3]["ok"]  # removals are off: not being admin is fine
    finally:
        await sim.close()


async def test_a_daemon_that_is_gone_fails_every_check(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path).open()
    try:
        await sim.peer.stop()
        sim.server.rpc.connect_wait = 0.1
        checks = await signal_checks(sim.server, "fr")
        assert [c["ok"] for c in checks] == [False, False, False, False]
        assert "signal-cli daemon" in checks[0]["fix"]
    finally:
        await sim.close()


async def test_setup_check_typed_in_signal_answers_animators_in_private(tmp_path: Path) -> None:
    from tests.signal_harness import aci

    sim = await SignalSim(tmp_path).open(members=["alice", "bruno"])
    try:
        sim.peer.admins.append({"uuid": aci("alice"), "number": None})
        await sim.server.reconcile()
        await sim.say("alice", "salut", dm=True)
        sent = await sim.say("alice", "!setup check", dm=True)
        [reply] = sent
        assert reply["recipient"] == [aci("alice")]
        assert reply["message"].count("✅") >= 3 and "signal-cli" in reply["message"]
        refused = await sim.say("bruno", "!setup check", dm=True)
        assert "droit" in refused[0]["message"] and "✅" not in refused[0]["message"]
    finally:
        await sim.close()
