"""Skills that stay tidy: add/remove without retyping the list, hyphens read as spaces, junk refused,
language names understood, and animators merging, renaming and removing skills (audited)."""
from __future__ import annotations

from importlib import resources

import pytest

from bot.services.language_names import language_code
from bot.services.skills import is_junk, skill_key
from storage.database import split_statements
from tests.harness import Sim, of


async def skills_of(sim: Sim, user: str) -> dict:
    reply = await sim.command(user, "profile show")
    return {"skills": reply["data"]["skills"], "needs": reply["data"]["needs"]}


async def test_add_and_remove_skills_and_needs_without_retyping_the_list(sim: Sim) -> None:
    await sim.onboard("ana", "fr", skills="plomberie, cuisine", needs="jardinage")
    reply = await sim.command("ana", "profile set", add_skills="couture, Cuisine", remove_needs="jardinage",
                              add_needs="aide aux devoirs")
    assert reply["ok"] and reply["data"] == {"skills": ["couture", "cuisine", "plomberie"],
                                             "needs": ["aide aux devoirs"]}
    reply = await sim.command("ana", "profile set", remove_skills="plomberie, pas là")
    assert reply["ok"] and reply["data"]["skills"] == ["couture", "cuisine"]
    reply = await sim.command("ana", "profile set", skills="menuiserie", add_skills="peinture")
    assert reply["data"]["skills"] == ["menuiserie", "peinture"]


async def test_adding_past_the_limit_changes_nothing(sim: Sim) -> None:
    await sim.onboard("ana", "fr", skills=", ".join(f"compétence {n}" for n in range(20)))
    reply = await sim.command("ana", "profile set", add_skills="une de trop")
    assert not reply["ok"] and reply["error"] == "invalid_input"
    assert len((await skills_of(sim, "ana"))["skills"]) == 20


@pytest.mark.parametrize(("a", "b"), [
    ("aide aux devoirs", "aide-aux-devoirs"), ("Aide  aux devoirs", "aide_aux_devoirs"), ("électricité", "electricite"),
])
def test_hyphens_and_spaces_match_alike(a: str, b: str) -> None:
    assert skill_key(a) == skill_key(b)


async def test_one_skill_whichever_way_it_is_typed(sim: Sim) -> None:
    await sim.onboard("ana", "fr", skills="aide-aux-devoirs")
    await sim.onboard("ben", "fr", skills="aide aux devoirs")
    assert (await sim.command("ana", "skills"))["data"]["skills"] == [
        {"skill": "aide-aux-devoirs", "offered": 2, "needed": 0}]
    assert (await sim.command("ana", "directory", skill="Aide aux devoirs"))["data"]["members"] == ["ana", "ben"] \
        or set((await sim.command("ana", "directory", skill="aide aux devoirs"))["data"]["members"]) == {"ana", "ben"}


@pytest.mark.parametrize("junk", ["@everyone", "@here", "<@123>", "<#42>", "https://spam.example", "www.x.fr",
                                  "discord.gg/abc", "!!!", "123"])
async def test_junk_is_refused_and_nothing_changes(sim: Sim, junk: str) -> None:
    await sim.onboard("ana", "fr", skills="cuisine")
    reply = await sim.command("ana", "profile set", skills=f"couture, {junk}")
    assert not reply["ok"] and reply["error"] == "invalid_input" and "n'est pas une compétence" in reply["text"]
    assert "@everyone" not in reply["text"] and reply.get("mentions", []) == []
    assert (await skills_of(sim, "ana"))["skills"] == ["cuisine"]
    assert is_junk(junk)


@pytest.mark.parametrize(("name", "code"), [("français", "fr"), ("Francais", "fr"), ("anglais", "en"),
                                            ("English", "en"), ("arabe", "ar"), ("español", "es"), ("fr", None)])
def test_language_names_in_either_language(name: str, code: str | None) -> None:
    assert language_code(name) == code


async def test_profile_languages_take_names(sim: Sim) -> None:
    await sim.onboard("ana", "fr")
    reply = await sim.command("ana", "profile set", languages="français, anglais, English, ar")
    assert reply["ok"]
    assert (await sim.command("ana", "profile show"))["data"]["languages"] == ["fr", "en", "ar"]
    refused = await sim.command("ana", "profile set", languages="klingonais")
    assert not refused["ok"] and refused["error"] == "invalid_input"


# Animators tidy the catalogue ---------------------------------------------------------------------

async def tidy_community(sim: Sim) -> None:
    await sim.roles("anim", add=["animator"])
    await sim.onboard("anim", "fr")
    await sim.onboard("ana", "fr", skills="diy, bricolage", needs="plomberie")
    await sim.onboard("ben", "fr", skills="diy")
    await sim.onboard("cleo", "fr", skills="bricollage")


