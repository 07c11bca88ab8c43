"""A fake signal-cli daemon on a temporary UNIX socket, speaking its JSON-RPC frames.

Like `daemon --receive-mode=on-connection`: notifications pushed while no client is connected wait
for the next connection. Handlers per method decide the answers; `hold` delays answers so tests can
check out-of-order matching; `restart` drops every connection like a daemon restart.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Handler = Callable[[dict[str, Any]], Any]

BOT_ACI = "00000000-0000-4000-8000-00000000b07a"
BOT_NUMBER = "+33600000000"
GROUP_ID = "Z3JvdXAtZW50cmFpZGUtMDAwMDAwMDAwMDAwMDAwMDA="


class PeerError(Exception):
    """Raised by a handler: answered as a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


class FakeSignalCli:
    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.requests: list[dict[str, Any]] = []
        self.raw_lines: list[bytes] = []
        self.handlers: dict[str, Handler] = {}
        self.pending_notifications: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = [{"uuid": BOT_ACI, "number": BOT_NUMBER}]
        self.admins: list[dict[str, Any]] = [{"uuid": BOT_ACI, "number": BOT_NUMBER}]
        self.sent: list[dict[str, Any]] = []
        self.send_results: list[Callable[[dict[str, Any]], Any]] = []  # one-shot overrides for `send`
        self.hold: dict[str, asyncio.Event] = {}  # method → answer only once set
        self._timestamp = 1_764_000_000_000
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.connections = 0
        self.connected = asyncio.Event()

    # Life ------------------------------------------------------------------------------------

    async def start(self) -> FakeSignalCli:
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=self.path, limit=32 * 1024 * 1024)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        self._writers.clear()
        self.connected.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # Traffic ---------------------------------------------------------------------------------

    def next_timestamp(self) -> int:
        self._timestamp += 1000
        return self._timestamp

    async def notify(self, params: dict[str, Any]) -> None:
        """A `receive` notification (queued until a client is connected)."""
        frame = {"jsonrpc": "2.0", "method": "receive", "params": params}
        if not self._writers:
            self.pending_notifications.append(frame)
            return
        await self.write_line(json.dumps(frame, ensure_ascii=False).encode() + b"\n")

    async def write_line(self, data: bytes) -> None:
        for writer in list(self._writers):
            writer.write(data)
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self.connections += 1
        self.connected.set()
        waiting, self.pending_notifications = self.pending_notifications, []
        for frame in waiting:
            writer.write(json.dumps(frame, ensure_ascii=False).encode() + b"\n")
        await writer.drain()
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                self.raw_lines.append(line)
                value = json.loads(line)
                asyncio.create_task(self._answer(value, writer))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            if not self._writers:
                self.connected.clear()

    async def _answer(self, value: Any, writer: asyncio.StreamWriter) -> None:
        if isinstance(value, list):
            answers = [await self._one(item) for item in value]
            data = json.dumps(answers, ensure_ascii=False).encode() + b"\n"
        else:
            data = json.dumps(await self._one(value), ensure_ascii=False).encode() + b"\n"
        if writer.is_closing():
            return
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    async def _one(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        method = request.get("method", "")
        if method in self.hold:
            await self.hold[method].wait()
        try:
            result = await self._result(method, request.get("params") or {})
            return {"jsonrpc": "2.0", "result": result, "id": request.get("id")}
        except PeerError as exc:
            error = {"code": exc.code, "message": exc.message, "data": exc.data}
            return {"jsonrpc": "2.0", "error": error, "id": request.get("id")}

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method in self.handlers:
            result = self.handlers[method](params)
            return await result if isinstance(result, Awaitable) else result
        if method == "version":
            return {"version": "0.13.19"}
        if method == "listAccounts":
            return [{"number": BOT_NUMBER, "uuid": BOT_ACI}]
        if method == "listContacts":
            wanted = set(params.get("recipient") or [])
            return [{"number": m.get("number"), "uuid": m["uuid"], "name": "", "profile": {
                     "givenName": m.get("name"), "familyName": None, "about": None}}
                    for m in self.members if m["uuid"] in wanted and m.get("name")]
        if method == "listGroups":
            listed = [{"uuid": m["uuid"], "number": m.get("number")} for m in self.members]  # no names here
            return [{"id": GROUP_ID, "name": "Entraide", "isMember": True, "isBlocked": False,
                     "members": listed, "pendingMembers": [], "requestingMembers": [],
                     "admins": list(self.admins)}]
        if method in ("send", "sendReaction"):
            timestamp = self.next_timestamp()
            entry = {"method": method, **params, "timestamp": timestamp}
            if method == "send" and self.send_results:
                entry["outcome"] = "refused"
                self.sent.append(entry)
                return self.send_results.pop(0)(entry)
            self.sent.append(entry)
            recipients = params.get("recipient") or [params.get("groupId")]
            results = [{"recipientAddress": {"uuid": r}, "type": "SUCCESS"} for r in recipients]
            return {"timestamp": timestamp, "results": results}
        if method == "updateGroup":
            self.sent.append({"method": method, **params})
            removed = set(params.get("removeMember") or [])
            self.members = [m for m in self.members if m["uuid"] not in removed]
            return {"timestamp": self.next_timestamp()}
        raise PeerError(-32601, f"Method not implemented: {method}")


def envelope(
    uuid: str, name: str, *, text: str | None = None, timestamp: int, group: str | None = GROUP_ID,
    mentions: list[dict[str, Any]] | None = None, reaction: dict[str, Any] | None = None,
    group_type: str = "DELIVER", account: str = BOT_NUMBER,
) -> dict[str, Any]:
    """The params of a `receive` notification as signal-cli 0.13 writes them."""
    data: dict[str, Any] = {"timestamp": timestamp, "message": text, "expiresInSeconds": 0, "viewOnce": False}
    if mentions:
        data["mentions"] = mentions
    if group is not None:
        data["groupInfo"] = {"groupId": group, "groupName": "Entraide", "revision": 3, "type": group_type}
    if reaction is not None:
        data["reaction"] = reaction
        data["message"] = None
    return {"envelope": {"source": uuid, "sourceNumber": None, "sourceUuid": uuid, "sourceName": name,
                         "sourceDevice": 1, "timestamp": timestamp, "serverReceivedTimestamp": timestamp + 5,
                         "serverDeliveredTimestamp": timestamp + 9, "dataMessage": data},
            "account": account}
