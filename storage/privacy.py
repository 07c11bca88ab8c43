"""Privacy: what the database keeps about one member (export) and how it is erased.

Every table of the schema is classified here, once: either it holds member data (then it has an
export query and an erasure rule) or it is listed in NO_MEMBER_DATA with the reason why not.
tests/test_privacy.py fails when a migration adds a table that is in neither list.

Queries take the named parameters :me (member id), :pid (platform id), :guild and :now.
"""
from __future__ import annotations

import json
from typing import Any

import aiosqlite

NO_MEMBER_DATA: dict[str, str] = {
    "skill": "the community's skill catalogue: names only",
    "request_skill": "the skills a request asks for (exported with the caller's requests)",
    "job_run": "which period of which job ran",
    "settings": "community-wide settings",
    "platform_ref": "transport references (thread ids) for requests and posts",
    "schema_migration": "which database migrations were applied",
    "activity_week": "how many members were active each week: an anonymous count",
    "event_slot": "an event's slots and how many places each has",
    "event_mirror": "which platform calendar entry (Discord Scheduled Event) shows which event occurrence",
}

# table -> query returning the caller's rows, readable (skills and other members by name, not id).
# Other members appear only where the caller's own action names them (whom they thanked, voted for)
# or where it is public already (who thanked them); never who voted for or nominated them.
EXPORT_QUERIES: dict[str, str] = {
    "member": (
        "SELECT m.platform_id, m.handle, m.locale, m.timezone, m.joined_at, m.left_at, m.active, "
        "m.charter_accepted_at, g.handle AS godparent, m.godparent_since, m.godparent_volunteer, "
        "m.last_godchild_at, m.bio, m.languages, m.quiet_start, m.quiet_end, m.available, m.nudges, "
        "m.visible, m.network, m.dms_closed, m.profile_updated_at, m.last_active_at, "
        "(SELECT group_concat(c.handle, ',') FROM member c WHERE c.godparent_id = m.id AND c.erased = 0) "
        "AS godchildren "
        "FROM member m LEFT JOIN member g ON g.id = m.godparent_id AND g.erased = 0 WHERE m.id = :me"
    ),
    "member_role": "SELECT role FROM member_role WHERE member_id = :me ORDER BY role",
    "member_skill": (
        "SELECT s.display AS skill, ms.kind FROM member_skill ms JOIN skill s ON s.id = ms.skill_id "
        "WHERE ms.member_id = :me ORDER BY ms.kind, s.key"
    ),
    # Derived from member_skill for routing (0033): each two skills the member offers, with the
    # copies of their last ping and seniority that order the walk.
    "member_offer_pair": (
        "SELECT a.display AS skill, b.display AS other_skill, p.walk_pinged_at AS last_pinged_at, "
        "p.walk_joined_at AS joined_at FROM member_offer_pair p JOIN skill a ON a.id = p.skill_lo "
        "JOIN skill b ON b.id = p.skill_hi WHERE p.member_id = :me ORDER BY a.key, b.key"
    ),
    # Derived from member_skill for network routing (0250): the skills the member shares with the network.
    "network_offer": (
        "SELECT s.display AS skill, o.pinged_at AS last_pinged_at, o.joined_at FROM network_offer o "
        "JOIN skill s ON s.id = o.skill_id WHERE o.member_id = :me ORDER BY s.key"
    ),
    "onboarding_state": "SELECT joins, waiting_since FROM onboarding_state WHERE member_id = :me",
    "request": (
        "SELECT r.id, r.title, r.details, r.urgent, r.status, r.created_at, r.claimed_at, r.resolved_at, "
        "(SELECT group_concat(s.display, ',') FROM request_skill rs JOIN skill s ON s.id = rs.skill_id "
        " WHERE rs.request_id = r.id) AS skills "
        "FROM request r WHERE r.requester_id = :me ORDER BY r.id"
    ),
    "request_helper": (
        "SELECT h.request_id, r.title, r.status, h.claimed_at FROM request_helper h "
        "JOIN request r ON r.id = h.request_id WHERE h.helper_id = :me ORDER BY h.claimed_at"
    ),
    "request_ping": "SELECT request_id, round, at FROM request_ping WHERE helper_id = :me ORDER BY at",
    "kudos": (
        "SELECT k.id, CASE WHEN k.from_id = :me THEN 'given' ELSE 'received' END AS direction, "
        "o.handle AS other_member, k.reason, k.request_id, k.at FROM kudos k "
        "LEFT JOIN member o ON o.erased = 0 AND o.id = CASE WHEN k.from_id = :me THEN k.to_id ELSE k.from_id END "
        "WHERE k.from_id = :me OR k.to_id = :me ORDER BY k.at"
    ),
    "activity_day": "SELECT day, messages, actions FROM activity_day WHERE member_id = :me ORDER BY day",
    "checkin": "SELECT offset_days, at FROM checkin WHERE member_id = :me ORDER BY offset_days",
    "nudge": "SELECT week, reason, at FROM nudge WHERE member_id = :me ORDER BY at",
    "poll": "SELECT month, status FROM poll WHERE winner_id = :me ORDER BY month",
    "nomination": (
        "SELECT p.month, 'you_were_nominated' AS role, n.source, n.at, NULL AS nominee FROM nomination n "
        "JOIN poll p ON p.id = n.poll_id WHERE n.nominee_id = :me "
        "UNION ALL SELECT p.month, 'you_nominated', n.source, n.at, o.handle FROM nomination n "
        "JOIN poll p ON p.id = n.poll_id LEFT JOIN member o ON o.id = n.nominee_id AND o.erased = 0 "
        "WHERE n.nominated_by = :me ORDER BY 4"
    ),
    "vote": (
        "SELECT p.month, o.handle AS voted_for, v.at FROM vote v JOIN poll p ON p.id = v.poll_id "
        "LEFT JOIN member o ON o.id = v.nominee_id AND o.erased = 0 WHERE v.voter_id = :me ORDER BY v.at"
    ),
    "reminder": (
        "SELECT id, spec, recurring, text, channel, next_at, created_at FROM reminder "
        "WHERE created_by = :me ORDER BY id"
    ),
    "mod_case": (
        # Animators' notes about the member are never sent to them, but their export holds them: the
        # GDPR's right of access covers them (DESIGN.md); who wrote a case is not said.
        "SELECT id, CASE WHEN action = 'note' THEN 'note_about_you' ELSE 'about_you' END AS role, action, reason, "
        "at, until_at FROM mod_case WHERE target_id = :me "
        "UNION ALL SELECT id, 'by_you', action, NULL, at, until_at FROM mod_case "
        "WHERE actor_id = :me AND (target_id IS NULL OR target_id != :me) ORDER BY 5, 1"
    ),
    "rate_event": "SELECT action, at FROM rate_event WHERE member_id = :me ORDER BY at",
    "outbox": (
        "SELECT kind, status, created_at, sent_at, json_extract(payload, '$.text') AS text FROM outbox "
        "WHERE guild_id = :guild AND target IN ('dm:' || :pid, 'member:' || :pid) ORDER BY id"
    ),
    "console_user": (
        "SELECT dms_closed, name, locale, joined_at, present FROM console_user "
        "WHERE guild_id = :guild AND user = :pid"
    ),
    "member_adoption": "SELECT adopted_at, charter FROM member_adoption WHERE member_id = :me",
    "member_language_choice": "SELECT locale, chosen_at FROM member_language_choice WHERE member_id = :me",
    # Which messages name the member: what kind and when, never another member's message itself.
    "outbox_subject": (
        "SELECT o.kind, o.created_at FROM outbox_subject s JOIN outbox o ON o.id = s.outbox_id "
        "WHERE s.member_id = :me ORDER BY o.id"
    ),
    "signal_contact": "SELECT since FROM signal_contact WHERE guild_id = :guild AND platform_id = :pid",
    "signal_message": (
        "SELECT timestamp, created_at FROM signal_message WHERE guild_id = :guild "
        "AND (chat = 'dm:' || :pid OR instr(components, :pid) > 0) ORDER BY timestamp"
    ),
    "dashboard_link": "SELECT issued_at, expires_at, used_at FROM dashboard_link WHERE member_id = :me ORDER BY 1",
    "dashboard_session": "SELECT created_at, expires_at FROM dashboard_session WHERE member_id = :me ORDER BY 1",
    "event": "SELECT id, title, kind, start_at, status FROM event WHERE created_by = :me ORDER BY start_at",
    "event_signup": (
        "SELECT e.id AS event_id, e.title, e.start_at, g.slot, g.joined, g.attended, g.at FROM event_signup g "
        "JOIN event e ON e.id = g.event_id WHERE g.member_id = :me ORDER BY e.start_at"
    ),
    "event_call": "SELECT event_id, at FROM event_call WHERE member_id = :me ORDER BY at",
    "event_invite": "SELECT kind, event_id, at FROM event_invite WHERE member_id = :me ORDER BY at",
    "proposal": (
        "SELECT id, title, details, needs, status, created_at, closed_at FROM proposal WHERE author_id = :me "
        "ORDER BY id"
    ),
    "proposal_support": "SELECT proposal_id, at FROM proposal_support WHERE member_id = :me ORDER BY at",
    "proposal_call": "SELECT proposal_id, at FROM proposal_call WHERE member_id = :me ORDER BY at",
    # The member's own ballots while a vote runs (they are destroyed at the close).
    "proposal_ballot": "SELECT proposal_id, choice, at FROM proposal_ballot WHERE voter_id = :me ORDER BY at",
}

