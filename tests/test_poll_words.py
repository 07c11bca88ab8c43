"""Member of the month, its words: English and French wording, the same placeholders in both
catalogues, nominee names that never ping."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import load_catalogue, placeholders
from tests.harness import Sim, config_with, of
from tests.poll_steps import CLOSE, community, open_poll, select_id, set_fields, thank, veteran

# Words ------------------------------------------------------------------------------------------

async def test_english_community_wording(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(community={"locale": "en"})).open()
    try:
        await veteran(sim, "ana", locale="en")
        await veteran(sim, "ben", locale="en")
        await thank(sim, "ana", 2)
        post = await open_poll(sim)
        assert "Member of the month" in post["text"] and "motm nominate" in post["text"]
        reply = await sim.click("ben", select_id(post), ["ana"])
        assert reply["text"].startswith("Done: your vote for ana")
        self_vote = await sim.command("ana", "motm vote", member="ana")
        assert "yourself" in self_vote["text"]
        outs = await sim.advance(until=CLOSE)
        assert "Congratulations to @ana, member of the month" in of(outs, "post", kind="motm-result")[0]["text"]
    finally:
        await sim.close()


async def test_french_replies_follow_the_members_locale(sim: Sim) -> None:
    await community(sim, "ana", "ben")
    await thank(sim, "ana", 2)
    post = await open_poll(sim)
    assert "Membre du mois" in post["text"]
    reply = await sim.click("ben", select_id(post), ["ana"])
    assert "votre vote pour ana" in reply["text"]
    await sim.onboard("newbie")
    newbie = await sim.command("newbie", "motm vote", member="ana")
    assert newbie["error"] == "not_eligible" and "7 jours" in newbie["text"]


def test_polls_words_exist_in_both_locales_with_the_same_placeholders() -> None:
    fr, en = load_catalogue("fr"), load_catalogue("en")
    keys = {k for k in fr if k.startswith("polls.")}
    assert keys and keys == {k for k in en if k.startswith("polls.")}
    for key in keys:
        forms_fr = fr[key].values() if isinstance(fr[key], dict) else [fr[key]]
        forms_en = en[key].values() if isinstance(en[key], dict) else [en[key]]
        wanted = set().union(*(placeholders(f) for f in forms_fr))
        assert all(placeholders(f) == wanted for f in [*forms_fr, *forms_en]), key


@pytest.mark.parametrize("user_handle", ["@everyone", "<@&123>"])
async def test_nominee_handles_never_ping(sim: Sim, user_handle: str) -> None:
    await community(sim, "ana", "ben")
    await sim.join("evil", name=user_handle)
    await sim.click("evil", "charter:accept")
    await set_fields(sim, "evil", joined_at=sim.ctx.now_ts() - 90 * 86400)
    await thank(sim, "evil", 3)
    post = await open_poll(sim)
    assert post["mentions"] == ["evil"]
    assert "@everyone" not in post["text"] and "<@&" not in post["text"]
    assert (await sim.command("ana", "motm nominate", member="ben"))["ok"]
    [refreshed] = of(sim.last, "edit", message=post["message"])
    assert user_handle not in refreshed["text"] and "mentions" not in refreshed
