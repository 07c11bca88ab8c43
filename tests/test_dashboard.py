"""The dashboard without a browser: sign-in links, sessions bound to a community, security headers,
the figures against `vitality`, the live stream (after commit, hidden profiles, clean close)."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import ConfigError, parse_config
from bot.services import dashboard
from bot.services.dashboard import LinkRefused
from bot.web.server import COOKIE, start_dashboard
from tests.harness import Sim
from tests.test_vitality import animator, seed_community


@pytest.fixture
async def served(sim: Sim) -> AsyncIterator[tuple[Sim, Any]]:
    web = await start_dashboard(sim.ctx, host="127.0.0.1", port=0)
    try:
        yield sim, web
    finally:
        await web.stop()


async def link(sim: Sim, user: str = "anim") -> str:
    reply = await sim.command(user, "dashboard")
    assert reply["ok"], reply
    return reply["data"]["url"].split("t=", 1)[1]


async def signed_in(http: aiohttp.ClientSession, web: Any, token: str) -> str:
    async with http.post(f"{web.url}/login", data={"t": token}, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
        assert resp.headers["Location"] == "/c/console/"
        return resp.cookies[COOKIE].value


async def test_the_command_is_for_animators_and_says_when_nothing_serves_it(sim: Sim) -> None:
    await sim.onboard("nina")
    assert (await sim.command("nina", "dashboard"))["error"] == "permission_denied"
    await animator(sim)
    reply = await sim.command("anim", "dashboard")
    assert reply["error"] == "conflict" and "[dashboard]" in reply["text"]


async def test_link_reply_is_private_and_expires_in_15_minutes(served: tuple[Sim, Any]) -> None:
    sim, web = served
    await animator(sim, locale="en")
    reply = await sim.command("anim", "dashboard")
    assert reply["data"]["url"].startswith(f"{web.url}/login?t=")
    assert reply["data"]["expires"] == "2026-12-01T09:15:00+01:00"
    assert "until 9:15" in reply["text"] and ":00:00" not in reply["text"]
    assert not [o for o in sim.last if o["type"] == "post"], "the link is never posted in a channel"


async def test_forged_expired_replayed_and_foreign_links_are_refused(served: tuple[Sim, Any]) -> None:
    sim, _web = served
    await animator(sim)
    token = await link(sim)
    payload, signature = token.split(".")
    for bad in (f"{payload}.{signature[::-1]}", f"{payload[:-2]}xx.{signature}", "", "a.b", "x" * 500):
        with pytest.raises(LinkRefused) as refused:
            await dashboard.check_link(sim.ctx, bad)
        assert refused.value.reason == "forged"
    cookie, session = await dashboard.redeem_link(sim.ctx, token)
    assert session.guild_id == "console" and cookie
    with pytest.raises(LinkRefused, match="used"):
        await dashboard.redeem_link(sim.ctx, token)
    late = await link(sim)
    await sim.advance("16m")
    with pytest.raises(LinkRefused, match="expired"):
        await dashboard.redeem_link(sim.ctx, late)
    foreign = await link(sim)
    sim.ctx.guild_id = "another"  # the same database serving another community: its own secret
    try:
        with pytest.raises(LinkRefused):
            await dashboard.check_link(sim.ctx, foreign)
    finally:
        sim.ctx.guild_id = "console"


async def test_pages_check_the_session_and_its_community(served: tuple[Sim, Any]) -> None:
    sim, web = served
    await animator(sim)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.get(f"{web.url}/c/console/") as resp:
            assert resp.status == 401
        cookie = await signed_in(http, web, await link(sim))
        jar = {COOKIE: cookie}
        async with http.get(f"{web.url}/c/console/", cookies=jar) as resp:
            assert resp.status == 200
            for name, value in (("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
                                ("X-Frame-Options", "DENY")):
                assert resp.headers[name] == value
            csp = resp.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
            html = await resp.text()
        assert "<script>" not in html and " style=" not in html and "onclick" not in html
        async with http.get(f"{web.url}/c/other/", cookies=jar) as resp:
            assert resp.status == 404
        async with http.get(f"{web.url}/c/console/", cookies={COOKIE: cookie + "x"}) as resp:
            assert resp.status == 401
        async with http.get(f"{web.url}/static/dashboard.css", cookies=jar) as resp:
            assert resp.status == 200 and resp.headers["Content-Security-Policy"] == csp
        await sim.advance("13h")  # sessions last 12 hours of community time
        async with http.get(f"{web.url}/c/console/", cookies=jar) as resp:
            assert resp.status == 401


async def test_cards_carry_the_vitality_figures(served: tuple[Sim, Any]) -> None:
    sim, web = served
    await seed_community(sim)
    await animator(sim)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        jar = {COOKIE: await signed_in(http, web, await link(sim))}
        for days in (30, 7, 90):
            async with http.get(f"{web.url}/c/console/?days={days}", cookies=jar) as resp:
                html = await resp.text()
            data = (await sim.command("anim", "vitality", days=days))["data"]
            shown = dict(re.findall(r'data-figure="(\w+)" data-value="([^"]*)"', html))
            assert shown == {key: "" if data[key] is None else str(data[key]) for key in shown}
            assert len(shown) == 6
        assert "couture" in html and "électricité" in html  # unmet skills


async def test_live_events_are_published_after_commit_and_respect_hidden_profiles(sim: Sim) -> None:
    await sim.onboard("nina", skills="cuisine")
    await sim.onboard("tom", skills="plomberie", visible="false")
    opened = await sim.command("nina", "request new", title="Fuite chez moi", skills="plomberie")
    request_id = opened["data"]["request_id"]
    before = len(sim.ctx.live.recent)
    assert not (await sim.click("nina", f"request:claim:{request_id}"))["ok"]  # refused: nothing happened
    assert len(sim.ctx.live.recent) == before
    assert (await sim.click("tom", f"request:claim:{request_id}"))["ok"]
    events = [e.as_data() for e in sim.ctx.live.recent]
    assert [e["kind"] for e in events] == ["join", "join", "request", "claim"]
    assert events[2]["who"] == "nina" and events[2]["skills"] == ["plomberie"]
    assert events[3]["who"] is None and events[3]["other"] == "nina"  # tom's profile is hidden
    assert "Fuite" not in repr(events)


async def test_the_stream_sends_events_and_ends_when_the_bot_stops(served: tuple[Sim, Any]) -> None:
    sim, web = served
    await animator(sim)
    await sim.onboard("nina")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        jar = {COOKIE: await signed_in(http, web, await link(sim))}
        async with http.get(f"{web.url}/c/console/live", cookies=jar) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
            assert resp.headers["Cache-Control"] == "no-store"
            assert (await resp.content.readuntil(b"\n\n")).startswith(b"retry:")
            await sim.join("zoe")
            event = (await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 5)).decode()
            assert "event: life" in event and "zoe a rejoint la communauté" in event
            await web.stop()
            rest = await asyncio.wait_for(resp.content.read(), 5)
            assert rest == b""
        assert sim.ctx.live.subscribers == 0


def test_dashboard_config_section() -> None:
    cfg = parse_config({"dashboard": {"enabled": True, "port": 9000, "public_url": "https://dash.example.org/"}})
    assert cfg.dashboard.host == "127.0.0.1" and cfg.dashboard.public_url == "https://dash.example.org"
    with pytest.raises(ConfigError, match="dashboard.public_url"):
        parse_config({"dashboard": {"public_url": "dash.example.org"}})
    assert Path("config.example.toml").read_text(encoding="utf-8").count("[dashboard]") == 1


async def test_a_member_who_leaves_leaves_the_dashboard(served: tuple[Sim, Any]) -> None:
    sim, web = served
    await animator(sim)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        jar = {COOKIE: await signed_in(http, web, await link(sim))}
        async with http.get(f"{web.url}/c/console/", cookies=jar) as resp:
            assert resp.status == 200
        await sim.send({"type": "leave", "user": "anim"})
        async with http.get(f"{web.url}/c/console/", cookies=jar) as resp:
            assert resp.status == 401