_NOT_CLOSED = "(SELECT id FROM poll WHERE status != 'closed')"

# table -> statements that remove or anonymize the member's rows; `member` last, it drops the identity.
ERASURE_STATEMENTS: dict[str, tuple[str, ...]] = {
    "member_role": ("DELETE FROM member_role WHERE member_id = :me",),
    "member_skill": ("DELETE FROM member_skill WHERE member_id = :me",),
    "member_offer_pair": ("DELETE FROM member_offer_pair WHERE member_id = :me",),
    "network_offer": ("DELETE FROM network_offer WHERE member_id = :me",),
    "onboarding_state": ("DELETE FROM onboarding_state WHERE member_id = :me",),
    # Requests stay for the aggregates, anonymized; an unfinished one is cancelled.
    "request": (
        "UPDATE request SET requester_id = NULL, title = '', details = '', "
        "status = CASE WHEN status IN ('open', 'claimed') THEN 'cancelled' ELSE status END "
        "WHERE requester_id = :me",
    ),
    "request_helper": ("UPDATE request_helper SET helper_id = NULL WHERE helper_id = :me",),
    "request_ping": ("UPDATE request_ping SET helper_id = NULL WHERE helper_id = :me",),
    # Thanks stay counted; who and why go (a reason written about someone names them).
    "kudos": (
        "UPDATE kudos SET from_id = NULL, reason = NULL WHERE from_id = :me",
        "UPDATE kudos SET to_id = NULL, reason = NULL WHERE to_id = :me",
    ),
    "activity_day": ("DELETE FROM activity_day WHERE member_id = :me",),
    "checkin": ("DELETE FROM checkin WHERE member_id = :me",),
    "nudge": ("DELETE FROM nudge WHERE member_id = :me",),
    # A closed poll's result stays (it points at the anonymized row); in a poll still running the
    # member's ballot is withdrawn and they are no longer a nominee.
    "poll": (),
    "nomination": (
        f"DELETE FROM nomination WHERE nominee_id = :me AND poll_id IN {_NOT_CLOSED}",
        "UPDATE nomination SET nominated_by = NULL WHERE nominated_by = :me",
    ),
    "vote": (f"DELETE FROM vote WHERE (voter_id = :me OR nominee_id = :me) AND poll_id IN {_NOT_CLOSED}",),
    "reminder": ("UPDATE reminder SET created_by = NULL WHERE created_by = :me",),
    # Moderation cases are kept `moderation.retention_days` (the daily purge), against the anonymized row.
    "mod_case": (),
    "rate_event": ("DELETE FROM rate_event WHERE member_id = :me",),
    # Messages to them go; other messages naming them are handled by `outbox_rows_naming`.
    "outbox": ("DELETE FROM outbox WHERE guild_id = :guild AND target IN ('dm:' || :pid, 'member:' || :pid)",),
    "console_user": ("DELETE FROM console_user WHERE guild_id = :guild AND user = :pid",),
    "member_adoption": ("DELETE FROM member_adoption WHERE member_id = :me",),
    "member_language_choice": ("DELETE FROM member_language_choice WHERE member_id = :me",),
    # The messages naming them were withdrawn or rewritten first (services/privacy.py), by these links.
    "outbox_subject": ("DELETE FROM outbox_subject WHERE member_id = :me",),
    "signal_contact": ("DELETE FROM signal_contact WHERE guild_id = :guild AND platform_id = :pid",),
    "signal_message": (
        "DELETE FROM signal_message WHERE guild_id = :guild AND (chat = 'dm:' || :pid OR instr(components, :pid) > 0)",
    ),
    "dashboard_link": ("DELETE FROM dashboard_link WHERE member_id = :me",),
    "dashboard_session": ("DELETE FROM dashboard_session WHERE member_id = :me",),
    "event": ("UPDATE event SET created_by = NULL WHERE created_by = :me",),
    "event_signup": ("DELETE FROM event_signup WHERE member_id = :me",),
    "event_call": ("DELETE FROM event_call WHERE member_id = :me",),
    "event_invite": ("DELETE FROM event_invite WHERE member_id = :me",),
    # A proposal's tally stays for the community's record, anonymized; one still live is withdrawn.
    "proposal": (
        "UPDATE proposal SET author_id = NULL, title = '', details = '', "
        "status = CASE WHEN status IN ('open', 'voting') THEN 'withdrawn' ELSE status END WHERE author_id = :me",
    ),
    "proposal_support": ("DELETE FROM proposal_support WHERE member_id = :me",),
    "proposal_call": ("DELETE FROM proposal_call WHERE member_id = :me",),
    "proposal_ballot": ("DELETE FROM proposal_ballot WHERE voter_id = :me",),
    "member": (
        "UPDATE member SET platform_id = 'erased:' || id, handle = 'erased-' || id, locale = NULL, "
        "timezone = NULL, bio = NULL, languages = '', quiet_start = NULL, quiet_end = NULL, available = 0, "
        "nudges = 0, visible = 0, network = 0, godparent_volunteer = 0, godparent_id = NULL, godparent_since = NULL, "
        "dms_closed = 0, active = 0, left_at = COALESCE(left_at, :now), last_active_at = NULL, "
        "last_godchild_at = NULL, profile_updated_at = :now, erased = 1 WHERE id = :me",
    ),
}


