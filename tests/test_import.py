"""`entraide import-profiles`: a dry run by default, `--apply` to write, same validation as `profile set`."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.importer import import_profiles
from tests.harness import Sim, config_with
from tests.pg_support import db_arg

SHEET = """member,skills,needs,languages,bio
alice,"Plomberie, électricité",jardinage,FR;en,Retraitée bricoleuse
BOB,cuisine,,,
ghost,couture,,,
carol,"{long}",,,
dave,cuisine,,klingonais,
alice,vélo,,,
erin,,,,
""".format(long="x" * 41)


async def _run(sim: Sim, tmp_path: Path, text: str, apply: bool, name: str = "sheet.csv") -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = await import_profiles(sim.config, str(sim.db), str(path), apply, None, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


async def _community(sim: Sim) -> None:
    for name in ("alice", "bob", "carol", "dave", "erin"):
        await sim.onboard(name, locale="en")
    await sim.command("bob", "profile set", skills="cuisine")


async def test_dry_run_lists_changes_and_invalid_rows_and_writes_nothing(sim: Sim, tmp_path: Path) -> None:
    await _community(sim)
    code, out, _err = await _run(sim, tmp_path, SHEET, apply=False)
    assert code == 1  # some rows are invalid
    lines = out.splitlines()
    assert any(line.startswith("ligne 2 : alice") and "électricité, plomberie" in line and "jardinage" in line
               for line in lines), out
    assert any(line.startswith("ligne 4 : ghost") and "invalide" in line and "ghost" in line for line in lines)
    assert any(line.startswith("ligne 5 : carol") and "40" in line for line in lines), out
    assert any(line.startswith("ligne 6 : dave") and "klingonais" in line for line in lines), out
    assert any(line.startswith("ligne 7 : alice") and "ligne 2" in line for line in lines), out
    assert not any(line.startswith("ligne 3") or line.startswith("ligne 8") for line in lines), out  # unchanged
    assert "7 lignes : 1 à modifier, 2 sans changement, 4 non valables." in out
    assert "--apply" in out
    assert (await sim.command("alice", "profile show"))["data"]["skills"] == []


async def test_apply_writes_the_valid_rows_normalized(sim: Sim, tmp_path: Path) -> None:
    await _community(sim)
    code, out, _err = await _run(sim, tmp_path, SHEET, apply=True)
    assert code == 1 and "1 profil mis à jour." in out, out
    shown = await sim.command("bob", "profile show", member="alice")
    assert shown["data"]["skills"] == ["électricité", "plomberie"]
    assert shown["data"]["needs"] == ["jardinage"] and shown["data"]["languages"] == ["fr", "en"]
    assert "Retraitée bricoleuse" in shown["text"]
    assert (await sim.command("bob", "directory", skill="electricite"))["data"]["members"] == ["alice"]
    assert (await sim.command("dave", "profile show"))["data"]["skills"] == []  # invalid row not written
    again = await _run(sim, tmp_path, SHEET, apply=False)
    assert "0 à modifier" in again[1]


async def test_semicolon_sheet_with_bom_and_aliases(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config=config_with(skills={"aliases": {"elec": "électricité"}})).open()
    try:
        await sim.onboard("alice")
        text = "\ufeffPseudo;Compétences;Besoins;Langues;Bio\nalice;Elec, cuisine;;ar;\n"
        code, out, _ = await _run(sim, tmp_path, text, apply=True)
        assert code == 0, out
        data = (await sim.command("alice", "profile show"))["data"]
        assert data["skills"] == ["cuisine", "électricité"] and data["languages"] == ["ar"]
    finally:
        await sim.close()


async def test_large_files_show_progress_on_stderr(sim: Sim, tmp_path: Path) -> None:
    await sim.onboard("alice")
    rows = "\n".join(f"member{i},cuisine" for i in range(250))
    code, out, err = await _run(sim, tmp_path, "member,skills\nalice,cuisine\n" + rows + "\n", apply=True)
    assert "Vérification 251/251" in err and "\r" in err
    assert code == 1 and "251 lignes : 1 à modifier, 0 sans changement, 250 non valables." in out
    small = await _run(sim, tmp_path, "member,skills\nalice,vélo\n", apply=False, name="small.csv")
    assert small[2] == ""


async def test_a_sheet_without_member_column_is_refused(sim: Sim, tmp_path: Path) -> None:
    code, _out, err = await _run(sim, tmp_path, "name,skills\nalice,cuisine\n", apply=True)
    assert code == 2 and "member" in err


def test_cli_runs_the_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("member,skills\nnobody,cuisine\n", encoding="utf-8")
    db = db_arg(tmp_path / "cli.sqlite")  # the file, or on the PostgreSQL run the database standing for it
    assert main(["migrate", "--db", db, "--config", "config.example.toml"]) == 0
    code = main(["import-profiles", str(sheet), "--db", db, "--config", "config.example.toml"])
    assert code == 1
    assert "nobody" in capsys.readouterr().out
    assert main(["import-profiles", str(tmp_path / "missing.csv"), "--db", db]) == 2
