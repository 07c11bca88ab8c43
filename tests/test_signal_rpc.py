"""The JSON-RPC client against a fake signal-cli on a temporary UNIX socket."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.transports.signal_rpc import MAX_LINE, ConnectionLost, Endpoint, RpcError, SignalRpc
from tests.signal_peer import FakeSignalCli, PeerError


@pytest.fixture
async def peer(tmp_path: Path) -> AsyncIterator[FakeSignalCli]:
    fake = await FakeSignalCli(tmp_path / "signal.sock").start()
    yield fake
    await fake.stop()


@pytest.fixture
async def client(peer: FakeSignalCli) -> AsyncIterator[SignalRpc]:
    rpc = SignalRpc(Endpoint(socket=peer.path), backoff_start=0.01, backoff_max=0.05, timeout=5)
    await rpc.connect()
    yield rpc
    await rpc.close()


async def test_one_request_one_line_with_an_id(client: SignalRpc, peer: FakeSignalCli) -> None:
    assert await client.call("version") == {"version": "0.13.19"}
    assert len(peer.raw_lines) == 1 and peer.raw_lines[0].endswith(b"\n")
    frame = json.loads(peer.raw_lines[0])
    assert frame["jsonrpc"] == "2.0" and frame["method"] == "version" and frame["id"]


async def test_answers_out_of_order_reach_their_callers(client: SignalRpc, peer: FakeSignalCli) -> None:
    release = asyncio.Event()
    peer.hold["version"] = release
    slow = asyncio.create_task(client.call("version"))
    await asyncio.sleep(0.05)
    groups = await client.call("listGroups", {"account": "+33600000000"})  # answered first
    assert not slow.done()
    release.set()
    assert await slow == {"version": "0.13.19"}
    assert groups[0]["members"]


async def test_a_batch_is_one_line_and_errors_stay_per_call(client: SignalRpc, peer: FakeSignalCli) -> None:
    def refuse(params: dict) -> None:
        raise PeerError(-32602, "Specified account does not exist")

    peer.handlers["send"] = refuse
    results = await client.batch([("listGroups", {"account": "+1"}), ("send", {"account": "+1", "message": "x"})])
    assert len(peer.raw_lines) == 1 and isinstance(json.loads(peer.raw_lines[0]), list)
    assert isinstance(results[0], list)
    assert isinstance(results[1], RpcError) and results[1].code == -32602


async def test_an_error_raises_with_its_code(client: SignalRpc, peer: FakeSignalCli) -> None:
    with pytest.raises(RpcError) as caught:
        await client.call("noSuchMethod")
    assert caught.value.code == -32601


async def test_notifications_between_answers_go_to_the_queue(client: SignalRpc, peer: FakeSignalCli) -> None:
    await peer.notify({"envelope": {"sourceUuid": "a", "timestamp": 1}})
    assert await client.call("version") == {"version": "0.13.19"}
    note = await asyncio.wait_for(client.notifications.get(), 2)
    assert note["method"] == "receive" and note["params"]["envelope"]["sourceUuid"] == "a"


async def test_long_lines_and_an_overlong_one(client: SignalRpc, peer: FakeSignalCli) -> None:
    text = "é" * (3 * 1024 * 1024)  # a 6 MB line arrives whole
    await peer.notify({"envelope": {"sourceUuid": "long", "dataMessage": {"message": text}}})
    note = await asyncio.wait_for(client.notifications.get(), 5)
    assert note["params"]["envelope"]["dataMessage"]["message"] == text
    await peer.write_line(b'{"jsonrpc":"2.0","method":"receive","params":{"x":"' + b"a" * (MAX_LINE + 10) + b'"}}\n')
    await peer.write_line(b"not json\n")
    await peer.notify({"envelope": {"sourceUuid": "after"}})
    note = await asyncio.wait_for(client.notifications.get(), 5)
    assert note["params"]["envelope"]["sourceUuid"] == "after"  # the stream survived both
    assert await client.call("version") == {"version": "0.13.19"}


async def test_reconnects_after_a_restart_and_calls_back(peer: FakeSignalCli) -> None:
    calls: list[int] = []

    async def reconciled() -> None:
        calls.append(rpc.connections)

    rpc = SignalRpc(Endpoint(socket=peer.path), on_connected=reconciled, backoff_start=0.01, backoff_max=0.05)
    await rpc.connect()
    try:
        release = asyncio.Event()
        peer.hold["version"] = release
        in_flight = asyncio.create_task(rpc.call("version"))
        await asyncio.sleep(0.05)
        await peer.restart()
        with pytest.raises(ConnectionLost):  # its outcome is unknown: the caller decides
            await in_flight
        release.set()
        await peer.notify({"envelope": {"sourceUuid": "while-away"}})  # may be queued by the daemon
        assert await rpc.call("version", timeout=5) == {"version": "0.13.19"}
        note = await asyncio.wait_for(rpc.notifications.get(), 2)
        assert note["params"]["envelope"]["sourceUuid"] == "while-away"
        for _ in range(100):
            if len(calls) >= 2:
                break
            await asyncio.sleep(0.01)
        assert calls == [1, 2]
    finally:
        await rpc.close()


async def test_not_connected_fails_after_the_wait(tmp_path: Path) -> None:
    rpc = SignalRpc(Endpoint(socket=str(tmp_path / "nobody.sock")), backoff_start=0.01, backoff_max=0.02)
    await rpc.start()
    try:
        with pytest.raises(ConnectionLost):
            await rpc.call("version", timeout=0.1)
    finally:
        await rpc.close()
