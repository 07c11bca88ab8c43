"""Running the bot on Signal: the engine behind the group, the delivery loop, `entraide run --transport signal`."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bot.app import Engine
from bot.config import CommunityEntry, Config
from bot.network_config import is_network
from bot.transports.signal import SignalServer
from bot.transports.signal_network import SignalNetwork, is_group
from bot.transports.signal_rpc import SignalRpc

log = logging.getLogger(__name__)


async def open_signal(config: Config, db_path: Any, clock: Any, rpc: SignalRpc | None = None,
                      single_instance: bool = True,
                      serves: Callable[[CommunityEntry], bool] | None = None) -> SignalServer | SignalNetwork:
    """The engine behind a Signal group (the group id is the community's id); in a network, one engine
    per community with a `group`, behind one account (bot/transports/signal_network.py); `serves`: which
    of them this process serves (`entraide run --communities`; default: all)."""
    if is_network(config):
        def ours(entry: CommunityEntry) -> bool:
            return is_group(entry) and (serves is None or serves(entry))

        network = SignalNetwork(config, rpc, serves=ours)
        engine = await Engine.open(config, db_path, clock, network, single_instance=single_instance, serves=ours)
        for each in engine.engines:
            network.servers[each.ctx.guild_id].engine = each
        return network
    server = SignalServer(config, rpc)
    server.engine = await Engine.open(config, db_path, clock, server, guild_id=config.signal.group,
                                      single_instance=single_instance)
    return server


async def serve_signal(
    server: SignalServer | SignalNetwork, deliver_every: float = 1.0, flush_every: float = 5.0,
) -> None:
    """Catch up, connect, then deliver and flush on a loop until cancelled."""
    engine = server.engine
    try:
        await engine.start()
    except Exception:  # a failed catch-up must not stop delivery; the next alarm tries again
        log.exception("start-up catch-up failed")
    await server.start()
    engine.scheduler.start_alarm()
    loop = asyncio.get_running_loop()
    last_flush = loop.time()
    web = None
    try:
        if engine.ctx.config.dashboard.enabled:
            from bot.web.server import start_dashboard

            web = await start_dashboard(engine.ctx)
        while True:
            try:
                await engine.deliver()
                if loop.time() - last_flush >= flush_every:
                    for each in engine.engines:
                        await each.activity.flush()
                    last_flush = loop.time()
            except Exception:
                log.exception("delivery loop")
            await asyncio.sleep(deliver_every)
    finally:
        if web is not None:
            await web.stop()  # ends the live streams first
        await server.stop()
        await engine.close()


def run_signal(config: Config, db_path: Any, serves: Callable[[CommunityEntry], bool] | None = None) -> int:
    """`entraide run --transport signal` (or a network whose communities served here are all on Signal):
    serve until stopped."""
    from bot.clock import SystemClock

    async def main() -> None:
        server = await open_signal(config, db_path, SystemClock(), serves=serves)
        await serve_signal(server)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 130
    return 0
