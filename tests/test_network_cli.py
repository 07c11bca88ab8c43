"""The command-line tools of a network (issue 22): `entraide export` and `entraide import-profiles` take
`--community <id>` (default: the first community, so a single community sees no change) and read and
write that community's rows only, in its own words. (`entraide adopt --community`: tests/discord.)"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from storage.database import open_database
from tests.harness import Sim, of
from tests.network_config import LILAS_GUILD, OURS_GUILD, network_toml
from tests.test_network import network_config

CONFIG = """
[community]
name = "Entraide"
timezone = "Europe/Paris"
""" + network_toml(ours='locale = "en"', quai='timezone = "America/Montreal"')


async def _in(sim: Sim, community: str, event: dict[str, Any]) -> list[dict[str, Any]]:
    return await sim.send({**event, "community": community})


async def _two_places(db: Path) -> None:
    """In Les Lilas and La Tanière: an animator, a member each, a warning each, a skill in Les Lilas."""
    sim = await Sim(db, network_config()).open()
    try:
        for place, member, reason in (("lilas", "y", "spam ici"), ("ours", "z", "spam there")):
            for user in ("anim", member):
                await _in(sim, place, {"type": "join", "user": user})
                await _in(sim, place, {"type": "click", "user": user, "custom_id": "charter:accept"})
            await _in(sim, place, {"type": "roles", "user": "anim", "add": ["animator"], "remove": []})
            outs = await _in(sim, place, {"type": "command", "user": "anim", "command": "mod warn",
                                          "options": {"member": member, "reason": reason}})
            assert of(outs, "reply")[0]["ok"], outs
        outs = await _in(sim, "lilas", {"type": "command", "user": "y", "command": "profile set",
                                        "options": {"skills": "jardinage"}})
        assert of(outs, "reply")[0]["ok"], outs
    finally:
        await sim.close()


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    db, config = tmp_path / "network.sqlite", tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    asyncio.run(_two_places(db))
    return db, config


def _export(db: Path, config: Path, tmp_path: Path, *more: str) -> dict[str, Any]:
    out = tmp_path / "export.json"
    assert main(["export", "--config", str(config), "--db", str(db), "-o", str(out), *more]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_export_serves_the_chosen_community_only(places: tuple[Path, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db, config = places
    first = _export(db, config, tmp_path)  # no --community: the first, as before
    assert first["community"] == "Les Lilas" and first["guild_id"] == LILAS_GUILD
    assert [(c["target"], c["reason"]) for c in first["audit_log"]] == [("y", "spam ici")]
    ours = _export(db, config, tmp_path, "--community", "ours")
    assert ours["community"] == "La Tanière" and ours["guild_id"] == OURS_GUILD
    assert [(c["target"], c["reason"]) for c in ours["audit_log"]] == [("z", "spam there")]
    assert ours["indicators"]["active_members"] == 2
    assert main(["export", "--config", str(config), "--db", str(db), "--community", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "--community" in err and '"nowhere"' in err and "lilas, ours, quai" in err


def test_import_writes_the_chosen_communitys_members_only(places: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    db, config = places
    sheet = tmp_path / "members.csv"
    sheet.write_text("member,skills\nz,cuisine\ny,couture\n", encoding="utf-8")
    base = ["import-profiles", str(sheet), "--config", str(config), "--db", str(db)]
    assert main([*base, "--community", "ours", "--apply"]) == 1  # y is not a member of La Tanière
    out = capsys.readouterr().out
    assert "z" in out and "read as UTF-8" in out  # in La Tanière's language

    async def skills() -> dict[tuple[str, str], list[str]]:
        database = await open_database(db)
        try:
            rows = await database.reader.execute_fetchall(
                "SELECT m.guild_id, m.handle, s.display FROM member_skill ms JOIN member m ON m.id = ms.member_id "
                "JOIN skill s ON s.id = ms.skill_id WHERE ms.kind = 'offer' ORDER BY 1, 2, 3")
        finally:
            await database.close()
        found: dict[tuple[str, str], list[str]] = {}
        for guild, handle, skill in rows:
            found.setdefault((guild, handle), []).append(skill)
        return found

    assert asyncio.run(skills()) == {(LILAS_GUILD, "y"): ["jardinage"], (OURS_GUILD, "z"): ["cuisine"]}
    assert main([*base, "--community", "quai"]) == 1  # nobody of the sheet is in Le Quai: nothing written
    assert main([*base, "--community", "nowhere"]) == 2
    assert "lilas, ours, quai" in capsys.readouterr().err
