"""The dashboard of a network in a real browser (issue 22): a network animator moves between the
communities with the selector (each page's cards equal that community's `vitality`, its live feed only
that community's life); a community's animator sees theirs and is refused another's; axe-core finds
nothing serious on a page with the selector, on desktop and phone."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AXE
from tests.harness import Sim
from tests.network_places import command, network, onboard, place

PHONE = {"width": 390, "height": 844}
ANIM = ("animator",)


@pytest.fixture
async def places(tmp_path: Path) -> AsyncIterator[Any]:
    """Les Lilas (key `console`), Pantin and Montreuil on one database, `netanim` the network animator."""
    from bot.web.server import start_dashboard

    sim = await Sim(tmp_path / "network.sqlite").open()
    pantin, montreuil = place(sim, "pantin", "Pantin"), place(sim, "montreuil", "Montreuil")
    network(sim, pantin, montreuil, animators=("netanim",))
    web = await start_dashboard(sim.ctx, host="127.0.0.1", port=0)
    try:
        yield sim.ctx, pantin, montreuil, web
    finally:
        await web.stop()
        await sim.close()


async def open_link(context: Any, url: str, home: str) -> Any:
    page = context.pages[0] if context.pages else await context.new_page()
    assert (await page.goto(url)).status == 200
    await page.get_by_role("button", name="Ouvrir le tableau de bord").click()
    await page.wait_for_url(f"**/c/{home}/")
    return page


async def test_a_network_animator_moves_between_communities(places: Any, launch: Any) -> None:
    lilas, pantin, montreuil, web = places
    for name in ("pa", "pb"):
        await onboard(pantin, name, skills="plomberie")
    await onboard(lilas, "alice")
    await onboard(montreuil, "netanim")
    link = await command(montreuil, "netanim", "dashboard")  # no local role: the network's animator
    assert link["ok"] and link["data"]["network"] is True, link
    context = await launch(bypass_csp=True)  # lets the test inject axe-core
    page = await open_link(context, link["data"]["url"], "montreuil")
    selector = page.get_by_role("navigation", name="Communautés du réseau")
    assert await selector.get_by_role("link").all_text_contents() == ["Les Lilas", "Pantin", "Montreuil"]
    assert await selector.locator('[aria-current="page"]').text_content() == "Montreuil"

    await selector.get_by_role("link", name="Pantin").click()
    await page.wait_for_url("**/c/pantin/")
    assert await page.title() == "Pantin — tableau de bord"
    vitality = await command(pantin, "pa", "vitality", roles=ANIM)
    assert await page.get_attribute('[data-figure="active_members"]', "data-value") == str(
        vitality["data"]["active_members"]) == "2"
    await page.wait_for_selector("#live-status:text('Direct connecté.')")
    await command(lilas, "alice", "request new", title="Vélo", skills="vélo")  # Les Lilas' life: not here
    opened = await command(pantin, "pa", "request new", title="Fuite", skills="plomberie")
    asked = f"quelqu'un demande de l'aide (demande n°{opened['data']['request_id']})"  # nobody named
    await page.locator("#live-feed li", has_text=asked).first.wait_for(timeout=2000)
    assert "alice" not in await page.text_content("#live-feed")
    assert "pa " not in await page.text_content("#live-feed")

    await selector.get_by_role("link", name="Les Lilas").click()
    await page.wait_for_url(f"**/c/{lilas.guild_id}/")
    assert await page.get_attribute('[data-figure="active_members"]', "data-value") == "1"

    for viewport in ({"width": 1280, "height": 900}, PHONE):
        await page.set_viewport_size(viewport)
        await page.goto(f"{web.url}/c/pantin/")
        assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        await page.add_script_tag(path=str(AXE))
        result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], bad


async def test_a_communitys_animator_is_refused_another_communitys_dashboard(places: Any, launch: Any) -> None:
    lilas, pantin, _montreuil, web = places
    await onboard(pantin, "pa")
    await onboard(lilas, "alice")
    link = await command(pantin, "pa", "dashboard", roles=ANIM)
    context = await launch()
    page = await open_link(context, link["data"]["url"], "pantin")
    assert await page.get_by_role("navigation", name="Communautés du réseau").count() == 0
    response = await page.goto(f"{web.url}/c/{lilas.guild_id}/")
    assert response.status == 403
    assert await page.get_attribute(".refusal", "data-reason") == "not_yours"
    assert await page.locator("[data-figure]").count() == 0
