"""Welcome, as newcomers and returning members live it: the charter and its button, the role and the
public welcome, welcome back (or welcome anew after an erasure); names in these posts never ping."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of
from tests.onboarding_steps import open_sim

# Join and charter -------------------------------------------------------------------------------

async def test_join_sends_the_charter_in_the_members_language_and_no_role(sim: Sim) -> None:
    outs = await sim.join("alice", "fr")
    [dm] = of(outs, "dm", kind="welcome", user="alice")
    assert "charte" in dm["text"] and "Bienvenue" in dm["text"]
    assert dm["components"][0]["custom_id"] == "charter:accept"
    assert dm["components"][0]["label"] == "J'accepte la charte"
    assert not of(outs, "role") and not of(outs, "post", kind="welcome")

    outs = await sim.join("ben", "en")
    [dm] = of(outs, "dm", kind="welcome", user="ben")
    assert "charter" in dm["text"] and dm["components"][0]["label"] == "I accept the charter"


async def test_closed_dms_become_a_mention_in_the_welcome_channel(sim: Sim) -> None:
    outs = await sim.join("alice", "fr", dms_closed=True)
    assert not of(outs, "dm")
    [post] = of(outs, "post", kind="welcome", channel="welcome")
    assert post["mentions"] == ["alice"] and "@alice" in post["text"]
    assert post["components"][0]["custom_id"] == "charter:accept"


async def test_accepting_gives_the_role_the_public_welcome_and_the_profile_invitation(sim: Sim) -> None:
    await sim.join("alice", "en")
    reply = await sim.click("alice", "charter:accept")
    assert reply["ok"] and reply["data"] == {"accepted": True}
    outs = sim.last
    assert of(outs, "role", user="alice", added="member")
    [public] = of(outs, "post", kind="welcome", channel="welcome")
    assert public["mentions"] == ["alice"] and "@alice" in public["text"]
    assert "Bienvenue" in public["text"]  # channel posts speak the community's language
    invitation = [d for d in of(outs, "dm", kind="welcome", user="alice") if "profile set" in d["text"]]
    assert invitation and "skills" in invitation[0]["text"]

    again = await sim.click("alice", "charter:accept")
    assert again["ok"] is False and again["error"] == "conflict"
    assert not of(sim.last, "role") and not of(sim.last, "post")


async def test_the_charter_command_shows_the_configured_text_with_its_button(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"charter": "Be kind. Help out."})
    try:
        await sim.join("alice", "en")
        reply = await sim.command("alice", "charter")
        assert reply["ok"] and reply["text"] == "Be kind. Help out."
        assert reply["components"][0]["custom_id"] == "charter:accept"
    finally:
        await sim.close()


async def test_the_charter_shows_its_button_until_accepted_then_when_it_was_accepted(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"charter": "Soyons bienveillant·e·s."})
    try:
        await sim.join("alice", "fr")
        await sim.join("ben", "en")
        await sim.advance(by="150m")
        before = await sim.command("alice", "charter")
        assert before["text"] == "Soyons bienveillant·e·s."
        assert [c["custom_id"] for c in before["components"]] == ["charter:accept"]
        assert (await sim.click("alice", "charter:accept"))["ok"]
        assert (await sim.click("ben", "charter:accept"))["ok"]
        assert (await sim.command("ben", "profile set", timezone="America/Montreal"))["ok"]
        await sim.advance(by="3d")
        after = await sim.command("alice", "charter")
        assert after["ok"] and after["data"] == {} and not after.get("components"), after
        assert after["text"] == ("Soyons bienveillant·e·s.\n\n"
                                 "Vous avez accepté cette charte le mardi 1er décembre à 11 h 30.")
        english = await sim.command("ben", "charter")  # on their own clock
        assert not english.get("components")
        assert english["text"].endswith("\n\nYou accepted this charter on Tue 1 Dec, 5:30 AM."), english
        await sim.send({"type": "leave", "user": "alice"})
        await sim.join("alice", "fr")  # back: the charter is to be accepted again, its button with it
        back = await sim.command("alice", "charter")
        assert back["text"] == "Soyons bienveillant·e·s." and back["components"][0]["custom_id"] == "charter:accept"
    finally:
        await sim.close()


# Coming back ------------------------------------------------------------------------------------

async def test_a_returning_member_is_welcomed_back_with_their_profile(sim: Sim) -> None:
    await sim.onboard("bob", "fr", skills="plomberie")
    await sim.send({"type": "leave", "user": "bob"})
    outs = await sim.join("bob", "fr")
    [dm] = of(outs, "dm", kind="welcome", user="bob")
    assert "Bon retour" in dm["text"] and dm["components"][0]["custom_id"] == "charter:accept"
    reply = await sim.click("bob", "charter:accept")
    assert reply["ok"], reply
    assert of(sim.last, "role", user="bob", added="member")
    [public] = of(sim.last, "post", kind="welcome", channel="welcome")
    assert "de retour" in public["text"]
    assert any("profile show" in d["text"] for d in of(sim.last, "dm", kind="welcome", user="bob"))
    shown = await sim.command("bob", "profile show")
    assert shown["data"]["skills"] == ["plomberie"]


async def test_a_returning_member_in_english(sim: Sim) -> None:
    await sim.onboard("zoe", "en")
    await sim.send({"type": "leave", "user": "zoe"})
    [dm] = of(await sim.join("zoe", "en"), "dm", kind="welcome", user="zoe")
    assert "Welcome back" in dm["text"]


async def test_an_erased_member_who_comes_back_is_welcomed_as_new(sim: Sim) -> None:
    from storage import members as members_repo

    await sim.onboard("bob", "fr")
    await sim.send({"type": "leave", "user": "bob"})
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "bob")
    assert member is not None
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, member.id, erased=1)
    [dm] = of(await sim.join("bob", "fr"), "dm", kind="welcome", user="bob")
    assert "Bienvenue dans" in dm["text"] and ", bob !" in dm["text"] and "retour" not in dm["text"]


# Names never ping -------------------------------------------------------------------------------

async def test_user_text_in_handles_never_pings(sim: Sim) -> None:
    await sim.send({"type": "join", "user": "u1", "name": "@everyone", "locale": "fr"})
    await sim.click("u1", "charter:accept")
    [needed] = of(sim.last, "post", kind="godparent-needed")
    assert "@everyone" not in needed["text"] and needed["mentions"] == []
    outs = await sim.send({"type": "leave", "user": "u1"})
    [farewell] = of(outs, "post", kind="farewell")
    assert "@everyone" not in farewell["text"] and farewell["mentions"] == []