def _params(member_id: int, platform_id: str, guild_id: str, now: int = 0) -> dict[str, Any]:
    return {"me": member_id, "pid": platform_id, "guild": guild_id, "now": now}


async def member_data(
    conn: aiosqlite.Connection, member_id: int, platform_id: str, guild_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Every row kept about the member, table by table."""
    params = _params(member_id, platform_id, guild_id)
    document: dict[str, list[dict[str, Any]]] = {}
    for table, sql in EXPORT_QUERIES.items():
        async with conn.execute(sql, params) as cur:
            names = [d[0] for d in cur.description]
            document[table] = [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
    return document


async def erase_member_rows(
    conn: aiosqlite.Connection, member_id: int, platform_id: str, guild_id: str, now: int
) -> None:
    """Run every erasure rule (inside the caller's transaction)."""
    params = _params(member_id, platform_id, guild_id, now)
    for statements in ERASURE_STATEMENTS.values():
        for sql in statements:
            await conn.execute(sql, params)


# The messages linked to a member, then the nudges about them by subject: one branch per reason, each a
# seek on nudge_subject (subject_id, reason); in one OR, PostgreSQL read every request nudge to keep the
# member's (migration 0325).
OUTBOX_ROWS_ABOUT = (
    "SELECT o.id, o.status, o.target, o.payload, 0 FROM outbox_subject s JOIN outbox o ON o.id = s.outbox_id "
    "WHERE s.member_id = :me "
    "UNION SELECT o.id, o.status, o.target, o.payload, 1 FROM request r "
    "JOIN nudge n ON n.subject_id = r.id AND n.reason = 'request' "
    "JOIN outbox o ON o.key = :prefix || 'nudge:' || n.week || ':' || n.member_id WHERE r.requester_id = :me "
    "UNION SELECT o.id, o.status, o.target, o.payload, 1 FROM nudge n "
    "JOIN outbox o ON o.key = :prefix || 'nudge:' || n.week || ':' || n.member_id "
    "WHERE n.reason = 'godchild' AND n.subject_id = :me ORDER BY 1"
)


async def outbox_rows_about(
    conn: aiosqlite.Connection, member_id: int, key_prefix: str = ""
) -> list[tuple[int, str, str, str, bool]]:
    """(id, status, target, payload, withdraw) of the messages that carry the member's name or words, found by
    id only: those linked to them in `outbox_subject` and the nudges about their requests or about
    them as a godchild (`withdraw`: the message is moot once they are erased)."""
    async with conn.execute(
        OUTBOX_ROWS_ABOUT, {"me": member_id, "prefix": key_prefix},
    ) as cur:
        rows = [(row[0], row[1], row[2], row[3], bool(row[4])) for row in await cur.fetchall()]
    withdrawn = {row[0] for row in rows if row[4]}
    return [row for row in rows if row[4] or row[0] not in withdrawn]


async def skills_of(conn: aiosqlite.Connection, member_id: int) -> list[int]:
    """The skills the member named: on their profile or in their requests."""
    async with conn.execute(
        "SELECT skill_id FROM member_skill WHERE member_id = :me UNION SELECT rs.skill_id FROM request_skill rs "
        "JOIN request r ON r.id = rs.request_id WHERE r.requester_id = :me", {"me": member_id},
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def drop_unused_skills(conn: aiosqlite.Connection, skill_ids: list[int]) -> int:
    """Of these skills, those nobody else named go: from the erased member's anonymized requests, then
    from the catalogue (a need typed by them alone is their words, and `skills` lists the catalogue)."""
    used = ("SELECT skill_id FROM member_skill UNION SELECT rs.skill_id FROM request_skill rs "
            "JOIN request r ON r.id = rs.request_id WHERE r.requester_id IS NOT NULL")
    gone = 0
    for skill_id in skill_ids:
        async with conn.execute(f"SELECT ? IN ({used})", (skill_id,)) as cur:
            if (await cur.fetchone())[0]:
                continue
        await conn.execute("DELETE FROM request_skill WHERE skill_id = ?", (skill_id,))
        await conn.execute("DELETE FROM member_offer_pair WHERE skill_lo = ? OR skill_hi = ?", (skill_id, skill_id))
        gone += (await conn.execute("DELETE FROM skill WHERE id = ?", (skill_id,))).rowcount
    return gone


async def delete_outbox_rows(conn: aiosqlite.Connection, ids: list[int]) -> None:
    await conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


async def rewrite_outbox_payloads(conn: aiosqlite.Connection, rows: list[tuple[int, str]]) -> None:
    """(id, payload JSON) pairs."""
    await conn.executemany("UPDATE outbox SET payload = ? WHERE id = ?", [(p, i) for i, p in rows])


async def left_before(conn: aiosqlite.Connection, guild_id: str, before: int) -> list[tuple[int, str, str]]:
    """(id, platform_id, handle) of members who left before `before` and are not erased yet."""
    async with conn.execute(
        "SELECT id, platform_id, handle FROM member WHERE guild_id = ? AND erased = 0 "
        "AND left_at IS NOT NULL AND left_at < ? ORDER BY id",
        (guild_id, before),
    ) as cur:
        return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def purge_mod_cases_before(conn: aiosqlite.Connection, guild_id: str, before: int) -> int:
    cur = await conn.execute("DELETE FROM mod_case WHERE guild_id = ? AND at < ?", (guild_id, before))
    return cur.rowcount


async def handles_by_platform_id(conn: aiosqlite.Connection, guild_id: str, platform_ids: list[str]) -> dict[str, str]:
    """Names for the mentions an export shows (an erased member is not named)."""
    if not platform_ids:
        return {}
    async with conn.execute(
        "SELECT platform_id, handle FROM member WHERE guild_id = ? AND erased = 0 "
        "AND platform_id IN (SELECT value FROM json_each(?))", (guild_id, json.dumps(platform_ids)),
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}
