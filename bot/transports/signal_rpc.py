"""A JSON-RPC 2.0 client for signal-cli's daemon (`--socket` or `--tcp`): one JSON value per line.

Why its own module: the daemon answers out of order, accepts batches, pushes `receive`
notifications between answers, and may restart under us. A reader task owns the socket's input;
each request waits on a future keyed by its id; notifications go to a queue; a supervisor
reconnects with backoff and calls `on_connected` (the transport re-reads the group's members
there: there are no join/leave events on Signal).
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_LINE = 16 * 1024 * 1024  # an envelope with a long text and its quotes stays well under this
DEFAULT_TIMEOUT = 60.0

# signal-cli's error codes (JSON-RPC `error.code`)
USER_ERROR = -1
IO_ERROR = -3
UNTRUSTED_KEY = -4
RATE_LIMIT = -5
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


class RpcError(Exception):
    """An `error` object from the daemon."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.data = code, message, data

    @classmethod
    def from_json(cls, error: Any) -> RpcError:
        if not isinstance(error, dict):
            return cls(INTERNAL_ERROR, str(error))
        code = error.get("code")
        return cls(code if isinstance(code, int) else INTERNAL_ERROR, str(error.get("message", "")), error.get("data"))


class ConnectionLost(Exception):
    """The daemon went away (or never answered): the request's outcome is unknown."""


@dataclass(frozen=True)
class Endpoint:
    """Where the daemon listens: a UNIX socket path or `host:port`."""

    socket: str | None = None
    tcp: str | None = None

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.socket:
            return await asyncio.open_unix_connection(self.socket, limit=MAX_LINE)
        if self.tcp:
            host, _, port = self.tcp.rpartition(":")
            return await asyncio.open_connection(host or "127.0.0.1", int(port), limit=MAX_LINE)
        raise ValueError("an endpoint needs a socket path or host:port")

    def __str__(self) -> str:
        return self.socket or f"tcp://{self.tcp}"


Notification = dict[str, Any]


class SignalRpc:
    """Requests matched by id, batches, a notification queue, reconnection with backoff."""

    def __init__(
        self, endpoint: Endpoint, *, on_connected: Callable[[], Awaitable[None]] | None = None,
        backoff_start: float = 0.5, backoff_max: float = 30.0, timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.endpoint = endpoint
        self.on_connected = on_connected
        self.backoff_start, self.backoff_max, self.timeout = backoff_start, backoff_max, timeout
        self.connect_wait = 2.0  # a call made while disconnected waits this long for the reconnection
        self.notifications: asyncio.Queue[Notification] = asyncio.Queue()
        self.connected = asyncio.Event()
        self.connections = 0  # how many times a connection was made (tests, logs)
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False

    # Connection ------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect once (raises OSError if the daemon is not there), then keep reconnecting."""
        await self._open()
        self._supervisor = asyncio.create_task(self._supervise(), name="signal-rpc-supervisor")

    async def start(self) -> None:
        """Keep trying to connect in the background (the daemon may start after the bot)."""
        self._supervisor = asyncio.create_task(self._supervise(), name="signal-rpc-supervisor")

    async def _open(self) -> None:
        reader, writer = await self.endpoint.open()
        self._writer = writer
        if self.on_connected is not None:  # scheduled before the reader: it starts before anything is read
            asyncio.create_task(self._after_connect(), name="signal-rpc-reconcile")
        self._reader_task = asyncio.create_task(self._read(reader), name="signal-rpc-reader")
        self.connections += 1
        self.connected.set()
        log.info("connected to signal-cli at %s", self.endpoint)

    async def _after_connect(self) -> None:
        try:
            assert self.on_connected is not None
            await self.on_connected()
        except Exception:  # the next connection tries again; the bot keeps running
            log.exception("after-connect callback failed")

    async def _supervise(self) -> None:
        delay = self.backoff_start
        while not self._closing:
            if self._reader_task is not None:
                await asyncio.gather(self._reader_task, return_exceptions=True)
                if self._closing:
                    return
                log.warning("signal-cli connection lost; reconnecting")
            try:
                await self._open()
                delay = self.backoff_start
            except OSError as exc:
                self._reader_task = None
                log.warning("signal-cli at %s unreachable (%s); retrying in %.1f s", self.endpoint, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    async def close(self) -> None:
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task
        self._fail_pending(ConnectionLost("client closed"))

    # Reading ---------------------------------------------------------------------------------

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # longer than MAX_LINE: that value is dropped, the stream goes on
                    log.warning("signal-cli sent a line over %d bytes; skipped", MAX_LINE)
                    continue
                if not line:
                    return
                if line.strip():
                    self._dispatch(line)
        except (ConnectionError, OSError) as exc:
            log.warning("signal-cli read failed: %s", exc)
        finally:
            self.connected.clear()
            if self._writer is not None:
                self._writer.close()
            self._writer = None
            self._fail_pending(ConnectionLost("signal-cli closed the connection"))

    def _dispatch(self, line: bytes) -> None:
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            log.warning("signal-cli sent a line that is not JSON; skipped")
            return
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            if "method" in item and item.get("id") is None:
                self.notifications.put_nowait(item)
                continue
            future = self._pending.pop(str(item.get("id")), None)
            if future is None or future.done():
                if item.get("id") is None and "error" in item:
                    log.warning("signal-cli refused a request it could not read: %s", item["error"])
                continue
            if "error" in item and item["error"] is not None:
                future.set_exception(RpcError.from_json(item["error"]))
            else:
                future.set_result(item.get("result"))

    def _fail_pending(self, exc: Exception) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(exc)

    # Writing ---------------------------------------------------------------------------------

    def _request(self, method: str, params: dict[str, Any] | None) -> tuple[dict[str, Any], asyncio.Future[Any]]:
        request_id = str(next(self._ids))
        request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
        if params:
            request["params"] = params
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        return request, future

    async def _write(self, value: Any, wait: float) -> None:
        if not self.connected.is_set():
            try:
                await asyncio.wait_for(self.connected.wait(), min(wait, self.connect_wait))
            except TimeoutError:
                raise ConnectionLost(f"signal-cli at {self.endpoint} is not connected") from None
        writer = self._writer
        if writer is None:
            raise ConnectionLost("signal-cli connection closed")
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        try:
            writer.write(data)
            await writer.drain()
        except (ConnectionError, OSError) as exc:
            raise ConnectionLost(str(exc)) from exc

    async def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        """One request; its result, or RpcError / ConnectionLost."""
        request, future = self._request(method, params)
        return await self._await([request], [future], timeout, single=True)

    async def batch(
        self, calls: Sequence[tuple[str, dict[str, Any] | None]], timeout: float | None = None
    ) -> list[Any]:
        """Several requests in one line; each answer in order of the calls, an RpcError for a refusal."""
        requests, futures = [], []
        for method, params in calls:
            request, future = self._request(method, params)
            requests.append(request)
            futures.append(future)
        return await self._await(requests, futures, timeout, single=False)

    async def _await(
        self, requests: list[dict[str, Any]], futures: list[asyncio.Future[Any]], timeout: float | None, single: bool
    ) -> Any:
        limit = self.timeout if timeout is None else timeout
        try:
            await self._write(requests[0] if single else requests, limit)
            done = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), limit)
        except TimeoutError:
            raise ConnectionLost(f"signal-cli did not answer within {limit:.0f} s") from None
        finally:
            for request in requests:
                self._pending.pop(request["id"], None)
        for value in done:
            if isinstance(value, ConnectionLost):
                raise value
        if single:
            if isinstance(done[0], BaseException):
                raise done[0]
            return done[0]
        return list(done)
