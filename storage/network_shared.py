"""What members share with the network (issue 22): the opt-in flag, the network directory, places.

Nothing here reads a member who did not opt in (member.network = 1): the directory reads the flag in the
same statement. The widened requests are storage/network_routing.py (who is asked) and
storage/network_requests.py (their bookkeeping); the network's vitality and programme are
storage/network_vitality.py and storage/network_events.py."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

_PRESENT = "m.left_at IS NULL AND m.erased = 0 AND m.active = 1"


async def set_network(conn: aiosqlite.Connection, member_id: int, on: bool) -> None:
    await conn.execute("UPDATE member SET network = ? WHERE id = ?", (int(on), member_id))


async def is_network(conn: aiosqlite.Connection, member_id: int) -> bool:
    rows = await conn.execute_fetchall("SELECT network FROM member WHERE id = ?", (member_id,))
    return bool(rows and rows[0][0])


@dataclass(frozen=True)
class NetworkEntry:
    """One network-visible member offering a skill, with the community they are listed from."""

    member_id: int
    guild_id: str
    platform_id: str
    handle: str
    languages: str = ""  # what the network profile shares besides skills and places: languages, bio
    bio: str = ""


async def directory(conn: aiosqlite.Connection, skill_key: str, limit: int) -> list[NetworkEntry]:
    """Network-visible (and visible) present members offering the skill, in every community: available
    first, then the longest-standing. The flag is in the WHERE clause: nobody else is ever returned."""
    rows = await conn.execute_fetchall(
        "SELECT m.id, m.guild_id, m.platform_id, m.handle, m.languages, m.bio FROM skill s "
        "JOIN member_skill ms ON ms.skill_id = s.id AND ms.kind = 'offer' JOIN member m ON m.id = ms.member_id "
        f"WHERE s.key = ? AND m.network = 1 AND m.visible = 1 AND {_PRESENT} "
        "ORDER BY m.available DESC, m.joined_at, m.id LIMIT ?",
        (skill_key, limit),
    )
    return [NetworkEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4] or ""), str(r[5] or "")) for r in rows]


async def places_of(conn: aiosqlite.Connection, platform_id: str) -> list[str]:
    """The communities (guild keys) a person is a present member of, by their platform identity."""
    rows = await conn.execute_fetchall(
        "SELECT guild_id FROM member WHERE platform_id = ? AND left_at IS NULL AND erased = 0 ORDER BY joined_at",
        (platform_id,),
    )
    return [str(r[0]) for r in rows]