async def test_merge_moves_every_member_and_is_audited(sim: Sim) -> None:
    await tidy_community(sim)
    denied = await sim.command("ana", "mod skill merge", skill="diy", into="bricolage")
    assert not denied["ok"] and denied["error"] == "permission_denied"
    reply = await sim.command("anim", "mod skill merge", skill="diy", into="bricolage")
    assert reply["ok"] and reply["data"] == {"skill": "bricolage", "members": 2}
    [log] = of(sim.last, "post", kind="mod-log")
    assert "compétences réunies" in log["text"] and "« diy » réunie avec « bricolage »" in log["text"]
    assert (await skills_of(sim, "ana"))["skills"] == ["bricolage"]
    assert (await skills_of(sim, "ben"))["skills"] == ["bricolage"]
    skills = {s["skill"]: s["offered"] for s in (await sim.command("anim", "skills"))["data"]["skills"]}
    assert "diy" not in skills and skills["bricolage"] == 2
    again = await sim.command("anim", "mod skill merge", skill="diy", into="bricolage")
    assert again["error"] == "not_found"
    same = await sim.command("anim", "mod skill merge", skill="bricolage", into="Bricolage")
    assert same["error"] == "conflict"


async def test_rename_fixes_a_spelling_and_refuses_an_existing_name(sim: Sim) -> None:
    await tidy_community(sim)
    taken = await sim.command("anim", "mod skill rename", skill="bricollage", to="bricolage")
    assert taken["error"] == "conflict" and "mod skill merge" in taken["text"]
    reply = await sim.command("anim", "mod skill rename", skill="bricollage", to="Bricolage fin")
    assert reply["ok"] and reply["data"] == {"skill": "bricolage fin", "members": 1}
    assert "compétence renommée" in of(sim.last, "post", kind="mod-log")[0]["text"]
    assert (await skills_of(sim, "cleo"))["skills"] == ["bricolage fin"]
    junk = await sim.command("anim", "mod skill rename", skill="bricolage fin", to="@everyone")
    assert junk["error"] == "invalid_input"


async def test_remove_cleans_junk_that_is_already_stored(sim: Sim) -> None:
    await tidy_community(sim)
    async with sim.ctx.db.transaction() as tx:  # stored before junk was refused
        await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, '@everyone', '@everyone')",
                         (sim.ctx.guild_id,))
        await tx.execute("INSERT INTO member_skill (member_id, skill_id, kind) SELECT m.id, s.id, 'offer' "
                         "FROM member m, skill s WHERE m.platform_id = 'ben' AND s.key = '@everyone'")
    reply = await sim.command("anim", "mod skill remove", skill="@everyone")
    assert reply["ok"] and reply["data"] == {"skill": "@everyone", "members": 1}
    assert "@everyone" not in reply["text"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert "compétence retirée" in log["text"] and log["mentions"] == [] and "@everyone" not in log["text"]
    assert (await skills_of(sim, "ben"))["skills"] == ["diy"]


async def test_the_migration_merges_hyphenated_duplicates(sim: Sim) -> None:
    await sim.onboard("ana", "fr", skills="cuisine")
    await sim.onboard("ben", "fr", skills="cuisine")
    async with sim.ctx.db.transaction() as tx:  # keys as the old normalization stored them
        for key in ("aide aux devoirs", "aide-aux-devoirs", "porte-monnaie"):
            await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                             (sim.ctx.guild_id, key, key))
        for user, key in (("ana", "aide aux devoirs"), ("ana", "aide-aux-devoirs"), ("ben", "aide-aux-devoirs")):
            await tx.execute("INSERT INTO member_skill (member_id, skill_id, kind) SELECT m.id, s.id, 'offer' "
                             "FROM member m, skill s WHERE m.platform_id = ? AND s.key = ?", (user, key))
    sql = resources.files("storage.migrations").joinpath("0180_skill_keys_hyphens.sql").read_text(encoding="utf-8")
    async with sim.ctx.db.transaction() as tx:
        for statement in split_statements(sql):
            await tx.execute(statement)
    skills = {s["skill"]: s["offered"] for s in (await sim.command("ana", "skills"))["data"]["skills"]}
    assert skills == {"aide aux devoirs": 2, "cuisine": 2, "porte-monnaie": 0}
    async with sim.ctx.db.reader.execute("SELECT key, offer_count FROM skill ORDER BY key") as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    assert ("aide aux devoirs", 2) in rows and ("porte monnaie", 0) in rows
    assert set((await sim.command("ana", "directory", skill="aide-aux-devoirs"))["data"]["members"]) == {"ana", "ben"}
