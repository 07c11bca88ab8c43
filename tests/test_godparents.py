"""Godparents, as newcomers, volunteers and animators live them: who is chosen (language, fewest
godchildren, needs met, tenure), the cap and the queue, hand-overs when a godparent goes quiet,
`mod godparent`."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of
from tests.onboarding_steps import godparent_of, intros, open_sim, stay_active, volunteer

# Godparent assignment ---------------------------------------------------------------------------

async def test_a_newcomer_gets_a_volunteer_godparent_and_both_are_introduced(sim: Sim) -> None:
    """The acceptance scenario, in process."""
    await volunteer(sim, "bob", skills="plomberie", languages="fr")
    await sim.advance(by="20d")
    await sim.join("alice", "fr")
    await sim.click("alice", "charter:accept")
    outs = sim.last
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "@bob" in to_alice["text"] and "parrain" in to_alice["text"]
    assert "@alice" in to_bob["text"]
    assert await godparent_of(sim, "alice") == "bob"
    assert not of(outs, "post", kind="godparent-needed")


async def test_intros_speak_each_members_language(sim: Sim) -> None:
    await volunteer(sim, "bob", "en", languages="fr,en")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    [to_alice] = of(sim.last, "dm", kind="godparent-intro", user="alice")
    [to_bob] = of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert "parrain" in to_alice["text"]
    assert "godparent" in to_bob["text"]


async def test_a_shared_language_comes_first(sim: Sim) -> None:
    await volunteer(sim, "carol", languages="en")
    await volunteer(sim, "dave", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("emma", "fr")
    assert await godparent_of(sim, "emma") == "dave"
    await sim.onboard("finn", "en")
    assert await godparent_of(sim, "finn") == "carol"


async def test_declared_languages_win_over_the_platform_one(sim: Sim) -> None:
    # The charter comes before the profile (a newcomer declares nothing before accepting it), so
    # this is about the godparents' languages: omar's platform says French, he declared Arabic and English.
    await volunteer(sim, "omar", languages="ar,en")
    await volunteer(sim, "carol", languages="fr")
    await volunteer(sim, "dave", "en")  # declared nothing: speaks the platform's language
    await sim.advance(by="15d")
    await sim.onboard("emma", "fr")
    assert await godparent_of(sim, "emma") == "carol"  # omar is the oldest, but no longer French-speaking
    await sim.onboard("finn", "en")
    assert await godparent_of(sim, "finn") == "omar"  # declared English: the oldest English speaker
    await sim.onboard("gina", "en")
    assert await godparent_of(sim, "gina") == "dave"  # omar has a godchild already


async def test_fewest_godchildren_then_least_recently_assigned_then_oldest(sim: Sim) -> None:
    await volunteer(sim, "anna", languages="fr")
    await volunteer(sim, "bert", languages="fr")
    await sim.advance(by="15d")
    order = []
    for newcomer in ("n1", "n2", "n3", "n4"):
        await sim.onboard(newcomer, "fr")
        order.append(await godparent_of(sim, newcomer))
        await sim.advance(by="1h")
    # n1: both free, never assigned → the oldest (anna); n2: bert has fewer godchildren;
    # n3: one each, anna was assigned longer ago; n4: bert has fewer again.
    assert order == ["anna", "bert", "anna", "bert"]


async def test_needs_met_by_the_godparents_skills_come_after_language(sim: Sim) -> None:
    await volunteer(sim, "gina", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "gina"
    await sim.command("alice", "profile set", needs="plomberie")
    await volunteer(sim, "cook", skills="cuisine", languages="fr")
    await volunteer(sim, "plumber", skills="plomberie", languages="fr")
    await volunteer(sim, "english", skills="plomberie", languages="en")
    await stay_active(sim, 15, ("cook", "plumber", "english"))
    await sim.send({"type": "leave", "user": "gina"})
    [to_alice] = of(sim.last, "dm", kind="godparent-intro", user="alice")
    assert "@plumber" in to_alice["text"] and "gina" in to_alice["text"]
    assert await godparent_of(sim, "alice") == "plumber"


async def test_the_pool_leaves_out_the_new_the_inactive_the_gone_and_non_volunteers(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("notvol", "fr", languages="fr")
    await volunteer(sim, "sleepy", languages="fr")
    await volunteer(sim, "gone", languages="fr")
    await sim.advance(by="15d")
    await volunteer(sim, "fresh", languages="fr")  # 13 days short of the tenure
    assert (await sim.command("ann", "mod status", member="sleepy", active=False))["ok"]
    await sim.send({"type": "leave", "user": "gone"})
    await sim.onboard("alice", "fr")
    assert not intros(sim.last)
    [needed] = of(sim.last, "post", kind="godparent-needed", channel="animators")
    assert "alice" in needed["text"] and needed["mentions"] == []
    assert await godparent_of(sim, "alice") is None


async def test_the_cap_then_the_queue_served_when_a_volunteer_appears(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.onboard("old", "fr")  # will volunteer later, tenure already earned
    outs = await sim.advance(by="15d")
    # the first members waited together; once bob has the tenure, the daily run pairs old with him
    assert of(outs, "dm", kind="godparent-intro", user="old")
    assert await godparent_of(sim, "old") == "bob"
    assert await godparent_of(sim, "bob") is None  # never each other's godparent
    for newcomer in ("n1", "n2"):
        await sim.onboard(newcomer, "fr")
        assert await godparent_of(sim, newcomer) == "bob"
    await sim.onboard("n4", "fr")
    assert not intros(sim.last)
    assert of(sim.last, "post", kind="godparent-needed")
    await sim.advance(by="2d")  # the daily run finds nobody either, and does not repeat the alert
    assert not of(sim.last, "post", kind="godparent-needed") and not intros(sim.last)

    reply = await sim.command("old", "profile set", godparent=True)
    assert reply["ok"]
    assert of(sim.last, "dm", kind="godparent-intro", user="n4")
    assert of(sim.last, "dm", kind="godparent-intro", user="old")
    assert await godparent_of(sim, "n4") == "old"


async def test_the_queue_is_served_when_a_godchild_leaves(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.advance(by="15d")
    for newcomer in ("n1", "n2", "n3", "n4"):
        await sim.onboard(newcomer, "fr")
    assert await godparent_of(sim, "n4") is None
    await sim.send({"type": "leave", "user": "n2"})
    assert of(sim.last, "dm", kind="godparent-intro", user="n4")
    assert await godparent_of(sim, "n4") == "bob"


async def test_the_daily_run_serves_the_queue_once_a_volunteer_has_the_tenure(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    assert of(sim.last, "post", kind="godparent-needed")
    await volunteer(sim, "bob", languages="fr")  # joined with alice: not yet 14 days
    assert not intros(sim.last)
    outs = await sim.advance(by="13d")
    assert not intros(outs)
    outs = await sim.advance(by="1d")
    assert of(outs, "dm", kind="godparent-intro", user="alice")
    assert of(outs, "dm", kind="godparent-intro", user="bob")
    assert all(o["at"].endswith("+01:00") and "T09:" in o["at"] for o in intros(outs))


async def test_godchildren_after_the_last_check_in_no_longer_count_against_the_cap(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10], "godparent_min_days": 2})
    try:
        await volunteer(sim, "bob", languages="fr")
        await sim.advance(by="3d")
        for newcomer in ("n1", "n2", "n3"):
            await sim.onboard(newcomer, "fr")
        await sim.advance(by="5d")
        await sim.onboard("n4", "fr")
        assert await godparent_of(sim, "n4") is None
        await sim.advance(by="5d")  # day 13: the last check-in of n1..n3 goes out today
        assert not intros(sim.last)
        outs = await sim.advance(by="1d")  # n1..n3 are past their last check-in: bob is free again
        assert of(outs, "dm", kind="godparent-intro", user="n4")
        assert await godparent_of(sim, "n4") == "bob"
        assert await godparent_of(sim, "n1") == "bob"  # the relationship itself stays
    finally:
        await sim.close()


async def test_someone_who_waited_past_the_godparenting_period_is_left_alone(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10], "godparent_min_days": 2})
    try:
        await sim.onboard("alice", "fr")  # nobody to be her godparent
        await sim.onboard("bob", "fr")
        await sim.advance(by="11d")  # past the last check-in (day 10): no longer a newcomer
        reply = await sim.command("bob", "profile set", godparent=True)
        assert reply["ok"]
        await sim.advance(by="2d")
        assert not intros(sim.outputs)
    finally:
        await sim.close()


# Godparents gone quiet --------------------------------------------------------------------------

async def test_a_quiet_godparent_hands_over_with_a_kind_word_to_both(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await volunteer(sim, "carol", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "bob"
    outs = await stay_active(sim, 59, ("carol", "alice"))
    assert not intros(outs)
    outs = await stay_active(sim, 2, ("carol", "alice"), step=1)
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "Merci" in to_bob["text"] and "alice" in to_bob["text"]
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"] and "bob" in to_alice["text"]
    assert of(outs, "dm", kind="godparent-intro", user="carol")
    assert await godparent_of(sim, "alice") == "carol"


async def test_an_inactive_godparent_hands_over_at_the_next_daily_run(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await volunteer(sim, "bob", "en", languages="en")
    await volunteer(sim, "carol", "en", languages="en")
    await sim.advance(by="15d")
    await sim.onboard("alice", "en")
    assert await godparent_of(sim, "alice") == "bob"
    await sim.command("ann", "mod status", member="bob", active=False)
    assert not intros(sim.last)
    outs = await sim.advance(by="1d")
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "Thank you" in to_bob["text"]
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"]
    assert await godparent_of(sim, "alice") == "carol"


# mod godparent ----------------------------------------------------------------------------------

async def test_mod_godparent_assigns_by_hand_and_is_audited(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("alice", "fr")
    await sim.onboard("bob", "fr")  # no tenure, not a volunteer: the animator decides
    reply = await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob")
    assert reply["ok"], reply
    assert reply["data"] == {"newcomer": "alice", "godparent": "bob"}
    assert of(sim.last, "dm", kind="godparent-intro", user="alice")
    assert of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert of(sim.last, "post", kind="mod-log", channel="mod-log")
    assert await godparent_of(sim, "alice") == "bob"
    history = await sim.command("ann", "mod history", member="alice")
    assert [c["action"] for c in history["data"]["cases"]] == ["godparent"]


async def test_mod_godparent_reassigns_and_tells_the_previous_godparent(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await volunteer(sim, "bob", "en", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    await sim.onboard("carol", "fr")
    reply = await sim.command("ann", "mod godparent", newcomer="alice", godparent="carol")
    assert reply["ok"], reply
    [to_bob] = of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert "carol" in to_bob["text"] and "animators" in to_bob["text"]
    assert await godparent_of(sim, "alice") == "carol"


async def test_mod_godparent_refusals_change_nothing(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("alice", "fr")
    await sim.onboard("bob", "fr")
    await sim.join("newbie", "fr")  # has not accepted the charter
    await sim.onboard("gone", "fr")
    await sim.send({"type": "leave", "user": "gone"})

    denied = await sim.command("alice", "mod godparent", newcomer="alice", godparent="bob")
    assert denied["error"] == "permission_denied"
    cases = [
        ({"newcomer": "nobody", "godparent": "bob"}, "not_found"),
        ({"newcomer": "alice", "godparent": "nobody"}, "not_found"),
        ({"newcomer": "alice", "godparent": "alice"}, "conflict"),
        ({"newcomer": "alice", "godparent": "newbie"}, "not_eligible"),
        ({"newcomer": "alice", "godparent": "gone"}, "not_eligible"),
        ({"newcomer": "gone", "godparent": "bob"}, "not_eligible"),
        ({"newcomer": "alice"}, "invalid_input"),
    ]
    for options, code in cases:
        reply = await sim.command("ann", "mod godparent", **options)
        assert reply["ok"] is False and reply["error"] == code, (options, reply)
        assert reply["text"]
        assert not of(sim.last, "dm") and not of(sim.last, "post")
    assert await godparent_of(sim, "alice") is None

    assert (await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob"))["ok"]
    again = await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob")
    assert again["error"] == "conflict" and not of(sim.last, "dm")
