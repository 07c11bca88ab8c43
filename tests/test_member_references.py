"""A reply's `data` names members by their reference (COMMANDS.md: "a handle (`alice`) on the console", the
`user` of the console's lines), never by the display name a `join` gave them: what `data` says can be
compared with the `user` of the DMs and fed back as a `member` option, whatever name people go by. Texts
keep the display names (issue 16)."""
from __future__ import annotations

from tests.harness import Sim, of

NAMES = {"alice": "Alice Martin", "bruno": "Bruno D.", "carla": "Carla", "dan": "Dan l'animateur"}


async def onboard_named(sim: Sim, user: str, **profile: str) -> None:
    await sim.join(user, name=NAMES[user])
    assert (await sim.click(user, "charter:accept"))["ok"]
    if profile:
        assert (await sim.command(user, "profile set", **profile))["ok"]


async def test_data_names_members_by_their_handle_not_their_display_name(sim: Sim) -> None:
    await onboard_named(sim, "alice", skills="plomberie", godparent="true")
    await onboard_named(sim, "bruno", skills="plomberie")
    await onboard_named(sim, "carla")
    await onboard_named(sim, "dan")
    await sim.roles("dan", add=["animator"])

    found = await sim.command("carla", "directory", skill="plomberie")
    assert sorted(found["data"]["members"]) == ["alice", "bruno"], found
    assert "Alice Martin" in found["text"], found["text"]  # what people read: the names they go by

    opened = await sim.command("carla", "request new", title="Fuite", details="x", skills="plomberie")
    pinged = opened["data"]["pinged"]
    assert sorted(pinged) == sorted(o["user"] for o in of(sim.last, "dm", kind="helper-ping")), sim.last
    assert "Alice Martin" in opened["text"], opened["text"]
    claimed = await sim.click(pinged[0], f"request:claim:{opened['data']['request_id']}")
    assert claimed["data"]["helper"] == pinged[0], claimed

    shown = await sim.command("carla", "profile show", member="alice")
    assert shown["data"]["member"] == "alice", shown
    assert "Alice Martin" in shown["text"], shown["text"]
    given = await sim.command("dan", "mod godparent", newcomer="carla", godparent="alice")
    assert given["data"] == {"newcomer": "carla", "godparent": "alice"}, given
    assert (await sim.command("carla", "profile show"))["data"]["godparent"] == "alice"
    status = await sim.command("dan", "mod status", member="bruno", active=True)
    assert status["data"]["member"] == "bruno", status
    assert (await sim.command("dan", "mod warn", member="bruno", reason="calme"))["ok"]
    history = await sim.command("dan", "mod history", member="bruno")
    assert {c["by"] for c in history["data"]["cases"]} == {"dan"}, history

    event = await sim.command("dan", "event new", title="Apéro", when="2026-12-10T18:00:00+01:00")
    eid = event["data"]["event_id"]
    assert (await sim.command("alice", "event join", id=eid))["ok"]
    assert (await sim.command("carla", "event show", id=eid))["data"]["participants"] == ["alice"]


async def test_the_member_of_the_month_names_nominees_by_their_handle(sim: Sim) -> None:
    for user in NAMES:  # on the server long before the bot: adopted, so they may vote at once
        await sim.join(user, name=NAMES[user], joined_at="2025-01-01T10:00:00+01:00")
    await sim.roles("dan", add=["animator"])
    assert (await sim.command("dan", "setup adopt"))["ok"]
    poll = (await sim.command("dan", "motm open"))["data"]["poll_id"]
    nominated = await sim.command("bruno", "motm nominate", member="Alice Martin")
    assert nominated["data"] == {"poll_id": poll, "nominee": "alice"}, nominated
    assert "Alice Martin" in nominated["text"], nominated["text"]
    voted = await sim.command("bruno", "motm vote", member="alice")
    assert voted["data"] == {"poll_id": poll, "voted_for": "alice"}, voted
    clicked = await sim.click("carla", f"motm:vote:{poll}", ["alice"])
    assert clicked["data"] == {"poll_id": poll, "voted_for": "alice"}, clicked
    status = await sim.command("carla", "motm status")
    assert status["data"]["nominees"] == ["alice"] and "Alice Martin" in status["text"], status
    assert (await sim.command("dan", "motm close"))["ok"]
    closed = await sim.command("carla", "motm status")
    assert closed["data"]["winner"] == "alice", closed
    assert closed["data"]["results"] == [{"nominee": "alice", "votes": 2}], closed


async def test_the_ballot_tells_apart_two_nominees_who_share_a_display_name(sim: Sim) -> None:
    for user, name in (("ana", "Ana"), ("bob", "Bob"), ("alice", "Alice"), ("alice2", "Alice")):
        await sim.join(user, name=name, joined_at="2025-01-01T10:00:00+01:00")
    await sim.roles("ana", add=["animator"])
    assert (await sim.command("ana", "setup adopt"))["ok"]
    poll = (await sim.command("ana", "motm open"))["data"]["poll_id"]
    assert (await sim.command("bob", "motm nominate", member="alice"))["ok"]
    assert (await sim.command("bob", "motm nominate", member="alice2"))["ok"]
    ballots = [o for o in sim.outputs if o["type"] in ("post", "edit") and o.get("kind") == "motm-poll"]
    select = next(c for c in ballots[-1]["components"] if c["custom_id"] == f"motm:vote:{poll}")
    assert [o["value"] for o in select["options"]] == ["alice", "alice2"], select  # the labels are both « Alice »
    clicked = await sim.click("ana", f"motm:vote:{poll}", [select["options"][1]["value"]])
    assert clicked["data"] == {"poll_id": poll, "voted_for": "alice2"}, clicked
