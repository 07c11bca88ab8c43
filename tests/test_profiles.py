"""Profiles: `profile set`/`show`, `directory`, `skills`: normalization, limits, visibility."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Sim, config_with


async def _count(sim: Sim, sql: str, *params: object) -> int:
    row = await sim.ctx.db.fetchone(sql, params)
    return int(row[0])


async def _member_id(sim: Sim, handle: str) -> int:
    row = await sim.ctx.db.fetchone("SELECT id FROM member WHERE handle = ?", (handle,))
    return int(row[0])


async def _resolved_request_helped_by(sim: Sim, helper: str, status: str = "resolved") -> None:
    """A request helped on by `helper` (the requests area writes these; here straight in SQL)."""
    helper_id = await _member_id(sim, helper)
    now = sim.ctx.now_ts()
    async with sim.ctx.db.transaction() as tx:
        cur = await tx.execute(
            "INSERT INTO request (guild_id, requester_id, title, status, created_at) VALUES (?, NULL, 't', ?, ?)",
            (sim.ctx.guild_id, status, now))
        await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                         (cur.lastrowid, helper_id, now))


async def test_set_returns_sorted_display_forms_and_show_reads_them(sim: Sim) -> None:
    await sim.onboard("alice")
    reply = await sim.command("alice", "profile set", skills="plomberie, cuisine", needs="Jardinage",
                              languages="FR, en, fr")
    assert reply["ok"], reply
    assert reply["data"] == {"skills": ["cuisine", "plomberie"], "needs": ["jardinage"]}
    shown = await sim.command("alice", "profile show")
    assert shown["data"] == {"member": "alice", "skills": ["cuisine", "plomberie"], "needs": ["jardinage"],
                             "languages": ["fr", "en"], "helped": 0, "godparent": None}


async def test_accents_case_and_spaces_are_one_skill(sim: Sim) -> None:
    await sim.onboard("h1", skills="  électricité ")
    await sim.onboard("h2", skills="Electricite")
    await sim.onboard("req")
    found = await sim.command("req", "directory", skill="ÉLECTRICITÉ")
    assert found["ok"] and found["data"]["members"] == ["h1", "h2"], found
    counts = (await sim.command("req", "skills"))["data"]["skills"]
    assert counts == [{"skill": "électricité", "offered": 2, "needed": 0}]


async def test_aliases_from_the_config_map_to_the_canonical_skill(tmp_path: Path) -> None:
    config = config_with(skills={"aliases": {"elec": "électricité", "plombier": "plomberie"}})
    sim = await Sim(tmp_path / "aliases.sqlite", config=config).open()
    try:
        await sim.onboard("h1")
        reply = await sim.command("h1", "profile set", skills="ELEC, Plombier, électricité")
        assert reply["data"]["skills"] == ["électricité", "plomberie"], reply
        assert (await sim.command("h1", "directory", skill="elec"))["data"]["members"] == ["h1"]
        assert (await sim.command("h1", "directory", skill="Électricité"))["data"]["members"] == ["h1"]
    finally:
        await sim.close()


@pytest.mark.parametrize("options", [
    {"skills": "x" * 41},
    {"skills": ", ".join(f"skill{i}" for i in range(21))},
    {"needs": ", ".join(f"need{i}" for i in range(21))},
    {"languages": "klingonais"},
    {"bio": "b" * 501},
    {"timezone": "Mars/Olympus"},
    {"timezone": "../../etc/passwd"},
    {"quiet_hours": "25-07"},
    {"quiet_hours": "soir"},
    {"quiet_hours": "8-8"},
    {"available": "perhaps"},
])
async def test_bad_input_is_invalid_and_changes_nothing(sim: Sim, options: dict[str, str]) -> None:
    await sim.onboard("alice", skills="cuisine", languages="fr", bio="Avant")
    before = await sim.ctx.db.fetchone("SELECT bio, languages, timezone, quiet_start, profile_updated_at "
                                       "FROM member WHERE handle = 'alice'")
    # A valid change in the same command is not applied either.
    reply = await sim.command("alice", "profile set", **{"skills": "plomberie", **options})
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    after = await sim.ctx.db.fetchone("SELECT bio, languages, timezone, quiet_start, profile_updated_at "
                                      "FROM member WHERE handle = 'alice'")
    assert tuple(before) == tuple(after)
    assert (await sim.command("alice", "profile show"))["data"]["skills"] == ["cuisine"]


async def test_twenty_skills_and_forty_characters_are_allowed(sim: Sim) -> None:
    await sim.onboard("alice")
    many = [f"compétence {i}" for i in range(20)]
    reply = await sim.command("alice", "profile set", skills=", ".join(many), needs="y" * 40)
    assert reply["ok"], reply
    assert len(reply["data"]["skills"]) == 20 and reply["data"]["needs"] == ["y" * 40]


async def test_partial_update_keeps_what_is_not_given(sim: Sim) -> None:
    await sim.onboard("alice", skills="cuisine", needs="jardinage", bio="Bonjour", languages="fr")
    reply = await sim.command("alice", "profile set", languages="en", quiet_hours="22-07",
                              timezone="america/new_york", nudges=False)
    assert reply["data"] == {"skills": ["cuisine"], "needs": ["jardinage"]}
    row = await sim.ctx.db.fetchone("SELECT bio, languages, timezone, quiet_start, quiet_end, nudges, visible "
                                    "FROM member WHERE handle = 'alice'")
    assert tuple(row) == ("Bonjour", "en", "America/New_York", 22, 7, 0, 1)
    cleared = await sim.command("alice", "profile set", skills="none", quiet_hours="", bio="")
    assert cleared["data"] == {"skills": [], "needs": ["jardinage"]}
    row = await sim.ctx.db.fetchone("SELECT bio, quiet_start, quiet_end FROM member WHERE handle = 'alice'")
    assert tuple(row) == (None, None, None)


async def test_a_zone_in_any_case_is_stored_canonical_and_read_alike_on_both_engines(sim: Sim) -> None:
    """PostgreSQL reads « america/new_york », Python's ZoneInfo does not: `profile set` stores the IANA
    spelling, and a row written otherwise (before this rule, by hand) reads the same on both engines."""
    from bot.quiet_hours import member_zone

    await sim.onboard("alice")
    assert (await sim.command("alice", "profile set", timezone="  AMERICA/new_york "))["ok"]
    row = await sim.ctx.db.fetchone("SELECT timezone FROM member WHERE handle = 'alice'")
    assert row[0] == "America/New_York"
    at = 1_796_009_400  # 2026-11-30 03:30 UTC: 22 h 30 in New York, 4 h 30 in Paris
    hours = []
    for zone in ("America/New_York", "america/new_york", "AMERICA/NEW_YORK", "Nowhere/City", "europe/paris"):
        hours.append((await sim.ctx.db.fetchone("SELECT local_hour(?, ?)", (zone, at)))[0])
    assert hours == [22, 22, 22, None, 4]
    assert member_zone("america/new_york", sim.ctx.tz).key == "America/New_York"
    assert member_zone("Nowhere/City", sim.ctx.tz) is sim.ctx.tz


async def test_flags_and_updated_time_are_stored(sim: Sim) -> None:
    await sim.onboard("alice")
    await sim.advance(by="2h")
    await sim.command("alice", "profile set", available=False, godparent=True, visible="non")
    row = await sim.ctx.db.fetchone("SELECT available, godparent_volunteer, visible, profile_updated_at "
                                    "FROM member WHERE handle = 'alice'")
    assert tuple(row) == (0, 1, 0, sim.ctx.now_ts())


async def test_hidden_profile_shown_to_owner_and_animator_only(sim: Sim) -> None:
    await sim.onboard("hidden", skills="couture", bio="Secret", visible=False)
    await sim.onboard("other")
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    own = await sim.command("hidden", "profile show")
    assert own["ok"] and "Secret" in own["text"], own
    other = await sim.command("other", "profile show", member="hidden")
    assert not other["ok"] and other["error"] == "permission_denied", other
    assert "Secret" not in other["text"] and "couture" not in other["text"]
    anim = await sim.command("anim", "profile show", member="hidden")
    assert anim["ok"] and anim["data"]["skills"] == ["couture"], anim
    assert (await sim.command("other", "directory", skill="couture"))["data"]["members"] == []


async def test_visible_profile_to_others_without_private_settings(sim: Sim) -> None:
    await sim.onboard("alice", skills="cuisine", quiet_hours="22-07", timezone="Europe/Paris")
    await sim.onboard("bob")
    shown = await sim.command("bob", "profile show", member="ALICE")
    assert shown["ok"] and shown["data"]["member"] == "alice", shown
    assert "Europe/Paris" not in shown["text"]
    assert "Europe/Paris" in (await sim.command("alice", "profile show"))["text"]
    missing = await sim.command("bob", "profile show", member="nobody")
    assert not missing["ok"] and missing["error"] == "not_found", missing


async def test_bio_never_pings(sim: Sim) -> None:
    await sim.onboard("alice", bio="Salut @everyone <@&123>")
    await sim.onboard("bob")
    shown = await sim.command("bob", "profile show", member="alice")
    assert "@everyone" not in shown["text"] and "<@&" not in shown["text"]


async def test_helped_counts_resolved_requests_and_godparent_handle(sim: Sim) -> None:
    await sim.onboard("helper", skills="plomberie")
    await sim.onboard("newbie")
    await _resolved_request_helped_by(sim, "helper")
    await _resolved_request_helped_by(sim, "helper")
    await _resolved_request_helped_by(sim, "helper", status="claimed")
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET godparent_id = ? WHERE handle = 'newbie'",
                         (await _member_id(sim, "helper"),))
    assert (await sim.command("newbie", "profile show", member="helper"))["data"]["helped"] == 2
    assert (await sim.command("newbie", "profile show"))["data"]["godparent"] == "helper"


async def test_directory_best_first_and_only_present_active_members(sim: Sim) -> None:
    for name in ("old", "busy", "star", "gone", "quiet"):
        await sim.onboard(name, skills="plomberie")
        await sim.advance(by="1h")
    await sim.command("busy", "profile set", available=False)
    await _resolved_request_helped_by(sim, "star")
    await sim.send({"type": "leave", "user": "gone"})
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET active = 0 WHERE handle = 'quiet'")
    found = await sim.command("old", "directory", skill="Plomberie")
    assert found["data"]["members"] == ["star", "old", "busy"], found
    assert (await sim.command("old", "directory", skill="inconnue"))["data"]["members"] == []
    empty = await sim.command("old", "directory", skill="")
    assert not empty["ok"] and empty["error"] == "invalid_input"


async def test_skills_counts_offers_and_needs_of_present_members(sim: Sim) -> None:
    await sim.onboard("a", skills="cuisine, plomberie", needs="jardinage")
    await sim.onboard("b", skills="Cuisine", needs="plomberie")
    await sim.onboard("c", skills="cuisine")
    await sim.send({"type": "leave", "user": "c"})
    data = (await sim.command("a", "skills"))["data"]
    assert data == {"skills": [
        {"skill": "cuisine", "offered": 2, "needed": 0},
        {"skill": "jardinage", "offered": 0, "needed": 1},
        {"skill": "plomberie", "offered": 1, "needed": 1},
    ]}


async def test_profile_set_serves_waiting_newcomers(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import godparents

    calls: list[object] = []

    async def record(ctx: object) -> None:
        calls.append(ctx)

    monkeypatch.setattr(godparents, "serve_waiting_newcomers", record)
    await sim.onboard("alice", godparent=True)
    assert calls == [sim.ctx]


async def test_wording_in_both_locales(sim: Sim) -> None:
    await sim.onboard("fr_member", locale="fr")
    await sim.onboard("en_member", locale="en")
    fr = await sim.command("fr_member", "profile set", skills="cuisine")
    en = await sim.command("en_member", "profile set", skills="cuisine")
    assert "Profil mis à jour" in fr["text"] and "Profile updated" in en["text"]
    assert "Who offers" in (await sim.command("en_member", "directory", skill="cuisine"))["text"]
    bad = await sim.command("en_member", "profile set", timezone="Nowhere/City")
    assert "time zone" in bad["text"]


async def test_a_bare_profile_set_is_refused_with_the_options_and_changes_nothing(sim: Sim) -> None:
    """`profile set` with no option: not "updated" (nothing was), a localized refusal naming the options."""
    from bot.commands.registry import COMMANDS
    from bot.services.profiles import SET_OPTIONS

    assert set(SET_OPTIONS) == {o.name for o in COMMANDS["profile set"].options}
    await sim.onboard("alice", skills="cuisine")
    await sim.onboard("bob", locale="en")
    before = await sim.ctx.db.fetchall("SELECT * FROM member ORDER BY id")
    reply = await sim.command("alice", "profile set")
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert "mis à jour" not in reply["text"] and "aucune option" in reply["text"], reply["text"]
    assert "skills, needs" in reply["text"] and "quiet_hours" in reply["text"], reply["text"]
    english = await sim.command("bob", "profile set", skills=None)
    assert not english["ok"] and "no option given" in english["text"], english["text"]
    assert await sim.ctx.db.fetchall("SELECT * FROM member ORDER BY id") == before
    assert (await sim.command("alice", "profile show"))["data"]["skills"] == ["cuisine"]


async def test_an_unknown_language_says_names_and_codes_both_work_in_english_too(sim: Sim) -> None:
    """The French refusal said « écrivez son nom ou son code »; the English one spoke of codes only,
    though a name is read in English as well (`Spanish`)."""
    await sim.onboard("bob", locale="en")
    reply = await sim.command("bob", "profile set", languages="Frenglish")
    assert reply["error"] == "invalid_input" and "write its name or its code" in reply["text"], reply["text"]
    assert (await sim.command("bob", "profile set", languages="Spanish, fr"))["ok"]
    assert (await sim.command("bob", "profile show"))["data"]["languages"] == ["es", "fr"]


@pytest.mark.parametrize(("typed", "code"), [("English", "en"), ("Français", "fr"), ("anglais", "en"),
                                             ("French", "fr"), ("FRANCAIS", "fr"), ("en-GB", "en")])
async def test_the_bot_language_is_read_by_its_name_too(sim: Sim, typed: str, code: str) -> None:
    """`profile set language=English` was refused as « pas « english » »: names in either language,
    in any case and with or without accents, choose the bot's language as the code does."""
    await sim.onboard("alice", locale="fr" if code == "en" else "en")
    reply = await sim.command("alice", "profile set", language=typed)
    assert reply["ok"], reply
    row = await sim.ctx.db.fetchone("SELECT c.locale FROM member_language_choice c JOIN member m ON m.id = c.member_id"
                                    " WHERE m.handle = 'alice'")
    assert row is not None and row[0] == code, row


async def test_a_bot_language_it_does_not_speak_is_refused_quoting_it_in_the_members_language(sim: Sim) -> None:
    await sim.onboard("alice", locale="fr")
    await sim.onboard("bob", locale="en")
    before = await sim.ctx.db.fetchall("SELECT * FROM member ORDER BY id")
    fr = await sim.command("alice", "profile set", language="Deutsch")
    assert fr["error"] == "invalid_input" and "« Deutsch »" in fr["text"], fr["text"]
    assert "« français »" in fr["text"] and "« en »" in fr["text"], fr["text"]
    en = await sim.command("bob", "profile set", language="Klingon")
    assert en["error"] == "invalid_input" and "“Klingon”" in en["text"] and "“English”" in en["text"], en["text"]
    assert await sim.ctx.db.fetchall("SELECT * FROM member ORDER BY id") == before
