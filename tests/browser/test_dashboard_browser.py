"""The dashboard in a real browser: sign-in by signed link, refusals, the cards against `vitality`,
the live feed, phone and desktop screenshots, keyboard use and an axe-core accessibility check."""
from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, AXE
from tests.harness import Sim
from tests.test_vitality import animator, seed_community

PHONE = {"width": 390, "height": 844}
CARDS = ("active_members", "newcomers", "retention_30d", "requests_opened", "median_hours_to_first_helper",
         "godparent_coverage")


async def sign_in(sim: Sim, context: Any, user: str = "anim") -> Any:
    """Ask the bot for a link like an animator would, open it, press the button."""
    reply = await sim.command(user, "dashboard")
    assert reply["ok"], reply
    page = context.pages[0] if context.pages else await context.new_page()
    response = await page.goto(reply["data"]["url"])
    assert response.status == 200
    await page.get_by_role("button", name="Ouvrir le tableau de bord").click()
    await page.wait_for_url("**/c/console/")
    return page


async def feed_line(page: Any, text: str) -> None:
    """The line shows up in the live feed within a second of the console event."""
    await page.locator("#live-feed li", has_text=text).first.wait_for(timeout=1000)


async def figures(page: Any) -> dict[str, str]:
    return {key: await page.get_attribute(f'[data-figure="{key}"]', "data-value") for key in CARDS}


def expected(data: dict[str, Any]) -> dict[str, str]:
    return {key: "" if data[key] is None else str(data[key]) for key in CARDS}


async def test_signed_link_signs_in_and_cards_equal_vitality(community: Any, launch: Any) -> None:
    sim, _web = community
    await seed_community(sim)
    await animator(sim)
    context = await launch()
    page = await sign_in(sim, context)
    cookie = next(c for c in await context.cookies() if c["name"] == "entraide_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert await page.title() == "Entraide — tableau de bord"

    vitality = await sim.command("anim", "vitality")
    assert await figures(page) == expected(vitality["data"])
    # The visible text is the command's too (the seeded five and the animator; 1 in 3 retained).
    assert (await page.text_content('[data-figure="active_members"]')).strip() == "6"
    assert (await page.text_content('[data-figure="retention_30d"]')).strip() == "33 %"

    await page.get_by_role("link", name="7 jours").click()
    await page.wait_for_url("**/c/console/?days=7")
    week = await sim.command("anim", "vitality", days=7)
    assert await figures(page) == expected(week["data"])

    # Some life for the screenshots: arrivals, a request, an offer of help, thanks.
    await sim.onboard("sami", skills="cuisine")
    await sim.onboard("lea", skills="couture")
    opened = await sim.command("sami", "request new", title="Monter une étagère", skills="plomberie")
    assert (await sim.command("ines", "request claim", id=opened["data"]["request_id"]))["ok"]
    await sim.command("lea", "thanks", member="sami", reason="pour la soupe")
    await page.get_by_role("link", name="30 jours").click()
    await page.wait_for_url("**/c/console/?days=30")
    assert await page.locator("#live-feed li").count() == 6  # the animator joined too
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing may scroll sideways at phone width"


async def test_forged_expired_and_replayed_links_are_refused(community: Any, launch: Any) -> None:
    sim, web = community
    await animator(sim)
    context = await launch()
    page = await context.new_page()

    reply = await sim.command("anim", "dashboard")
    url = reply["data"]["url"]
    payload, signature = url.split("t=", 1)[1].split(".")
    forged = f"{web.url}/login?t={payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = await page.goto(forged)
    assert response.status == 403
    assert await page.get_attribute(".refusal", "data-reason") == "forged"
    assert await page.get_by_role("button").count() == 0

    response = await page.goto(f"{web.url}/c/console/")
    assert response.status == 401
    assert await page.get_attribute(".refusal", "data-reason") == "signed_out"

    # The genuine link still works once; visiting it again is refused.
    page = await sign_in(sim, context)
    await context.clear_cookies()
    response = await page.goto(url)
    assert response.status == 200  # the first link, unused so far
    await page.get_by_role("button", name="Ouvrir le tableau de bord").click()
    await page.wait_for_url("**/c/console/")
    await context.clear_cookies()
    response = await page.goto(url)
    assert response.status == 403
    assert await page.get_attribute(".refusal", "data-reason") == "used"

    late = await sim.command("anim", "dashboard")
    await sim.advance("16m")
    response = await page.goto(late["data"]["url"])
    assert response.status == 403
    assert await page.get_attribute(".refusal", "data-reason") == "expired"


async def test_a_claim_in_the_console_appears_in_the_live_feed(community: Any, launch: Any) -> None:
    sim, _web = community
    await animator(sim)
    await sim.onboard("nina", skills="cuisine")
    await sim.onboard("tom", skills="plomberie")
    context = await launch()
    page = await sign_in(sim, context)
    await page.wait_for_selector("#live-status:text('Direct connecté.')")

    opened = await sim.command("nina", "request new", title="Fuite sous l'évier", skills="plomberie")
    request_id = opened["data"]["request_id"]
    await feed_line(page, f"nina demande de l'aide (demande n°{request_id}) : plomberie")
    claimed = await sim.click("tom", f"request:claim:{request_id}")
    assert claimed["ok"], claimed
    await feed_line(page, f"tom propose son aide à nina (demande n°{request_id})")
    assert "Fuite" not in await page.text_content("#live-feed"), "no message text in the feed"

    # A hidden profile is never named.
    await sim.command("tom", "profile set", visible="false")
    await sim.command("tom", "thanks", member="nina", reason="merci pour le café")
    await feed_line(page, "quelqu'un remercie nina")
    feed = await page.text_content("#live-feed")
    assert "tom remercie" not in feed and "café" not in feed


async def test_keyboard_and_accessibility(community: Any, launch: Any) -> None:
    sim, web = community
    await seed_community(sim)
    await animator(sim)
    context = await launch(bypass_csp=True)  # lets the test inject axe-core; the page itself needs no such thing
    page = await sign_in(sim, context)

    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "figures"

    for viewport in ({"width": 1280, "height": 900}, PHONE):
        await page.set_viewport_size(viewport)
        for url in (f"{web.url}/c/console/", f"{web.url}/c/console/?days=7"):
            await page.goto(url)
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
            assert bad == [], bad
    await page.goto(f"{web.url}/login?t=forged.x")
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run()")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
