"""Nothing Discord receives is over its limits, and nothing is cut (issue 17).

Every reply is rendered at its largest (many cases, long titles, 60 skills, many reminders, a full profile,
French and English) through discord.py's real objects; long lists come in pages whose buttons are clicked
after a restart (the view store emptied: only the custom id is left), long texts as several messages.
"""
from __future__ import annotations

import re
from typing import Any

import discord
import pytest

import cogs.base
from bot.commands.registry import Actor
from cogs.chunks import split_message
from storage import onboarding as onboarding_repo
from tests.discord.conftest import DiscordSim, Response
from tests.discord.test_commands import _invoke_all

MAX_CONTENT, MAX_COMPONENTS, MAX_ROWS, MAX_CUSTOM_ID, MAX_LABEL = 2000, 25, 5, 100, 80
EMBED_TOTAL, MAX_EMBEDS = 6000, 10
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]+\]\(https?://")
LIVE_HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)
HOSTILE = "[Aide urgente : cliquez ici](https://evil.example/login)"


def assert_fits(response: Response | dict[str, Any], what: str = "") -> None:
    """One message as Discord would take it: content, embeds, components, custom ids and labels."""
    data = response if isinstance(response, dict) else response.data
    content = str(data.get("content") or "")
    assert len(content) <= MAX_CONTENT, (what, len(content))
    assert not content.endswith("…"), (what, content[-80:])
    embeds = data.get("embeds") or []
    assert len(embeds) <= MAX_EMBEDS
    assert sum(len(str(e.get("title", ""))) + len(str(e.get("description", ""))) for e in embeds) <= EMBED_TOTAL
    rows = data.get("components") or []
    assert len(rows) <= MAX_ROWS, what
    count = 0
    for row in rows:
        assert len(row.get("components", [])) <= 5, what
        for comp in row.get("components", []):
            count += 1
            assert len(comp.get("custom_id") or "") <= MAX_CUSTOM_ID, (what, comp)
            assert len(comp.get("label") or "") <= MAX_LABEL, (what, comp)
            assert len(comp.get("options") or []) <= 25, what
    assert count <= MAX_COMPONENTS, what


async def synthetic_members(dsim: DiscordSim, count: int, name: str) -> list[Actor]:
    """Members known to the engine (charter accepted) that need no dpytest user: they only fill lists."""
    from bot.services.members import ensure_member

    ctx = dsim.engine.ctx
    actors = []
    async with ctx.db.transaction() as tx:
        for n in range(count):
            pid = str(9_000_000_000 + n)
            handle = f"{name} {n:02d} " + "ë" * (90 - len(name))
            row = await ensure_member(tx, ctx, pid, handle[:100])
            await onboarding_repo.accept_charter(tx, row.id, ctx.now_ts())
            actors.append(Actor(platform_id=pid, handle=handle[:100], locale="fr"))
    return actors


async def seed_the_largest_community(dsim: DiscordSim) -> dict[str, Any]:
    """Everything a list can show, at its longest."""
    engine = dsim.engine
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    animator = Actor(platform_id=str(alice.id), handle="alice", roles=frozenset({"animator"}))
    askers = await synthetic_members(dsim, 12, "Membre au nom interminable")
    skills = [f"compétence numéro {n:02d} très spécialisée"[:40] for n in range(60)]
    for i, actor in enumerate(askers[:3]):  # 60 skills, 20 a member (the profile's maximum)
        reply = await engine.command(actor, "profile set", {"skills": skills[i * 20:(i + 1) * 20], "bio": "b" * 500})
        assert reply.ok, reply.text
    titles = []
    for i, actor in enumerate(askers[3:]):  # 27 requests with titles of 100 characters
        for j in range(3):
            title = f"Demande {i:02d}-{j} " + "à" * 100
            titles.append(title[:100])
            reply = await engine.command(actor, "request new", {"title": title[:100], "details": "d" * 1000,
                                                                "skills": skills[:5]})
            assert reply.ok, reply.text
    for n in range(20):  # 20 cases of 500 characters about bob
        reply = await engine.command(animator, "mod note", {"member": str(bob.id),
                                                             "text": f"note {n:02d} " + "n" * 490})
        assert reply.ok, reply.text
    for n in range(30):  # 30 reminders of 1,500 characters
        reply = await engine.command(animator, "remind add", {"when": f"0 {n % 24} * * *",
                                                               "text": f"rappel {n:02d} " + "r" * 1480})
        assert reply.ok, reply.text
    full = {"skills": skills[:20], "needs": skills[20:40], "bio": "Électricienne 👩‍🔧 " + "b" * 470,
            "languages": ["fr", "en"]}
    reply = await engine.command(Actor(platform_id=str(bob.id), handle="bob"), "profile set", full)
    assert reply.ok, reply.text
    return {"titles": titles, "skills": skills, "askers": askers}


