"""Privacy: `profile export` holds everything kept about the caller, `profile delete` leaves nothing
that identifies them, and the daily job purges what is kept too long."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from storage.privacy import ERASURE_STATEMENTS, EXPORT_QUERIES, NO_MEMBER_DATA
from tests.exports import export_of
from tests.harness import Sim, config_with, of

SUBJECT = "wilhelmina"           # console platform id and handle
BIO = "Je répare les vélos du quartier Zèbre"
TITLE = "Fuite chez Wilhelmina rue des Lilas"
REASON = "Merci pour la soupe aux orties"
MEMBER_COLUMN = re.compile(r"(member(?!s$)|user|voter|nominee|nominated|helper|requester|actor|target|winner|"
                           r"platform|handle|created_by|from_id|to_id)", re.IGNORECASE)


async def _tables(sim: Sim) -> list[str]:
    rows = await sim.ctx.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


async def _member_fk_columns(sim: Sim, table: str) -> list[str]:
    rows = await sim.ctx.db.fetchall('SELECT "from", "table" FROM pragma_foreign_key_list(?)', (table,))
    return [r[0] for r in rows if r[1] == "member"]


async def _columns(sim: Sim, table: str) -> list[str]:
    return [r[0] for r in await sim.ctx.db.fetchall("SELECT name FROM pragma_table_info(?)", (table,))]


async def _id(sim: Sim, handle: str) -> int:
    row = await sim.ctx.db.fetchone("SELECT id FROM member WHERE handle = ?", (handle,))
    return int(row[0])


async def _populate(sim: Sim) -> dict[str, int]:
    """The subject and two others with a row in every table that can hold member data."""
    await sim.onboard(SUBJECT, skills="vélo, cuisine", needs="jardinage", bio=BIO, languages="fr,en",
                      quiet_hours="22-07", timezone="Europe/Paris", network=True)
    await sim.onboard("bystander", skills="vélo", bio="Bystander bio")
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    await sim.send({"type": "message", "user": SUBJECT, "channel": "general", "text": "bonjour"})
    await sim.advance(by="1h")
    me, other, anim = [await _id(sim, h) for h in (SUBJECT, "bystander", "anim")]
    now = sim.ctx.now_ts()
    g = sim.ctx.guild_id
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET godparent_id = ? WHERE id = ?", (other, me))
        await tx.execute("UPDATE member SET godparent_id = ? WHERE id = ?", (me, anim))
        mine = (await tx.execute(
            "INSERT INTO request (guild_id, requester_id, title, details, status, created_at) "
            "VALUES (?, ?, ?, ?, 'open', ?)", (g, me, TITLE, f"Appelez {SUBJECT}", now))).lastrowid
        done = (await tx.execute(
            "INSERT INTO request (guild_id, requester_id, title, details, status, created_at) "
            "VALUES (?, ?, 'Étagère', '', 'resolved', ?)", (g, other, now))).lastrowid
        await tx.execute("INSERT INTO request_skill (request_id, skill_id) SELECT ?, id FROM skill LIMIT 1", (mine,))
        await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                         (done, me, now))
        await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                         (mine, other, now))
        await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                         (done, me, now))
        await tx.execute("INSERT INTO kudos (guild_id, from_id, to_id, reason, request_id, at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (g, other, me, f"{REASON}, {SUBJECT} !", done, now))
        await tx.execute("INSERT INTO kudos (guild_id, from_id, to_id, reason, at) VALUES (?, ?, ?, 'Top', ?)",
                         (g, me, other, now))
        await tx.execute("INSERT INTO activity_day (member_id, day, messages, actions) VALUES (?, '2026-11-30', 3, 1)",
                         (me,))
        await tx.execute("INSERT INTO checkin (member_id, offset_days, at) VALUES (?, 7, ?)", (me, now))
        await tx.execute("INSERT INTO member_adoption (member_id, adopted_at, charter) VALUES (?, ?, 'accepted')",
                         (me, now))
        await tx.execute("INSERT INTO member_language_choice (member_id, locale, chosen_at) VALUES (?, 'fr', ?)",
                         (me, now))
        await tx.execute("INSERT INTO nudge (member_id, week, reason, at) VALUES (?, '2026-W49', 'hello', ?)",
                         (me, now))
        closed = (await tx.execute("INSERT INTO poll (guild_id, month, status, winner_id) "
                                   "VALUES (?, '2026-10', 'closed', ?)", (g, me))).lastrowid
        await tx.execute("INSERT OR IGNORE INTO poll (guild_id, month, status) VALUES (?, '2026-12', 'open')", (g,))
        running = (await (await tx.execute("SELECT id FROM poll WHERE guild_id = ? AND month = '2026-12'",
                                           (g,))).fetchone())[0]
        for poll in (closed, running):
            await tx.execute("INSERT INTO nomination (poll_id, nominee_id, nominated_by, source, at) "
                             "VALUES (?, ?, ?, 'manual', ?)", (poll, me, other, now))
            await tx.execute("INSERT INTO nomination (poll_id, nominee_id, nominated_by, source, at) "
                             "VALUES (?, ?, ?, 'manual', ?)", (poll, other, me, now))
            await tx.execute("INSERT INTO vote (poll_id, voter_id, nominee_id, at) VALUES (?, ?, ?, ?)",
                             (poll, me, other, now))
            await tx.execute("INSERT INTO vote (poll_id, voter_id, nominee_id, at) VALUES (?, ?, ?, ?)",
                             (poll, anim, me, now))
        await tx.execute("INSERT INTO reminder (guild_id, created_by, spec, recurring, text, created_at) "
                         "VALUES (?, ?, '2026-12-24T18:00', 0, 'Réveillon', ?)", (g, me, now))
        await tx.execute("INSERT INTO mod_case (guild_id, actor_id, action, target_id, reason, at) "
                         "VALUES (?, ?, 'warn', ?, 'flood', ?)", (g, anim, me, now))
        await tx.execute("INSERT INTO mod_case (guild_id, actor_id, action, target_id, reason, at) "
                         "VALUES (?, ?, 'note', ?, 'ok', ?)", (g, me, other, now))
        await tx.execute("INSERT INTO rate_event (member_id, action, at) VALUES (?, 'request', ?)", (me, now))
        await tx.execute("INSERT INTO console_user (guild_id, user, dms_closed) VALUES (?, ?, 0) "
                         "ON CONFLICT (guild_id, user) DO UPDATE SET dms_closed = 0", (g, SUBJECT))
        await tx.execute("INSERT INTO signal_contact (guild_id, platform_id, since) VALUES (?, ?, ?)",
                         (g, SUBJECT, now))
        await tx.execute("INSERT INTO signal_message (guild_id, timestamp, chat, components, created_at) "
                         "VALUES (?, 1, ?, '[]', ?)", (g, f"dm:{SUBJECT}", now))
        await tx.execute("INSERT OR IGNORE INTO onboarding_state (member_id, joins) VALUES (?, 1)", (me,))
        await tx.execute("INSERT INTO dashboard_link (nonce, guild_id, member_id, issued_at, expires_at) "
                         "VALUES ('n1', ?, ?, ?, ?)", (g, me, now, now + 900))
        await tx.execute("INSERT INTO dashboard_session (token_hash, guild_id, member_id, locale, created_at, "
                         "expires_at) VALUES ('h1', ?, ?, 'fr', ?, ?)", (g, me, now, now + 3600))
        event = (await tx.execute(
            "INSERT INTO event (guild_id, title, kind, start_at, end_at, created_by, created_at) "
            "VALUES (?, 'Apéro', 'gathering', ?, ?, ?, ?)", (g, now + 86400, now + 90000, me, now))).lastrowid
        await tx.execute("INSERT INTO event_signup (event_id, member_id, slot, at) VALUES (?, ?, '', ?)",
                         (event, me, now))
        await tx.execute("INSERT INTO event_call (event_id, member_id, at) VALUES (?, ?, ?)", (event, me, now))
        await tx.execute("INSERT INTO event_invite (member_id, kind, event_id, at) VALUES (?, 'session', ?, ?)",
                         (me, event, now))
        proposal = (await tx.execute(
            "INSERT INTO proposal (guild_id, author_id, title, status, created_at) VALUES (?, ?, 'Un potager', "
            "'voting', ?)", (g, me, now))).lastrowid
        await tx.execute("INSERT INTO proposal_support (proposal_id, member_id, at) VALUES (?, ?, ?)",
                         (proposal, me, now))
        await tx.execute("INSERT INTO proposal_ballot (proposal_id, voter_id, choice, at) VALUES (?, ?, 'for', ?)",
                         (proposal, me, now))
        await tx.execute("INSERT INTO proposal_call (proposal_id, member_id, at) VALUES (?, ?, ?)", (proposal, me, now))
        digest = (await tx.execute(
            "INSERT INTO outbox (guild_id, kind, target, payload, status, not_before, created_at) "
            "VALUES (?, 'digest', 'channel:general', ?, 'pending', ?, ?)",
            (g, json.dumps({"text": f"Bienvenue à <@{SUBJECT}> et {SUBJECT} !", "mentions": [SUBJECT]}),
             now + 3600, now))).lastrowid
        # As bot/outbox.py records it: the message names the subject (by id, not found by its text).
        await tx.execute("INSERT INTO outbox_subject (member_id, outbox_id) VALUES (?, ?)", (me, digest))
    return {"me": me, "other": other, "anim": anim}


async def _export(sim: Sim, user: str) -> dict[str, Any]:
    reply = await sim.command(user, "profile export")
    assert reply["ok"] and reply["data"] == {"exported": True}, reply
    dms = of(sim.last, "dm", kind="export", user=user)
    assert len(dms) == 1, sim.last
    (attachment,) = dms[0]["attachments"]
    assert attachment["filename"] == "entraide-export.json"
    assert attachment["content_type"] == "application/json"
    return export_of(attachment)


async def test_every_table_is_classified_and_member_tables_are_exported_and_erased(sim: Sim) -> None:
    """A migration adding a table must say here whether it holds member data (fails until it does)."""
    tables = await _tables(sim)
    unclassified = [t for t in tables if t not in EXPORT_QUERIES and t not in NO_MEMBER_DATA]
    assert unclassified == [], f"classify these tables in storage/privacy.py: {unclassified}"
    assert set(EXPORT_QUERIES) == set(ERASURE_STATEMENTS), "each exported table needs an erasure rule"
    assert not set(EXPORT_QUERIES) & set(NO_MEMBER_DATA)
    for table in tables:
        if table in NO_MEMBER_DATA:
            assert await _member_fk_columns(sim, table) == [], f"{table} references member"
            suspicious = [c for c in await _columns(sim, table) if MEMBER_COLUMN.search(c)]
            assert suspicious == [], f"{table} looks like it holds member data: {suspicious}"
    assert set(NO_MEMBER_DATA) <= set(tables) and set(EXPORT_QUERIES) <= set(tables)


async def test_export_holds_a_row_from_every_member_table(sim: Sim) -> None:
    ids = await _populate(sim)
    document = await _export(sim, SUBJECT)
    data = document["data"]
    assert set(data) == set(EXPORT_QUERIES)
    # Every table referencing the member (by foreign key) that holds their rows shows up non-empty.
    for table in await _tables(sim):
        for column in await _member_fk_columns(sim, table):
            row = await sim.ctx.db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (ids["me"],))
            if row[0] and not (table == "member" and column == "godparent_id"):
                assert data[table], f"{table}.{column} holds the member's rows but the export has none"
    empty = [table for table, rows in data.items() if not rows]
    assert empty == [], f"the fixture should give every member table a row: {empty}"
    profile = data["member"][0]
    assert profile["bio"] == BIO and profile["godparent"] == "bystander" and profile["godchildren"] == "anim"
    assert {(s["skill"], s["kind"]) for s in data["member_skill"]} == {
        ("cuisine", "offer"), ("vélo", "offer"), ("jardinage", "need")}
    assert {k["direction"] for k in data["kudos"]} == {"donné", "reçu"}
    assert [r["title"] for r in data["request"]] == [TITLE]
    assert [r["title"] for r in data["request_helper"]] == ["Étagère"]


async def test_export_shows_own_votes_only_and_not_who_nominated_them(sim: Sim) -> None:
    await _populate(sim)
    data = (await _export(sim, SUBJECT))["data"]
    assert [v["voted_for"] for v in data["vote"]] == ["bystander", "bystander"]
    assert all(n["nominee"] in (None, "bystander") for n in data["nomination"])
    assert "anim" not in json.dumps(data["vote"]) + json.dumps(data["nomination"])
    about_me = [c for c in data["mod_case"] if c["role"] == "à votre sujet"]
    assert [c["action"] for c in about_me] == ["warn"]
    other = (await _export(sim, "bystander"))["data"]
    assert other["member"][0]["bio"] == "Bystander bio" and BIO not in json.dumps(other)


async def test_export_never_goes_public_when_dms_are_closed(sim: Sim) -> None:
    await sim.join("closed", dms_closed=True)
    await sim.click("closed", "charter:accept")
    await sim.command("closed", "profile set", bio=BIO)
    reply = await sim.command("closed", "profile export")
    assert reply["ok"], reply
    posts = of(sim.last, "post", kind="export")
    assert posts and all("attachments" not in p and BIO not in p["text"] for p in posts), sim.last
    assert "profile export" in posts[0]["text"]


async def test_export_found_closed_at_delivery_falls_back_without_content(sim: Sim) -> None:
    await sim.onboard("late", bio=BIO)
    async with sim.ctx.db.transaction() as tx:  # the platform refuses DMs from now on
        await tx.execute("INSERT INTO console_user (guild_id, user, dms_closed) VALUES (?, 'late', 1) "
                         "ON CONFLICT (guild_id, user) DO UPDATE SET dms_closed = 1", (sim.ctx.guild_id,))
    await sim.command("late", "profile export")
    assert not of(sim.last, "dm", kind="export")
    posts = of(sim.last, "post", kind="export")
    assert len(posts) == 1 and "attachments" not in posts[0], sim.last
    assert posts[0]["mentions"] == ["late"]


async def _scan(sim: Sim, needles: list[str]) -> list[str]:
    """Every column of every row of every table, as text, searched for the needles."""
    hits = []
    for table in await _tables(sim):
        columns = await _columns(sim, table)
        for row in await sim.ctx.db.fetchall(f"SELECT * FROM {table}"):
            for column, value in zip(columns, row, strict=True):
                text = str(value).casefold() if value is not None else ""
                hits += [f"{table}.{column}: {text[:80]}" for n in needles if n.casefold() in text]
    return hits


async def test_erasure_leaves_nothing_that_identifies_the_member(sim: Sim) -> None:
    ids = await _populate(sim)
    needles = [SUBJECT, BIO, TITLE, REASON]
    assert await _scan(sim, needles)  # the scan does find them before
    counts = {t: (await sim.ctx.db.fetchone(f"SELECT COUNT(*) FROM {t}"))[0] for t in ("request", "kudos")}
    reply = await sim.command(SUBJECT, "profile delete", confirm=True)
    assert reply["ok"] and reply["data"] == {"deleted": True}, reply
    assert await _scan(sim, needles) == []
    # Aggregates stay, anonymized.
    for table, count in counts.items():
        assert (await sim.ctx.db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0] == count
    row = await sim.ctx.db.fetchone("SELECT erased, handle, status FROM member m JOIN request r "
                                    "ON r.title = '' WHERE m.id = ?", (ids["me"],))
    assert tuple(row) == (1, f"erased-{ids['me']}", "cancelled")
    closed = await sim.ctx.db.fetchone("SELECT winner_id FROM poll WHERE status = 'closed'")
    assert closed[0] == ids["me"]
    votes = await sim.ctx.db.fetchall("SELECT p.status, v.voter_id, v.nominee_id FROM vote v JOIN poll p "
                                      "ON p.id = v.poll_id ORDER BY p.status, v.voter_id")
    assert [tuple(v) for v in votes] == [("closed", ids["me"], ids["other"]), ("closed", ids["anim"], ids["me"])]
    assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM mod_case WHERE target_id = ?", (ids["me"],)))[0] == 1
    # The pending message naming them still goes out, without their name.
    await sim.advance(by="2h")
    digest = of(sim.last, "post", kind="digest")
    assert digest and SUBJECT not in digest[0]["text"] and digest[0]["mentions"] == []


async def test_erasure_keeps_other_members_data(sim: Sim) -> None:
    await _populate(sim)
    await sim.command(SUBJECT, "profile delete", confirm=True)
    shown = await sim.command("anim", "profile show", member="bystander")
    assert shown["ok"] and shown["data"]["skills"] == ["vélo"], shown
    assert (await sim.command("anim", "directory", skill="velo"))["data"]["members"] == ["bystander"]
    assert (await sim.command("bystander", "profile show"))["data"]["helped"] == 0


async def test_delete_needs_confirm_true_and_otherwise_changes_nothing(sim: Sim) -> None:
    await sim.onboard(SUBJECT, skills="vélo", bio=BIO)
    for options in ({}, {"confirm": False}, {"confirm": "non"}):
        reply = await sim.command(SUBJECT, "profile delete", **options)
        assert not reply["ok"] and reply["error"] == "invalid_input", reply
    shown = await sim.command(SUBJECT, "profile show")
    assert shown["data"]["skills"] == ["vélo"] and BIO in shown["text"]
    await sim.onboard("english", locale="en")
    reply = await sim.command("english", "profile delete")
    assert "profile delete confirm=true" in reply["text"] and "erase" in reply["text"]


async def test_after_erasure_the_person_is_met_as_a_new_member(sim: Sim) -> None:
    await sim.onboard(SUBJECT, skills="vélo", bio=BIO)
    await sim.command(SUBJECT, "profile delete", confirm=True)
    # Erased means forgotten, by the console's simulated server too: they come back as a newcomer.
    assert (await sim.command(SUBJECT, "profile show"))["error"] == "not_eligible"
    await sim.join(SUBJECT)
    assert (await sim.command(SUBJECT, "profile show"))["error"] == "not_eligible"  # the charter first
    assert (await sim.click(SUBJECT, "charter:accept"))["ok"]
    shown = await sim.command(SUBJECT, "profile show")
    assert shown["ok"] and shown["data"]["skills"] == [] and BIO not in shown["text"]
    rows = await sim.ctx.db.fetchall("SELECT erased FROM member WHERE platform_id = ? OR erased = 1", (SUBJECT,))
    assert sorted(r[0] for r in rows) == [0, 1]


async def test_daily_job_purges_leavers_old_cases_and_old_messages(tmp_path: Path) -> None:
    config = config_with(privacy={"retention_days_after_leave": 2}, moderation={"retention_days": 3})
    sim = await Sim(tmp_path / "purge.sqlite", config=config).open()
    try:
        await sim.onboard("leaver", skills="vélo", bio=BIO)
        await sim.onboard("stayer", skills="vélo")
        leaver = await _id(sim, "leaver")
        async with sim.ctx.db.transaction() as tx:
            await tx.execute("INSERT INTO mod_case (guild_id, action, target_id, reason, at) "
                             "VALUES (?, 'warn', ?, 'old', ?)", (sim.ctx.guild_id, leaver, sim.ctx.now_ts()))
        await sim.send({"type": "leave", "user": "leaver"})
        await sim.advance(by="1d")
        assert (await sim.ctx.db.fetchone("SELECT erased FROM member WHERE id = ?", (leaver,)))[0] == 0
        await sim.advance(by="2d")  # gone for more than 2 days at the next daily run
        row = await sim.ctx.db.fetchone("SELECT erased, bio FROM member WHERE id = ?", (leaver,))
        assert tuple(row) == (1, None)
        assert await _scan(sim, ["leaver", BIO]) == []
        assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM mod_case WHERE target_id = ?", (leaver,)))[0] == 1
        await sim.advance(by="1d")  # the case is now older than 3 days
        assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM mod_case"))[0] == 0
        assert (await sim.command("stayer", "profile show"))["data"]["skills"] == ["vélo"]
        old = await sim.ctx.db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        assert old[0] > 0
        await sim.advance(by="31d")
        recent = sim.ctx.now_ts() - 30 * 86400
        stale = await sim.ctx.db.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND created_at < ?",
                                          (recent - 86400,))
        assert stale[0] == 0
        runs = await sim.ctx.db.fetchall("SELECT key FROM job_run WHERE job = 'privacy-purge'")
        assert len(runs) == len({r[0] for r in runs}) >= 35
    finally:
        await sim.close()


async def test_export_is_rate_limited(sim: Sim) -> None:
    await sim.onboard(SUBJECT)
    for _ in range(3):
        assert (await sim.command(SUBJECT, "profile export"))["ok"]
    refused = await sim.command(SUBJECT, "profile export")
    assert not refused["ok"] and refused["error"] == "rate_limited", refused
    assert not of(sim.last, "dm", kind="export")
    await sim.advance(by="25h")
    assert (await sim.command(SUBJECT, "profile export"))["ok"]


async def test_an_animators_note_is_never_sent_to_the_member_but_their_export_holds_it(sim: Sim) -> None:
    """The GDPR's right of access covers notes about the member (DESIGN.md): in their export, nowhere else."""
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    await sim.onboard("zed")
    assert (await sim.command("anim", "mod note", member="zed", text="secret-note-text"))["ok"]
    assert (await sim.command("anim", "mod warn", member="zed", reason="calme"))["ok"]
    reply = await sim.command("zed", "profile export")
    assert reply["ok"]
    [dm] = of(sim.last, "dm", kind="export")
    document = base64.b64decode(dm["attachments"][0]["content_base64"]).decode("utf-8")
    assert "secret-note-text" in document and "calme" in document
    cases = export_of(dm["attachments"][0])["data"]["mod_case"]
    assert [(c["role"], c["reason"]) for c in cases] == [
        ("note des animateur·ice·s à votre sujet", "secret-note-text"), ("à votre sujet", "calme")]
    assert "\"anim\"" not in json.dumps(cases)  # who wrote a case is not said
    assert not [o for o in sim.outputs if "secret-note-text" in o.get("text", "") and o.get("channel") != "mod-log"]


async def test_rate_limit_counters_are_kept_only_while_they_can_matter(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.onboard("bea")
    assert (await sim.command("ana", "thanks", member="bea", reason="merci"))["ok"]
    assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM rate_event"))[0] >= 1
    await sim.advance(by="9d")  # the daily purge ran: a week-old counter is gone
    assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM rate_event"))[0] == 0
    for n in range(10):
        assert (await sim.command("ana", "thanks", member="bea", reason=f"merci {n}"))["ok"]
    await sim.advance(by="1d")  # a recent counter survives the purge and still limits
    assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM rate_event"))[0] == 10
