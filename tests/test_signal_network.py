"""One Signal account in several groups of a network (issue 22): each group is its own community."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.config import Config, parse_config
from bot.transports.signal_network import SignalNetwork
from bot.transports.signal_rpc import Endpoint, SignalRpc
from bot.transports.signal_run import open_signal
from storage import members as members_repo
from tests.signal_harness import SignalSim, aci
from tests.signal_peer import BOT_ACI, BOT_NUMBER, envelope

QUAI = "cXVhaS1ncm91cC1lbnRyYWlkZS0wMDAwMDAwMDAwMDAwMDA="
PORT = "cG9ydC1ncm91cC1lbnRyYWlkZS0wMDAwMDAwMDAwMDAwMDA="


def network_config() -> Config:
    return parse_config({
        "signal": {"account": BOT_NUMBER, "socket": "unused"},
        "network": {"name": "Réseau"},
        "communities": [
            {"id": "lilas", "name": "Les Lilas", "guild_id": "111111111111111111"},  # on Discord: not served here
            {"id": "quai", "name": "Le Quai", "group": QUAI},
            {"id": "port", "name": "Le Port", "group": PORT, "locale": "en"},
        ],
    })


class NetworkSignalSim(SignalSim):
    """The fake daemon lists two groups, each with its own members."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp, network_config())
        self.groups: dict[str, list[str]] = {QUAI: [], PORT: []}
        self.peer.handlers["listGroups"] = self._groups

    def _groups(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        bot = {"uuid": BOT_ACI, "number": BOT_NUMBER}
        return [{"id": group, "name": group[:4], "isMember": True, "isBlocked": False,
                 "members": [bot] + [{"uuid": aci(n), "number": None} for n in names],
                 "pendingMembers": [], "requestingMembers": [], "admins": [bot]}
                for group, names in self.groups.items()]

    async def open(self, members: list[str] = ()) -> NetworkSignalSim:  # type: ignore[override]
        await self.peer.start()
        rpc = SignalRpc(Endpoint(socket=self.peer.path), backoff_start=0.01, backoff_max=0.05, timeout=10)
        self.server = await open_signal(self.config, self.tmp / "network.sqlite", self.clock, rpc)  # type: ignore[assignment]
        await self.server.engine.start()
        await rpc.connect()
        await self.settled(1)
        return self

    @property
    def network(self) -> SignalNetwork:
        return self.server  # type: ignore[return-value]

    async def settled(self, count: int) -> None:
        for _ in range(500):
            if self.network.reconciles >= count and not self.network.reconciling():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no reconcile #{count}")

    async def join_group(self, group: str, name: str) -> list[dict[str, Any]]:
        self.groups[group].append(name)
        self.peer.members.append({"uuid": aci(name), "number": None, "name": name.capitalize()})  # names
        return await self.receive(envelope(aci("admin"), "Admin", timestamp=self.stamp(), group=group,
                                           group_type="UPDATE"))

    async def say_in(self, group: str | None, name: str, text: str) -> list[dict[str, Any]]:
        return await self.receive(envelope(aci(name), name.capitalize(), text=text, timestamp=self.stamp(),
                                           group=group))


def sends(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in sent if s["method"] == "send"]


async def test_each_group_routes_to_its_own_community(tmp_path: Path) -> None:
    sim = await NetworkSignalSim(tmp_path).open()
    try:
        engine = sim.network.engine
        assert [e.ctx.id for e in engine.engines] == ["quai", "port"]  # Les Lilas lives on Discord
        quai, port = engine.engines
        assert sim.network.servers[QUAI].engine is quai and sim.network.servers[PORT].engine is port

        sent = sends(await sim.join_group(PORT, "nora"))  # Nora joins Le Port only
        assert sent and {s.get("groupId") for s in sent} == {PORT}
        assert any("Le Port" in s["message"] for s in sent)
        reader = quai.ctx.db.reader
        nora = f"signal:{aci('nora')}"
        assert await members_repo.by_platform_id(reader, PORT, nora) is not None
        assert await members_repo.by_platform_id(reader, QUAI, nora) is None

        sent = sends(await sim.join_group(QUAI, "quentin"))
        assert sent and {s.get("groupId") for s in sent} == {QUAI} and any("Le Quai" in s["message"] for s in sent)

        # A command in a group is answered in that group, by that community.
        reply = sends(await sim.say_in(QUAI, "quentin", "!aide"))
        assert reply and {s.get("groupId") for s in reply} == {QUAI}
        # Nora is not a member of Le Quai: the bot answers its members only.
        assert sends(await sim.say_in(QUAI, "nora", "!aide")) == []
        # A private message goes to the community its author belongs to.
        private = sends(await sim.say_in(None, "nora", "!help"))
        assert private and all(s.get("recipient") == [aci("nora")] for s in private)
        assert await port.roles_of(nora) is not None
        async with reader.execute("SELECT guild_id FROM signal_contact WHERE platform_id = ?", (nora,)) as cur:
            assert [row[0] for row in await cur.fetchall()] == [PORT]
        # A group outside the network is ignored.
        assert sends(await sim.say_in("b3RoZXItZ3JvdXAtZW50cmFpZGUtMDAwMDAwMDAwMDAwMDA=", "nora", "!aide")) == []
    finally:
        await sim.close()