def restart_views(dsim: DiscordSim) -> None:
    """What a restart leaves of the views: nothing but the DynamicItem classes registered at start-up."""
    from discord.ui.view import ViewStore

    from cogs.pages import PageButton
    from cogs.views import DYNAMIC_ITEMS

    state = dsim.bot._connection
    state._view_store = ViewStore(state)
    dsim.bot.add_dynamic_items(PageButton, *DYNAMIC_ITEMS)


async def all_pages(dsim: DiscordSim, user: discord.Member, first: list[Response], locale: str) -> list[Response]:
    """The first answer, then every next page, each clicked after a restart: the view store is emptied,
    so only the custom id (a DynamicItem) can answer."""
    seen = list(first)
    shown = 1
    while True:
        ids = [cid for cid in seen[-1].custom_ids if cid and cid.startswith("page:")]
        following = [cid for cid in ids if int(cid.rsplit(":", 1)[1]) == shown + 1]
        if not following:
            return seen
        restart_views(dsim)
        components = [{"custom_id": cid, "label": "page"} for cid in ids]
        responses = await dsim.click(user, components, following[0], locale=locale)
        assert responses, following[0]
        shown += 1
        seen.extend(responses)


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_every_list_at_its_largest_fits_and_shows_everything(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch, locale: str,
) -> None:
    monkeypatch.setattr(cogs.base, "DEFER_AFTER_SECONDS", 60.0)
    seeded = await seed_the_largest_community(dsim)
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    dsim.give_role(alice, dsim.roles["animator"])
    cases = {
        "help": ({}, [f"• /{name} —" for name in (  # command names as Discord shows them
            "vitality", "mod history", "remind add", "request new", "motm-admin open")]),
        "mod history": ({"member": bob}, [f"note {n:02d}" for n in range(20)]),
        "request list": ({}, [t.replace("à", "à")[:30] for t in seeded["titles"]]),
        "skills": ({}, seeded["skills"]),
        "remind list": ({}, [f"rappel {n:02d}" for n in range(30)]),
        "profile show": ({"member": bob}, ["Électricienne 👩‍🔧", *seeded["skills"][:40]]),
        "directory": ({"skill": seeded["skills"][0]}, [a.handle[:20] for a in seeded["askers"][:1]]),
    }
    for path, (options, expected) in cases.items():
        first = await dsim.command(alice, path, locale=locale, **options)
        assert first, path
        responses = await all_pages(dsim, alice, first, locale)
        for response in responses:
            assert_fits(response, path)
        shown = "\n".join(r.content for r in responses)
        for piece in expected:
            assert piece in shown, (path, piece)
    # mod history: the newest case on the first page, then older ones
    first = await dsim.command(alice, "mod history", locale=locale, member=bob)
    assert "note 19" in first[0].content and "note 00" not in first[0].content


