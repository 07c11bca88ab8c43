"""The dashboard of a network (issue 22): one server, one page per community under `/c/<key>/`; each
community's animators see theirs alone, a network animator every one (with a community selector), and a
community's figures are never shown to another community's animators. Real SQLite, a real HTTP server."""
from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.web.server import COOKIE, start_dashboard
from tests.harness import Sim
from tests.network_places import command, network, onboard, place

ANIM = ("animator",)


@pytest.fixture
async def served(sim: Sim) -> AsyncIterator[tuple[Any, Any, Any, Any]]:
    """Les Lilas (the Sim's), Pantin and Montreuil, one network with `netanim` as network animator."""
    pantin, montreuil = place(sim, "pantin", "Pantin"), place(sim, "montreuil", "Montreuil")
    network(sim, pantin, montreuil, animators=("netanim",))
    web = await start_dashboard(sim.ctx, host="127.0.0.1", port=0)
    try:
        yield sim.ctx, pantin, montreuil, web
    finally:
        await web.stop()


async def _link(ctx: Any, user: str, roles: tuple[str, ...] = ANIM) -> dict[str, Any]:
    reply = await command(ctx, user, "dashboard", roles=roles)
    assert reply["ok"], reply
    return reply["data"]


async def _sign_in(http: aiohttp.ClientSession, web: Any, url: str, home: str) -> dict[str, str]:
    token = url.split("t=", 1)[1]
    async with http.get(f"{web.url}/login?t={token}") as resp:
        assert resp.status == 200, await resp.text()
    async with http.post(f"{web.url}/login", data={"t": token}, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
        assert resp.headers["Location"] == f"/c/{home}/"
        return {COOKIE: resp.cookies[COOKIE].value}


async def _page(http: aiohttp.ClientSession, web: Any, key: str, jar: dict[str, str]) -> tuple[int, str]:
    async with http.get(f"{web.url}/c/{key}/", cookies=jar) as resp:
        return resp.status, await resp.text()


def _figure(html: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}" data-value="([^"]*)"', html)
    assert found, key
    return found.group(1)


def _selector(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*" class="communities">(.*?)</nav>', html, re.S)
    return re.findall(r'href="/c/([^/]+)/"', nav.group(1)) if nav else []


async def test_each_communitys_animators_see_their_own_dashboard_only(served: Any) -> None:
    lilas, pantin, montreuil, web = served
    for name in ("pa", "pb", "pc"):
        await onboard(pantin, name)
    await onboard(lilas, "alice")
    await onboard(lilas, "anim")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        link = await _link(pantin, "pa")
        assert link["network"] is False and link["url"].startswith(f"{web.url}/login?t=")
        jar = await _sign_in(http, web, link["url"], "pantin")
        status, html = await _page(http, web, "pantin", jar)
        assert status == 200 and "<title>Pantin — tableau de bord</title>" in html
        vitality = await command(pantin, "pa", "vitality", roles=ANIM)
        assert _figure(html, "active_members") == str(vitality["data"]["active_members"]) == "3"
        assert _selector(html) == []  # one community to see: no selector
        status, html = await _page(http, web, lilas.guild_id, jar)  # another community's: refused, nothing shown
        assert status == 403 and 'data-reason="not_yours"' in html and "data-figure" not in html
        async with http.get(f"{web.url}/c/{lilas.guild_id}/live", cookies=jar) as resp:
            assert resp.status == 403
        assert (await _page(http, web, "nowhere", jar))[0] == 404

        lilas_jar = await _sign_in(http, web, (await _link(lilas, "anim"))["url"], lilas.guild_id)
        status, html = await _page(http, web, lilas.guild_id, lilas_jar)
        assert status == 200 and _figure(html, "active_members") == "2"  # alice and anim, not Pantin's three
        assert (await _page(http, web, "pantin", lilas_jar))[0] == 403
        async with http.get(f"{web.url}/", cookies=lilas_jar, allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == f"/c/{lilas.guild_id}/"


async def test_a_link_is_checked_by_its_own_communitys_secret(served: Any) -> None:
    lilas, pantin, _montreuil, web = served
    await onboard(pantin, "pa")
    await onboard(lilas, "anim")
    await _link(lilas, "anim")  # Les Lilas has a secret too
    token = (await _link(pantin, "pa"))["url"].split("t=", 1)[1]
    payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().replace("pantin", lilas.guild_id, 1)
    forged = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode() + "." + signature
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http, \
            http.post(f"{web.url}/login", data={"t": forged}, allow_redirects=False) as resp:
        assert resp.status == 403 and 'data-reason="forged"' in await resp.text()


async def test_a_network_animator_sees_every_community_with_a_selector(served: Any) -> None:
    lilas, pantin, montreuil, web = served
    await onboard(pantin, "pa")
    await onboard(montreuil, "netanim")
    refused = await command(montreuil, "mo", "dashboard")  # neither animator here nor of the network
    assert refused["error"] == "permission_denied"
    link = await _link(montreuil, "netanim", roles=())  # a network animator needs no local role
    assert link["network"] is True
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        jar = await _sign_in(http, web, link["url"], "montreuil")
        for key, members in ((lilas.guild_id, "0"), ("pantin", "1"), ("montreuil", "1")):
            status, html = await _page(http, web, key, jar)
            assert status == 200, (key, status)
            assert _selector(html) == [lilas.guild_id, "pantin", "montreuil"]
            assert re.search(rf'href="/c/{key}/" aria-current="page"', html)
            assert _figure(html, "active_members") == members, key
        async with http.post(f"{web.url}/c/pantin/sign-out", cookies=jar) as resp:
            assert resp.status == 200
        assert (await _page(http, web, lilas.guild_id, jar))[0] == 401


async def test_a_network_animators_reach_is_checked_on_each_request(sim: Sim) -> None:
    """Not once for the session's 12 hours: a network animator whose role is taken away (or who is no
    longer named in `[network] animators`) loses the other communities at their next page, keeps their own
    community's if they animate it, and nothing if they do not; whoever leaves loses it all."""
    pantin, montreuil = place(sim, "pantin", "Pantin"), place(sim, "montreuil", "Montreuil")
    net = network(sim, pantin, montreuil, animators=("netanim", "coordination"))
    lilas = sim.ctx
    web = await start_dashboard(lilas, host="127.0.0.1", port=0)
    try:
        for user in ("rita", "noa", "netanim"):
            await onboard(lilas, user)
        await onboard(pantin, "pa")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            # Rita: network animator by role, and an animator of Les Lilas.
            rita = await _sign_in(http, web, (await _link(lilas, "rita", ("coordination", "animator")))["url"],
                                  lilas.guild_id)
            # Noa: network animator by role only.
            noa = await _sign_in(http, web, (await _link(lilas, "noa", ("coordination",)))["url"], lilas.guild_id)
            # Netanim: named by id.
            by_id = await _sign_in(http, web, (await _link(lilas, "netanim", ()))["url"], lilas.guild_id)
            for jar in (rita, noa, by_id):
                assert (await _page(http, web, "pantin", jar))[0] == 200
            assert sim.engine is not None
            await sim.engine.roles_changed("rita", "rita", [], ["coordination"])  # the platform takes it away
            await sim.engine.roles_changed("noa", "noa", [], ["coordination"])
            status, html = await _page(http, web, "pantin", rita)  # at once, well within the 12 hours
            assert status == 403 and 'data-reason="not_yours"' in html and "data-figure" not in html
            status, html = await _page(http, web, lilas.guild_id, rita)  # her own community: she animates it
            assert status == 200 and _selector(html) == []
            assert (await _page(http, web, "pantin", noa))[0] in (401, 403)
            assert (await _page(http, web, lilas.guild_id, noa))[0] == 401  # nothing left to see
            assert (await _page(http, web, "montreuil", by_id))[0] == 200
            net.settings = net.settings.model_copy(update={"animators": ["coordination"]})  # no longer named
            assert (await _page(http, web, "montreuil", by_id))[0] in (401, 403)
            again = await _sign_in(http, web, (await _link(lilas, "rita", ("coordination", "animator")))["url"],
                                   lilas.guild_id)  # the role given back: a new link, the network again
            assert (await _page(http, web, "pantin", again))[0] == 200
            await sim.send({"type": "leave", "user": "rita"})
            assert (await _page(http, web, "pantin", again))[0] in (401, 403)
            assert (await _page(http, web, lilas.guild_id, again))[0] == 401
    finally:
        await web.stop()


def _feed(html: str) -> list[str]:
    feed = re.search(r'<ol id="live-feed"[^>]*>(.*?)</ol>', html, re.S)
    assert feed, html
    return [re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<span>(.*?)</span>", feed.group(1), re.S)]


async def test_a_network_animator_sees_what_happens_elsewhere_but_not_who(served: Any) -> None:
    """Another community's members shared nothing with the network's animators: its live feed names nobody
    for them (figures and events still shown); its own animators, and their own community's page, name people."""
    _lilas, pantin, montreuil, web = served
    await onboard(pantin, "paulette")
    await onboard(montreuil, "netanim")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        jar = await _sign_in(http, web, (await _link(montreuil, "netanim", roles=()))["url"], "montreuil")
        status, html = await _page(http, web, "pantin", jar)
        assert status == 200 and "paulette" not in html, _feed(html)
        assert "quelqu&#39;un a rejoint la communauté" in _feed(html), _feed(html)
        status, html = await _page(http, web, "montreuil", jar)  # their own community: named
        assert status == 200 and "netanim a rejoint la communauté" in _feed(html), _feed(html)
        async with http.get(f"{web.url}/c/pantin/live", cookies=jar) as resp:  # the stream names nobody either
            assert resp.status == 200
            await resp.content.readuntil(b": connected\n\n")
            await onboard(pantin, "gaston")
            event = (await resp.content.readuntil(b"\n\n")).decode()
            assert "a rejoint" in event and "gaston" not in event, event
        await onboard(pantin, "pa")
        pantin_jar = await _sign_in(http, web, (await _link(pantin, "pa"))["url"], "pantin")
        status, html = await _page(http, web, "pantin", pantin_jar)  # Pantin's own animators: named
        assert status == 200 and "paulette a rejoint la communauté" in _feed(html), _feed(html)
