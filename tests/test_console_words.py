"""The interactive console's own words (its help, its errors, its banner) come from the catalogues
(`console.*`) and follow the person a line is about, else the community's language; `:language` sets
them for the session. The JSON-lines mode keeps its English `protocol_error` texts."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.transports.console_protocol import ProtocolError, parse_duration, parse_event, parse_instant
from bot.transports.console_repl import ReplHelp, parse_repl_line
from tests.pg_support import entraide

WORDS = Translator("fr")


def _refusal(call: object, *args: object) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_protocol_errors_say_the_same_english_as_before_and_have_french_words() -> None:
    duration = _refusal(parse_duration, "soon")
    assert str(duration) == "bad duration 'soon': use e.g. 90m, 36h, 7d"
    assert duration.words(WORDS.t, "fr") == "durée illisible « soon » : écrivez par exemple 90m, 36h, 7d"
    instant = _refusal(parse_instant, "nope", None)
    assert str(instant) == "bad date-time 'nope': use ISO 8601"
    assert "date illisible « nope »" in instant.words(WORDS.t, "fr")
    not_json = _refusal(parse_event, "{")
    assert str(not_json) == "not valid JSON (duplicate keys, NaN and infinite numbers are refused)"
    assert not_json.words(WORDS.t, "fr").startswith("ce n'est pas du JSON valable")


def test_a_typed_value_is_quoted_back_short_and_without_control_characters() -> None:
    text = str(_refusal(parse_duration, "x\u202e\x1b" + "y" * 200))
    assert "\u202e" not in text and "\x1b" not in text and "\\u202e" in text
    assert len(text) < 140


def test_a_line_the_repl_cannot_read_is_its_help_in_either_language() -> None:
    for line in (":frobnicate", ":help", ":aide", "no arrow here", ":join ana color=blue"):
        with pytest.raises(ReplHelp) as caught:
            parse_repl_line(line)
        assert caught.value.words(WORDS.t, "fr").startswith("Commandes (le temps n'avance")
        assert caught.value.words(WORDS.t, "en").startswith("Commands (time moves")
    assert str(caught.value).startswith("Commands (time moves")  # as the JSON-lines text would be


def _repl(tmp_path: Path, lines: list[str]) -> str:
    proc = subprocess.run(
        entraide("console", "--db", str(tmp_path / "w.sqlite"), "--start", "2026-12-01T09:00:00+01:00"),
        input=("\n".join(lines) + "\n").encode(), capture_output=True, timeout=120,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr.decode(), proc.stderr.decode()[-2000:]
    return proc.stdout.decode()


def test_the_repl_speaks_the_persons_language_else_the_communitys(tmp_path: Path) -> None:
    out = _repl(tmp_path, [
        ":aide",                          # no person: the community's language (French)
        ":join ana en", ":join ana since=nope",  # about ana, who speaks English
        ":join bea since=later",          # bea is new and said nothing: the community's
        ":join cleo en since=soon",       # the language the line itself gives
        ":frobnicate",
        ":quitter",
        ":help",                          # never read: the console has stopped
    ])
    assert "Console entraide : une communauté simulée. Tapez :aide pour l'aide, :quitter pour sortir." in out
    assert "Commandes (le temps n'avance que si vous le faites avancer) :" in out
    assert "bad date-time 'ana'" not in out and "bad date-time 'nope': use ISO 8601" in out
    assert "date illisible « later »" in out and "bad date-time 'soon'" in out
    assert out.count("Commandes (le temps") == 2 and "Commands (time moves" not in out, out


def test_language_sets_the_consoles_own_words_for_the_session(tmp_path: Path) -> None:
    out = _repl(tmp_path, [
        ":language en", ":help", ":join dan since=nope",
        ":langue fr", ":help", ":langue klingon",
    ])
    assert "The console now speaks English (your own lines keep their language)." in out
    assert "Commands (time moves only when you advance it):" in out and "bad date-time 'nope'" in out
    assert "La console parle désormais français" in out and "Commandes (le temps" in out
    assert "La console parle fr ou en : « :langue fr » ou « :langue en »." in out


def test_the_demos_story_is_told_in_the_communitys_language() -> None:
    """`entraide demo` narrates from the catalogues (`demo.*`): French for a French community."""
    import asyncio
    import io

    from bot.demo import SCRIPT, run_demo
    from bot.i18n import load_catalogue

    keys = [narration for narration, _ in SCRIPT if narration] + ["demo.end"]
    assert all(key in load_catalogue(loc) for key in keys for loc in ("fr", "en")), keys
    out = io.StringIO()
    assert asyncio.run(run_demo(out=out)) == 0
    told = [line for line in out.getvalue().splitlines() if line.startswith("── ")]
    assert len(told) == len(keys) - 1 and told[0].startswith("── Camille, de l'équipe d'animation"), told
    assert out.getvalue().rstrip().endswith("Voilà un mois d'entraide. Essayez vous-même : make console")
    assert "→ #general : Ce soir" in out.getvalue()  # the reminder typed in words, read back in French