async def test_every_command_at_its_largest_fits(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every contract command once more on the large community: each message fits, none is cut."""
    monkeypatch.setattr(cogs.base, "DEFER_AFTER_SECONDS", 60.0)
    await seed_the_largest_community(dsim)
    dsim.give_role(dsim.members["alice"], dsim.roles["animator"])
    for name, responses in (await _invoke_all(dsim, "alice")).items():
        assert responses, name
        for response in responses:
            assert_fits(response, name)


async def test_a_long_text_is_several_messages_never_cut(dsim: DiscordSim) -> None:
    """Posts and DMs too: a text over 2,000 characters goes out whole, in order, at line boundaries."""
    from bot import outbox
    from storage import members as members_repo

    ctx = dsim.engine.ctx
    bob = dsim.members["bob"]
    row = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, str(bob.id))
    assert row is not None
    text = "\n".join(f"ligne {n:03d} " + "x" * 60 for n in range(80))  # 5,600 characters
    async with ctx.db.transaction() as tx:
        await outbox.send_dm(tx, ctx, row, "nudge", text)
        await outbox.post(tx, ctx, "general", "thanks", text, key="long-post")
    sent = await dsim.deliver()
    dms = [m.content for m in sent if isinstance(m.channel, discord.DMChannel)]
    posts = [m.content for m in sent if getattr(m.channel, "name", None) == "general"]
    for messages in (dms, posts):
        assert len(messages) == 3 and all(len(m) <= MAX_CONTENT for m in messages), [len(m) for m in messages]
        assert "\n".join(messages) == text


def test_splitting_keeps_every_character() -> None:
    assert split_message("court") == ["court"]
    words = " ".join(["mot"] * 1000)  # one line of 3,999 characters: broken at spaces
    parts = split_message(words)
    assert all(len(p) <= MAX_CONTENT for p in parts) and " ".join(parts) == words
    solid = "y" * 4500  # no space at all: at the limit
    assert "".join(split_message(solid)) == solid


async def test_a_hostile_title_is_inert_everywhere_it_appears(dsim: DiscordSim) -> None:
    """A masked link and a heading in a title, details and a bio: escaped in the post, the helpers' DMs,
    lists, the profile and replies; the thread is named (thread names show no Markdown)."""
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="plomberie", bio=f"# GROS TITRE\n{HOSTILE}", available=True)
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.command(alice, "request new", title=HOSTILE, details="# GROS TITRE\n> cité\n```code```",
                       skills="plomberie")
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    texts = [m.content for m in await dsim.deliver()]
    texts += [r.content for r in await dsim.command(alice, "request list")]
    texts += [r.content for r in await dsim.command(alice, "profile show", member=bob)]
    await dsim.command(alice, "thanks", member=bob, reason=f"# Merci\n{HOSTILE}")
    texts += [m.content for m in await dsim.deliver()]
    shown = [t for t in texts if "evil.example" in t]
    assert len(shown) >= 4, texts
    for text in shown:
        assert not LIVE_LINK.search(text), text
        assert not LIVE_HEADING.search(text), text


async def test_a_page_replaces_the_private_list_it_was_clicked_on(dsim: DiscordSim) -> None:
    """On the clicker's own private answer the next page is shown in place (an update, not a new
    message); on a public message it comes as a private answer, so nobody else's view changes."""
    await seed_the_largest_community(dsim)
    alice = dsim.members["alice"]
    [first] = await dsim.command(alice, "skills")
    assert first.ephemeral
    ids = [cid for cid in first.custom_ids if cid.startswith("page:")]
    components = [{"custom_id": cid, "label": "page"} for cid in ids]
    restart_views(dsim)
    [in_place] = await dsim.click(alice, components, ids[0], ephemeral=True)
    assert in_place.type == 7, in_place  # UPDATE_MESSAGE
    assert "sur 60 (page 2 sur 3)" in in_place.content and "page:skills::1" in in_place.custom_ids
    [separate] = await dsim.click(alice, components, ids[0])
    assert separate.type == 4 and separate.ephemeral and "sur 60 (page 2 sur 3)" in separate.content


async def test_hostile_text_in_proposals_events_reminders_and_names_is_inert(dsim: DiscordSim) -> None:
    """The same masked link and heading in a proposal, an event, a reminder and a display name."""
    from datetime import timedelta

    alice, carol = dsim.members["alice"], dsim.members["carol"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.engine.member_renamed(str(carol.id), f"# {HOSTILE}")
    await dsim.command(carol, "proposal new", title=HOSTILE, details=f"# GROS TITRE\n{HOSTILE}")
    await dsim.command(alice, "event new", title=HOSTILE, when="2026-12-10T18:00",
                       description=f"# GROS TITRE\n{HOSTILE}")
    await dsim.command(alice, "remind add", when="2026-12-02T10:00", text=f"# GROS TITRE\n{HOSTILE}")
    assert all(call.reply.ok for call in dsim.calls[-3:]), [c.reply.text for c in dsim.calls[-3:]]
    texts = [m.content for m in await dsim.deliver()]
    for path in ("proposal list", "event list", "remind list"):
        texts += [r.content for r in await dsim.command(alice, path)]
    await dsim.engine.scheduler.advance_to(dsim.engine.ctx.clock.now() + timedelta(days=1, hours=2))
    texts += [m.content for m in await dsim.deliver()]
    shown = [t for t in texts if "evil.example" in t]
    assert len(shown) >= 6, texts
    for text in shown:
        assert not LIVE_LINK.search(text), text
        assert not LIVE_HEADING.search(text), text


async def test_event_and_proposal_lists_are_paged_too(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    animator = Actor(platform_id=str(alice.id), handle="alice", roles=frozenset({"animator"}))
    proposers = await synthetic_members(dsim, 25, "Proposeuse")
    for n in range(25):
        title = f"Événement {n:02d} " + "é" * 100
        reply = await dsim.engine.command(animator, "event new", {"title": title[:100],
                                                                  "when": f"2026-12-{10 + n % 15}T18:00"})
        assert reply.ok, reply.text
        reply = await dsim.engine.command(proposers[n], "proposal new", {"title": f"Proposition {n:02d} " + "p" * 80})
        assert reply.ok, reply.text
    for path, word in (("event list", "Événement"), ("proposal list", "Proposition")):
        responses = await all_pages(dsim, alice, await dsim.command(alice, path), "fr")
        assert len(responses) >= 2, path
        for response in responses:
            assert_fits(response, path)
        shown = "\n".join(r.content for r in responses)
        for n in range(25):
            assert f"{word} {n:02d}" in shown, (path, n)
