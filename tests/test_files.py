"""Files a French office produces: Excel's Windows-1252 CSV, a Latin-1 charter, a database path that
only works from another folder, ids pasted without quotes. Each refused in one sentence of the
configured language, and nothing created on the way."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.files import UTF8, WINDOWS_1252, decode_office_text
from bot.importer import import_profiles
from tests.harness import Sim

GUILD = '"123456789012345678"'


def _config(tmp_path: Path, community: str = f"guild_id = {GUILD}", locale: str = "fr", extra: str = "") -> Path:
    path = tmp_path / "entraide.toml"
    path.write_text(f'[community]\nlocale = "{locale}"\n{community}\n[database]\npath = "{tmp_path / "db.sqlite"}"\n'
                    + extra, encoding="utf-8")
    return path


def _one_sentence(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Input should" not in text and "Value error" not in text
    return lines[0]


@pytest.mark.parametrize(("data", "encoding", "bom"), [
    ("Compétences;élan".encode(), UTF8, False),
    (b"\xef\xbb\xbf" + "Compétences".encode(), UTF8, True),
    ("Compétences;œuvre;€".encode("cp1252"), WINDOWS_1252, False),
])
def test_office_text_is_decoded_and_says_how(data: bytes, encoding: str, bom: bool) -> None:
    decoded = decode_office_text(data)
    assert decoded.encoding == encoding and decoded.bom is bom and decoded.text.startswith("Compétences")


async def test_a_french_excel_csv_in_windows_1252_is_imported_and_says_so(sim: Sim, tmp_path: Path) -> None:
    await sim.onboard("alice")
    sheet = tmp_path / "excel.csv"
    sheet.write_bytes("Pseudo;Compétences;Bio\r\nalice;électricité, cuisine;Retraitée, aime l'œuvre\r\n"
                      .encode("cp1252"))
    out, err = io.StringIO(), io.StringIO()
    code = await import_profiles(sim.config, str(sim.db), str(sheet), True, None, out=out, err=err)
    assert code == 0, out.getvalue()
    assert out.getvalue().splitlines()[0] == f"Fichier « {sheet} » lu en Windows-1252 (le « CSV (séparateur : " \
        "point-virgule) » d'Excel) : vérifiez les accents ci-dessous."
    shown = (await sim.command("alice", "profile show"))
    assert shown["data"]["skills"] == ["cuisine", "électricité"] and "œuvre" in shown["text"]
    sheet.write_bytes(b"\xef\xbb\xbfmember,skills\nalice,jardinage\n")
    out = io.StringIO()
    await import_profiles(sim.config, str(sim.db), str(sheet), False, None, out=out, err=err)
    assert "UTF-8 (avec BOM" in out.getvalue().splitlines()[0]


def test_check_config_reads_the_charter_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "charte.md").write_bytes("Respect et entraide, même à l'été.\n".encode("latin-1"))
    config = _config(tmp_path, f'guild_id = {GUILD}\ncharter_file = "charte.md"')
    assert main(["check-config", "--config", str(config)]) == 2
    sentence = _one_sentence(capsys.readouterr().err)
    assert "charte.md" in sentence and "UTF-8" in sentence and "ligne 1" in sentence

    (tmp_path / "charte.md").write_text("Respect et entraide, même l'été.\n", encoding="utf-8")
    assert main(["check-config", "--config", str(config)]) == 0
    assert "Configuration valable" in capsys.readouterr().out

    missing = _config(tmp_path, f'guild_id = {GUILD}\ncharter_file = "charter-typo.md"')
    assert main(["check-config", "--config", str(missing)]) == 2
    sentence = _one_sentence(capsys.readouterr().err)
    assert "charter-typo.md" in sentence and "introuvable" in sentence


@pytest.mark.parametrize(("community", "words"), [
    ('guild_id = ""', "community.guild_id est vide"),
    ('guild_id = "mon serveur"', "17 à 20 chiffres"),
    ("guild_id = 123456789012345678", 'entre guillemets : guild_id = "123456789012345678"'),
])
def test_check_config_wants_a_discord_server_id_for_discord(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], community: str, words: str,
) -> None:
    config = _config(tmp_path, community)
    assert main(["check-config", "--config", str(config)]) == 2
    assert words in _one_sentence(capsys.readouterr().err)


def test_check_config_for_the_console_needs_no_server_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--transport", "console", "--config", str(_config(tmp_path, ""))]) == 0


def test_config_errors_speak_the_configured_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, "guild_id = 123456789012345678", locale="en")
    assert main(["check-config", "--config", str(config)]) == 2
    assert "must be written in quotes" in _one_sentence(capsys.readouterr().err)
    broken = tmp_path / "broken.toml"
    broken.write_text("[community]\nname = Entraide Lyon\n", encoding="utf-8")
    assert main(["check-config", "--config", str(broken)]) == 2
    assert "ligne 2" in _one_sentence(capsys.readouterr().err)


def test_backup_refuses_a_database_that_does_not_exist_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    config = _config(tmp_path)
    assert main(["backup", "--config", str(config), str(tmp_path / "copy.sqlite")]) == 2
    sentence = _one_sentence(capsys.readouterr().err)
    assert "n'existe pas" in sentence and "db.sqlite" in sentence and "--db" in sentence
    assert not (tmp_path / "db.sqlite").exists() and not (tmp_path / "copy.sqlite").exists()
    assert main(["export", "--config", str(config), "-o", str(tmp_path / "export.json")]) == 2
    assert "n'existe pas" in _one_sentence(capsys.readouterr().err)
    sheet = tmp_path / "s.csv"
    sheet.write_text("member,skills\nalice,cuisine\n", encoding="utf-8")
    assert main(["import-profiles", "--config", str(config), str(sheet)]) == 2
    assert "n'existe pas" in _one_sentence(capsys.readouterr().err)
    assert not (tmp_path / "db.sqlite").exists() and not (tmp_path / "export.json").exists()


@pytest.mark.sqlite_only("checks on the SQLite file and its copy; pg_dump's backup: tests/test_storage.py")
def test_backup_refuses_itself_as_target_and_an_unwritable_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    config = _config(tmp_path)
    assert main(["migrate", "--config", str(config)]) == 0
    capsys.readouterr()
    db = tmp_path / "db.sqlite"
    before = db.read_bytes()
    assert main(["backup", "--config", str(config), str(db)]) == 2
    assert "la base elle-même" in _one_sentence(capsys.readouterr().err)
    assert db.read_bytes() == before
    assert main(["backup", "--config", str(config), str(tmp_path / "nowhere" / "copy.sqlite")]) == 2
    assert "Impossible d'écrire dans le dossier" in _one_sentence(capsys.readouterr().err)
    assert main(["backup", "--config", str(config), str(tmp_path)]) == 2
    assert "est un dossier" in _one_sentence(capsys.readouterr().err)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert main(["backup", "--config", str(config), str(locked / "copy.sqlite")]) == 2
    assert main(["backup", "--config", str(config), str(tmp_path / "copy.sqlite")]) == 0
    assert "Sauvegarde de" in capsys.readouterr().out and (tmp_path / "copy.sqlite").is_file()


def test_commands_say_which_config_they_use_when_none_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check-config", "--transport", "console"]) == 0
    assert "Aucune configuration" in capsys.readouterr().err
    (tmp_path / "config.toml").write_text('[community]\nlocale = "en"\n', encoding="utf-8")
    assert main(["check-config", "--transport", "console"]) == 0
    assert "Configuration: config.toml (found in the current folder" in capsys.readouterr().err
    assert main(["check-config", "--transport", "console", "--config", "config.toml"]) == 0
    assert capsys.readouterr().err == ""
