"""The Signal transport end to end over the fake signal-cli: members, commands, reactions, delivery."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import members as members_repo
from tests.signal_harness import MOD_GROUP, SignalSim, aci, mention_with, signal_config
from tests.signal_peer import GROUP_ID

FFFC = "\ufffc"


@pytest.fixture
async def sig(tmp_path: Path) -> AsyncIterator[SignalSim]:
    sim = await SignalSim(tmp_path).open(members=["alice"])
    yield sim
    await sim.close()


def texts(sent: list[dict[str, Any]]) -> list[str]:
    return [s.get("message", "") for s in sent if s["method"] == "send"]


def mentioned(sent: dict[str, Any]) -> list[str]:
    return [m.rsplit(":", 1)[1] for m in sent.get("mention") or []]


async def member(sig: SignalSim, name: str) -> Any:
    return await members_repo.by_platform_id(sig.ctx.db.reader, sig.ctx.guild_id, f"signal:{aci(name)}")


async def onboard(sig: SignalSim, name: str) -> dict[str, Any]:
    """Added to the group, writes to the bot in private, accepts the charter by 👍 on the welcome."""
    sent = await sig.join(name)
    welcome = next(s for s in sent if "!charte accepter" in s.get("message", ""))
    await sig.say(name, "bonjour", dm=True)
    await sig.react(name, "👍", welcome["timestamp"])
    return welcome


# Members -------------------------------------------------------------------------------------------

async def test_members_already_there_are_adopted_without_a_welcome(sig: SignalSim) -> None:
    alice = await member(sig, "alice")
    assert alice is not None and alice.left_at is None
    assert sig.peer.sent == []  # no welcome flood when the bot arrives in a living group
    assert alice.platform_id == f"signal:{aci('alice')}" and "+" not in alice.handle  # no phone number


async def test_a_group_update_is_a_membership_diff_feeding_onboarding(sig: SignalSim) -> None:
    sent = await sig.join("bruno")
    bruno = await member(sig, "bruno")
    assert bruno is not None and bruno.left_at is None
    assert bruno.handle == "Bruno"  # the Signal profile name (listContacts), never the number
    [welcome] = [s for s in sent if s["method"] == "send"]
    # Bruno never wrote to the bot: a DM would be a message request, so the welcome is in the group,
    # with a real mention of Bruno only, and the button as its twin line plus the reaction that clicks it.
    assert welcome["groupId"] == GROUP_ID and "recipient" not in welcome
    assert mentioned(welcome) == [aci("bruno")]
    start = int(welcome["mention"][0].split(":")[0])
    assert welcome["message"].encode("utf-16-le")[2 * start:2 * start + 2] == FFFC.encode("utf-16-le")
    assert "→ !charte accepter" in welcome["message"] and "👍" in welcome["message"]
    assert (await member(sig, "bruno")).dms_closed

    left = await sig.leave("alice")
    assert (await member(sig, "alice")).left_at is not None
    assert all(aci("alice") not in m for s in left for m in s.get("mention") or [])
    again = await sig.leave("alice")  # a second update with the same members changes nothing
    assert again == []


async def test_reconcile_after_start_finds_joins_and_leaves_made_while_away(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path).open(members=["alice"])
    try:
        await sim.server.rpc.close()
        sim.peer.members.append({"uuid": aci("chloe"), "number": None})
        sim.peer.members = [m for m in sim.peer.members if m["uuid"] != aci("alice")]
        from bot.transports.signal_rpc import Endpoint, SignalRpc

        sim.server.rpc = SignalRpc(Endpoint(socket=sim.peer.path), on_connected=sim.server.reconcile,
                                   backoff_start=0.01)
        await sim.server.rpc.connect()
        await sim.reconciled(2)
        assert (await member(sim, "chloe")) is not None
        assert (await member(sim, "alice")).left_at is not None
    finally:
        await sim.close()


# Commands ----------------------------------------------------------------------------------------

async def test_a_french_command_with_a_mention_after_an_emoji(sig: SignalSim) -> None:
    await onboard(sig, "bruno")
    await sig.say("alice", "!charte accepter")
    text = f"!merci 👋{FFFC} pour la fuite d'eau"
    sent = await sig.say("bruno", text, mentions=[(mention_with("!merci 👋"), "alice")])
    reply = next(s for s in sent if s.get("quoteTimestamp"))
    assert reply["groupId"] == GROUP_ID and reply["quoteAuthor"] == aci("bruno")
    assert "Alice" in reply["message"] or "alice" in reply["message"].lower()
    posts = [s for s in sent if s is not reply]
    assert any("fuite d'eau" in s["message"] for s in posts + [reply])
    async with sig.ctx.db.reader.execute("SELECT COUNT(*) FROM kudos") as cur:
        assert (await cur.fetchone())[0] == 1


async def test_a_mention_at_the_end_is_still_the_member(sig: SignalSim) -> None:
    await onboard(sig, "bruno")
    await sig.say("alice", "!charte accepter")
    text = f"!merci pour la fuite d'eau {FFFC}"
    await sig.say("bruno", text, mentions=[(mention_with("!merci pour la fuite d'eau "), "alice")])
    async with sig.ctx.db.reader.execute(
        "SELECT m.platform_id, k.reason FROM kudos k JOIN member m ON m.id = k.to_id"
    ) as cur:
        rows = await cur.fetchall()
    assert [(r[0], r[1]) for r in rows] == [(f"signal:{aci('alice')}", "pour la fuite d'eau")]


async def test_an_english_command_with_a_mention_after_an_emoji(sig: SignalSim) -> None:
    await onboard(sig, "bruno")
    await sig.say("alice", "!charter accept")
    await sig.say("bruno", "!profile set language=en", dm=True)
    text = f"!thanks 🙏🏽{FFFC} for the leak"
    sent = await sig.say("bruno", text, mentions=[(mention_with("!thanks 🙏🏽"), "alice")])
    assert any("leak" in t for t in texts(sent))
    async with sig.ctx.db.reader.execute("SELECT reason FROM kudos") as cur:
        assert [r[0] for r in await cur.fetchall()] == ["for the leak"]


async def test_other_group_text_counts_as_activity_and_is_not_stored(sig: SignalSim) -> None:
    secret = "mon code de porte est 4521"
    sent = await sig.say("alice", secret)
    assert sent == []
    await sig.server.engine.activity.flush()
    async with sig.ctx.db.reader.execute("SELECT COALESCE(SUM(messages), 0) FROM activity_day") as cur:
        assert (await cur.fetchone())[0] == 1
    raw = (sig.tmp / "community.sqlite").read_bytes()
    assert secret.encode() not in raw


async def test_private_replies_go_by_dm_or_ask_for_one(sig: SignalSim) -> None:
    sent = await sig.say("alice", "!profil voir")
    [reply] = sent
    assert reply["groupId"] == GROUP_ID and "message privé" in reply["message"]
    await sig.say("alice", "salut", dm=True)
    sent = await sig.say("alice", "!profil voir")
    [reply] = sent
    assert reply["recipient"] == [aci("alice")] and "groupId" not in reply


# Reactions as clicks ---------------------------------------------------------------------------

async def test_a_reaction_on_the_bots_message_is_the_click(sig: SignalSim) -> None:
    welcome = await onboard(sig, "bruno")
    bruno = await member(sig, "bruno")
    assert bruno.charter_accepted_at is not None
    # Someone else's 👍 on an unrelated message, or a ✋ on the welcome, clicks nothing.
    before = len(sig.peer.sent)
    await sig.react("alice", "✋", welcome["timestamp"])
    await sig.react("alice", "👍", 12345)
    assert len(sig.peer.sent) == before


# Delivery ----------------------------------------------------------------------------------------

def refuse_with(**result: Any) -> Any:
    return lambda entry: {"timestamp": entry["timestamp"], "results": [{"recipientAddress": {"uuid": "x"}, **result}]}


async def test_a_rate_limit_delays_the_message_by_retry_after(sig: SignalSim) -> None:
    sig.peer.send_results.append(refuse_with(type="RATE_LIMIT_FAILURE", retryAfterSeconds=300))
    await sig.join("bruno")
    query = "SELECT status, not_before, attempts FROM outbox WHERE kind = 'welcome'"
    async with sig.ctx.db.reader.execute(query) as cur:
        status, not_before, attempts = await cur.fetchone()
    assert status == "pending" and not_before == sig.ctx.now_ts() + 300 and attempts == 0
    assert await sig.advance(seconds=299) == []
    later = await sig.advance(seconds=2)
    assert any("!charte accepter" in t for t in texts(later))


async def test_a_captcha_pauses_sending_and_alerts_the_animators_once(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path, signal_config(channels={"animators": MOD_GROUP})).open(members=["alice"])
    try:
        sim.peer.send_results.append(refuse_with(type="RATE_LIMIT_FAILURE", retryAfterSeconds=600, token="tok-1"))
        await sim.join("bruno")
        alerts = [s for s in sim.peer.sent if s.get("groupId") == MOD_GROUP]
        assert len(alerts) == 1 and "tok-1" in alerts[0]["message"]
        assert "submitRateLimitChallenge" in alerts[0]["message"]
        await sim.join("chloe")  # while paused nothing else goes out
        assert [s for s in sim.peer.sent if s.get("outcome") != "refused" and s.get("groupId") != MOD_GROUP] == []
        later = await sim.advance(minutes=11)
        assert sum("!charte accepter" in t for t in texts(later)) == 2  # both welcomes, once each
        assert len([s for s in sim.peer.sent if s.get("groupId") == MOD_GROUP]) == 1
    finally:
        await sim.close()


async def test_an_unregistered_recipient_is_unreachable(sig: SignalSim) -> None:
    await sig.say("alice", "coucou", dm=True)
    sig.peer.send_results.append(refuse_with(type="UNREGISTERED_FAILURE"))
    await sig.say("alice", "!profil voir")
    async with sig.ctx.db.reader.execute("SELECT status FROM outbox WHERE kind = 'reply'") as cur:
        assert [r[0] for r in await cur.fetchall()] == ["failed"]


async def test_long_texts_are_split_at_paragraphs_under_2000_bytes(sig: SignalSim) -> None:
    paragraphs = [f"Paragraphe {n} : " + "é" * 300 for n in range(8)]
    async with sig.ctx.db.transaction() as tx:
        from bot.outbox import post

        await post(tx, sig.ctx, sig.ctx.config.channels.general, "notice", "\n\n".join(paragraphs))
    await sig.server.engine.deliver()
    parts = texts(sig.peer.sent)
    assert len(parts) >= 2 and all(len(p.encode()) <= 2000 for p in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


async def test_mod_timeout_refuses_in_a_clear_sentence_by_default(sig: SignalSim) -> None:
    sig.peer.admins.append({"uuid": aci("alice"), "number": None})
    await sig.say("alice", "salut", dm=True)
    await onboard(sig, "bruno")
    sent = await sig.say("alice", f"!mod timeout {FFFC} minutes=60 reason=spam", mentions=[(13, "bruno")])
    assert any("Signal ne permet pas" in t for t in texts(sent))
    async with sig.ctx.db.reader.execute("SELECT COUNT(*) FROM mod_case") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_mod_timeout_removes_from_the_group_when_configured(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path, signal_config(timeout="remove")).open(members=["alice"])
    try:
        sim.peer.admins.append({"uuid": aci("alice"), "number": None})
        await onboard(sim, "bruno")
        await sim.say("alice", f"!mod timeout {FFFC} minutes=60 reason=spam", mentions=[(13, "bruno")])
        removals = [s for s in sim.peer.sent if s["method"] == "updateGroup"]
        assert removals and removals[0]["removeMember"] == [aci("bruno")]
    finally:
        await sim.close()


async def test_reconnect_after_the_peer_restarts_loses_and_repeats_nothing(sig: SignalSim) -> None:
    await sig.peer.restart()
    await sig.reconciled(2)
    await sig.peer.stop()
    # While the daemon is down: a member writes (the daemon keeps it), the bot has a post to make.
    async with sig.ctx.db.transaction() as tx:
        from bot.outbox import post

        await post(tx, sig.ctx, sig.ctx.config.channels.general, "notice", "Réunion jeudi")
    await sig.server.engine.deliver()
    assert texts(sig.peer.sent) == []
    await sig.peer.start()
    await sig.reconciled(3)
    before = len(sig.peer.sent)
    stamp = sig.stamp()
    from tests.signal_peer import envelope

    frame = envelope(aci("alice"), "Alice", text="!aide", timestamp=stamp)
    await sig.receive(frame)
    await sig.receive(frame)  # the same envelope again (a redelivery): handled once
    await sig.advance(minutes=5)
    sent = sig.peer.sent[before:]
    assert texts(sent).count("Réunion jeudi") == 1
    assert sum(1 for s in sent if s.get("quoteTimestamp") == stamp) == 1


async def test_the_ballot_is_a_numbered_list_voted_with_vote_n(sig: SignalSim) -> None:
    from bot.outbox import Component, post

    component = Component("motm:vote:1", "Votez", options=({"label": "Alice", "value": "alice"},
                                                           {"label": "Bruno", "value": "bruno"}))
    async with sig.ctx.db.transaction() as tx:
        await post(tx, sig.ctx, sig.ctx.config.channels.general, "motm-ballot", "Membre du mois",
                   components=[component])
    await sig.server.engine.deliver()
    [ballot] = sig.peer.sent
    assert "1. Alice\n2. Bruno" in ballot["message"] and "!vote" in ballot["message"]
    async with sig.ctx.db.reader.execute("SELECT components FROM signal_message") as cur:
        stored = json.loads((await cur.fetchone())[0])
    assert stored[0]["custom_id"] == "motm:vote:1"
    sent = await sig.say("alice", "!vote 7")
    assert any("1 à 2" in t for t in texts(sent))


async def test_the_running_bot_consumes_notifications_and_delivers(tmp_path: Path) -> None:
    """serve_signal as `entraide run --transport signal` runs it: connect, reconcile, consume, deliver."""
    import asyncio

    from bot.clock import SimulatedClock
    from bot.transports.signal_rpc import Endpoint, SignalRpc
    from bot.transports.signal_run import open_signal, serve_signal
    from tests.harness import START
    from tests.signal_peer import FakeSignalCli, envelope

    peer = await FakeSignalCli(tmp_path / "daemon.sock").start()
    peer.members.append({"uuid": aci("alice"), "number": None})
    from datetime import datetime

    rpc = SignalRpc(Endpoint(socket=peer.path), backoff_start=0.01, backoff_max=0.05)
    server = await open_signal(signal_config(), tmp_path / "c.sqlite", SimulatedClock(datetime.fromisoformat(START)),
                               rpc)
    task = asyncio.create_task(serve_signal(server, deliver_every=0.05, flush_every=0.05))
    try:
        for _ in range(300):
            if server.reconciles:
                break
            await asyncio.sleep(0.01)
        await peer.notify(envelope(aci("alice"), "Alice", text="!aide", timestamp=1_764_600_000_000))
        for _ in range(500):
            if peer.sent:
                break
            await asyncio.sleep(0.01)
        assert peer.sent and peer.sent[0]["quoteTimestamp"] == 1_764_600_000_000
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await peer.stop()


async def test_an_erased_member_leaves_no_signal_id_behind(sig: SignalSim) -> None:
    await onboard(sig, "bruno")
    await sig.say("bruno", "!profil set compétences=cuisine", dm=True)
    sent = await sig.say("bruno", "!profil supprimer confirm=oui", dm=True)
    assert any(s.get("recipient") == [aci("bruno")] for s in sent), sent
    await sig.server.engine.deliver()
    rows = []
    for (table,) in await (await sig.ctx.db.reader.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).fetchall():
        for row in await (await sig.ctx.db.reader.execute(f"SELECT * FROM {table}")).fetchall():
            if any(aci("bruno") in str(value) for value in row):
                rows.append((table, tuple(row)))
    assert rows == []


async def test_a_hostile_profile_name_is_cleaned_before_it_is_kept(sig: SignalSim) -> None:
    await sig.say("alice", "bonjour", display="Al\u202eice\x00 ")
    assert (await member(sig, "alice")).handle == "Alice"


async def test_mod_log_never_goes_to_the_community_group(sig: SignalSim) -> None:
    sig.peer.admins.append({"uuid": aci("alice"), "number": None})
    await sig.say("alice", "salut", dm=True)
    await onboard(sig, "bruno")
    sent = await sig.say("alice", f"!mod note {FFFC} text=\"à surveiller\"", mentions=[(10, "bruno")])
    assert sent and all("groupId" not in s for s in sent), sent  # the note and its mod-log line stay private
    assert any(s["recipient"] == [aci("alice")] and "surveiller" in s["message"] for s in sent)


async def test_a_typing_mistake_is_one_line_in_the_members_language(sig: SignalSim) -> None:
    sent = await sig.say("alice", '!demande nouvelle titre="Fuite sous l\'évier')
    [reply] = sent
    assert reply["quoteAuthor"] == aci("alice") and "\n" not in reply["message"].strip()
    async with sig.ctx.db.reader.execute("SELECT COUNT(*) FROM request") as cur:
        assert (await cur.fetchone())[0] == 0
