"""Autocomplete through discord.py's real tree: skills (accents ignored), request and reminder ids, nominees."""
from __future__ import annotations

from discord import app_commands

from storage import members as members_repo
from storage import polls as polls_repo
from tests.discord.conftest import DiscordSim


def names(choices: list[dict]) -> list[str]:
    return [c["name"] for c in choices]


async def test_every_listed_option_has_autocomplete_and_no_fixed_choices(dsim: DiscordSim) -> None:
    from cogs.choices import AUTOCOMPLETE

    by_name = {c.qualified_name: c for c in dsim.bot.tree.walk_commands() if isinstance(c, app_commands.Command)}
    attached = 0
    for (name, option), _suggest in AUTOCOMPLETE.items():
        if name not in by_name:
            continue  # a command another change has not landed (request widen on Discord)
        param = next(p for p in by_name[name].parameters if p.name == option)
        assert param.autocomplete and not param.choices, (name, option)
        sent = {o["name"]: o for o in by_name[name].to_dict(dsim.bot.tree)["options"]}
        assert sent[option]["autocomplete"] is True
        attached += 1
    assert attached >= 20


async def test_skills_are_the_communitys_with_accents_ignored(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="Électricité, plomberie, électronique")
    await dsim.command(alice, "profile set", needs="électricité")
    found = await dsim.autocomplete(alice, "directory", "skill", "electricite")
    assert found == [{"name": "électricité", "value": "électricité"}]
    found = await dsim.autocomplete(alice, "directory", "skill", "ELEC")
    assert names(found) == ["électricité", "électronique"]  # the most used first
    assert names(await dsim.autocomplete(alice, "directory", "skill", "")) == [
        "électricité", "électronique", "plomberie"]
    assert await dsim.autocomplete(alice, "directory", "skill", "jardinage") == []
    # A comma-separated list: the beginning is kept, the last skill is completed, none twice.
    found = await dsim.autocomplete(alice, "request new", "skills", "plomberie, elec", title="Fuite")
    assert names(found) == ["plomberie, électricité", "plomberie, électronique"]
    found = await dsim.autocomplete(alice, "profile set", "add_skills", "électricité,")
    assert "électricité, électricité" not in names(found) and "électricité, plomberie" in names(found)


async def test_at_most_25_skills_and_names_within_100_characters(dsim: DiscordSim) -> None:
    bob, carol = dsim.members["bob"], dsim.members["carol"]
    await dsim.command(bob, "profile set", skills=", ".join(f"savoir-faire numéro {n:02d}" for n in range(15)))
    await dsim.command(carol, "profile set", skills=", ".join(f"savoir-faire numéro {n:02d}" for n in range(15, 30)))
    assert all(call.reply.ok for call in dsim.calls[-2:])
    found = await dsim.autocomplete(bob, "directory", "skill", "sav")
    assert len(found) == 25
    long_list = ", ".join(f"savoir-faire numéro {n:02d}" for n in range(4))  # 94 characters already
    found = await dsim.autocomplete(bob, "request new", "skills", long_list + ", autre", title="x")
    assert found == []  # every completion would pass Discord's 100 characters: none is offered cut
    for choice in await dsim.autocomplete(bob, "request new", "skills", "savoir-faire numéro 01, autre",
                                          title="x"):
        assert len(choice["name"]) <= 100 and len(choice["value"]) <= 100


async def test_request_ids_are_the_callers_by_title(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(alice, "request new", title="Fuite sous l'évier", skills="plomberie")
    leak = dsim.calls[-1].reply.data["request_id"]
    await dsim.command(alice, "request new", title="Étagère à monter " + "x" * 83, skills="bricolage")
    shelf = dsim.calls[-1].reply.data["request_id"]
    await dsim.command(bob, "request new", title="Cours de cuisine", skills="cuisine")
    cooking = dsim.calls[-1].reply.data["request_id"]
    mine = await dsim.autocomplete(alice, "request cancel", "id", "")
    assert [c["value"] for c in mine] == [shelf, leak]  # the newest first; bob's is not hers
    assert mine[1]["name"] == f"#{leak} · Fuite sous l'évier"
    assert len(mine[0]["name"]) == 100 and mine[0]["name"].endswith("…")
    assert [c["value"] for c in await dsim.autocomplete(alice, "request cancel", "id", "evier")] == [leak]
    # Claiming: the others' open requests, never your own.
    assert [c["value"] for c in await dsim.autocomplete(alice, "request claim", "id", "")] == [cooking]
    await dsim.command(alice, "request claim", id=cooking)
    assert await dsim.autocomplete(alice, "request claim", "id", "") == []
    # Resolving: yours and the ones you help with.
    resolvable = await dsim.autocomplete(alice, "request resolve", "id", "")
    assert {c["value"] for c in resolvable} == {leak, shelf, cooking}
    await dsim.command(alice, "request cancel", id=leak)
    assert leak not in [c["value"] for c in await dsim.autocomplete(alice, "request cancel", "id", "")]


async def test_reminder_ids_are_the_callers(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(alice, "remind add", when="2026-12-24T18:00", text="Réveillon à 19 h !")
    reminder = dsim.calls[-1].reply.data["reminder_id"]
    found = await dsim.autocomplete(alice, "remind remove", "id", "reveillon")
    assert found == [{"name": f"#{reminder} · Réveillon à 19 h !", "value": reminder}]
    assert await dsim.autocomplete(alice, "remind remove", "id", "pâques") == []
    assert await dsim.autocomplete(bob, "remind remove", "id", "") == []


async def test_motm_suggests_eligible_members_then_the_nominees(dsim: DiscordSim) -> None:
    alice, bob, carol, dave = (dsim.members[n] for n in ("alice", "bob", "carol", "dave"))
    await dsim.command(alice, "mod status", member=carol, active=False)  # not an animator: refused
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(alice, "mod status", member=carol, active=False)
    found = await dsim.autocomplete(alice, "motm nominate", "member", "")
    assert {c["value"] for c in found} == {str(bob.id), str(dave.id)}  # not herself, not inactive carol
    assert names(await dsim.autocomplete(alice, "motm nominate", "member", "BO")) == [bob.name]
    assert await dsim.autocomplete(alice, "motm vote", "member", "") == []  # no open poll
    await dsim.command(alice, "motm open")
    ctx = dsim.engine.ctx
    async with ctx.db.transaction() as tx:
        poll = await polls_repo.latest(tx, ctx.guild_id)
        assert poll is not None
        bob_row = await members_repo.by_platform_id(tx, ctx.guild_id, str(bob.id))
        assert bob_row is not None
        await polls_repo.add_nominations(tx, poll.id, [(bob_row.id, None, "manual", ctx.now_ts())])
        await polls_repo.set_status(tx, poll.id, "open")
    found = await dsim.autocomplete(dave, "motm vote", "member", "")
    assert found == [{"name": bob.name, "value": str(bob.id)}]
    assert await dsim.autocomplete(bob, "motm vote", "member", "") == []  # not for yourself
    # The picked value is what the command receives: bob's platform id, resolved by the engine.
    await dsim.command(dave, "motm vote", member=found[0]["value"])
    assert dsim.calls[-1].options == {"member": str(bob.id)}
    assert dsim.calls[-1].reply.error != "invalid_input"
