"""Commands typed as text (console REPL, Signal `!`): read like a person writes them, errors in the
caller's language, never a crash."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.app import load_command_modules
from bot.commands.parser import TextCommandError, parse_text_command, tokenize
from bot.i18n import Translator
from tests.harness import Sim, of
from tests.pg_support import entraide

load_command_modules()
WORDS = Translator()


def parse(line: str, locale: str = "fr") -> tuple[str, dict]:
    parsed = parse_text_command(line, WORDS, locale)
    return parsed.name, parsed.options


def refusal(line: str, locale: str = "fr") -> str:
    with pytest.raises(TextCommandError) as caught:
        parse_text_command(line, WORDS, locale)
    assert caught.value.code == "invalid_input" and "\n" not in caught.value.text
    return caught.value.text


@pytest.mark.parametrize(("line", "name", "options"), [
    ("thanks member=bruno reason=c'est top", "thanks", {"member": "bruno", "reason": "c'est top"}),
    ("thanks member:bruno reason:c’est top", "thanks", {"member": "bruno", "reason": "c’est top"}),
    ("merci bruno c'est top", "thanks", {"member": "bruno", "reason": "c'est top"}),
    ("thanks membre=bruno raison=super", "thanks", {"member": "bruno", "reason": "super"}),
    ("request new title='c'est urgent' skills=plomberie", "request new",
     {"title": "c'est urgent", "skills": "plomberie"}),
    ('request new title="Fuite sous l\'évier" skills=plomberie', "request new",
     {"title": "Fuite sous l'évier", "skills": "plomberie"}),
    ("request new title=«Fuite d'eau» skills=plomberie", "request new",
     {"title": "Fuite d'eau", "skills": "plomberie"}),
    ("demande nouvelle Fuite d'eau sous l'évier compétences=plomberie urgent", "request new",
     {"title": "Fuite d'eau sous l'évier", "skills": "plomberie", "urgent": True}),
    ("directory jardinage", "directory", {"skill": "jardinage"}),
    ("annuaire aide aux devoirs", "directory", {"skill": "aide aux devoirs"}),
    ("remind remove 2", "remind remove", {"id": "2"}),
    ("request claim 12", "request claim", {"id": "12"}),
    ("demande prendre 12", "request claim", {"id": "12"}),
    ("request list mine", "request list", {"mine": True}),
    ("aide", "help", {}),
    ("AIDE", "help", {}),
    ("help profile set", "help", {"command": "profile set"}),
    ("aide merci", "help", {"command": "merci"}),
    ("profil set available:false", "profile set", {"available": "false"}),
    ("profile set available: false", "profile set", {"available": "false"}),
    ("profil modifier compétences=aide aux devoirs, cuisine disponible=non", "profile set",
     {"skills": "aide aux devoirs, cuisine", "available": "non"}),
    ("profile set competences=velo", "profile set", {"skills": "velo"}),
    ("compétences", "skills", {}),
    ("remind add when:2026-12-24T18:00 text=Noël : rendez-vous à 18:00", "remind add",
     {"when": "2026-12-24T18:00", "text": "Noël : rendez-vous à 18:00"}),
    ("request new title=Réunion: ordre du jour skills=cuisine", "request new",
     {"title": "Réunion: ordre du jour", "skills": "cuisine"}),
    ("mod timeout bruno 60 spam encore", "mod timeout", {"member": "bruno", "minutes": "60", "reason": "spam encore"}),
    ("!help", "help", {}),
    ("/request list", "request list", {}),
])
def test_text_is_read_the_way_people_write_it(line: str, name: str, options: dict) -> None:
    assert parse(line) == (name, options)


def test_an_unclosed_quote_is_one_line_in_the_callers_language() -> None:
    assert "not closed" in refusal('thanks member=bruno reason="merci', "en")
    assert "refermé" in refusal('thanks member=bruno reason="merci', "fr")
    assert "refermé" in refusal("thanks member=bruno reason='merci", "fr")
    assert "refermé" in refusal("request new title=«Fuite skills=plomberie", "fr")


def test_near_misses_get_a_did_you_mean_in_the_callers_language() -> None:
    assert "Did you mean “request list”?" in refusal("reqest list", "en")
    assert "Vouliez-vous dire « request list » ?" in refusal("request lst", "fr")
    assert "demande nouvelle" in refusal("demande nouvele titre=x", "fr")
    assert "“member”" in refusal("thanks memebr=bruno reason=x", "en")
    assert "« skills »" in refusal("request new title=x skils=plomberie", "fr")
    unknown = refusal("dance", "en")
    assert "dance" in unknown and "help" in unknown and "Did you mean" not in unknown


def test_a_group_alone_lists_what_may_follow() -> None:
    text = refusal("profil", "fr")
    assert "set" in text and "show" in text and "export" in text


def test_extra_words_and_repeated_options_are_refused() -> None:
    assert "13" in refusal("request claim 12 13", "en")
    assert "twice" in refusal("thanks member=a member=b reason=x", "en")
    assert "skills" in refusal("skills cuisine", "en")  # a command without options


@pytest.mark.parametrize("line", [
    "", "   ", '"', "'", "«", "=", ":", "==", "a=b=c", "help ''", "help \"\"", "thanks =x", "⟦help⟧",
    "x" * 5000, "\x00\x01", "request new title=\"a\"b\"c", "profil set ='", "help \u202e", "!", "/",
])
def test_no_input_crashes_the_parser(line: str) -> None:
    try:
        parse_text_command(line, WORDS, "en")
    except TextCommandError as err:
        assert err.text and "\n" not in err.text


def test_a_transports_mentions_fill_the_member_options_wherever_they_stand() -> None:
    def signal(line: str) -> tuple[str, dict]:
        parsed = parse_text_command(line, WORDS, "fr", mention_prefix="signal:")
        return parsed.name, parsed.options

    thanked = ("thanks", {"member": "signal:abc", "reason": "pour la fuite"})
    assert signal("merci 👋 signal:abc pour la fuite") == thanked
    assert signal("merci pour la fuite signal:abc") == thanked
    paired = ("mod godparent", {"newcomer": "signal:a", "godparent": "signal:b"})
    assert signal("mod godparent signal:a signal:b") == paired
    assert signal("thanks member=bruno reason=top") == ("thanks", {"member": "bruno", "reason": "top"})
    assert parse("merci bruno signal:abc") == ("thanks", {"member": "bruno", "reason": "signal:abc"})  # no prefix given


def test_tokenizer_keeps_apostrophes_inside_words() -> None:
    assert [t.text for t in tokenize("l'évier d’eau 'cité ici' aujourd'hui")] == [
        "l'évier", "d’eau", "cité ici", "aujourd'hui"]


# Through the console's contract ---------------------------------------------------------------

async def text(sim: Sim, user: str, line: str) -> dict:
    outs = await sim.send({"type": "command", "user": user, "text": line})
    [reply] = of(outs, "reply")
    return reply


async def test_typed_thanks_with_an_apostrophe_reaches_the_member(sim: Sim) -> None:
    await sim.onboard("zoe")
    await sim.onboard("bruno")
    reply = await text(sim, "zoe", "merci bruno c'est top")
    assert reply["ok"], reply
    [post] = of(sim.last, "post", kind="thanks")
    assert "c'est top" in post["text"] and "bruno" in post["text"]


async def test_parser_errors_follow_the_members_language(sim: Sim) -> None:
    await sim.onboard("emma", "en")
    await sim.onboard("lea", "fr")
    en = await text(sim, "emma", "reqest list")
    fr = await text(sim, "lea", "reqest list")
    assert en["error"] == fr["error"] == "invalid_input"
    assert "Did you mean “request list”?" in en["text"] and "Type “help”" in en["text"]
    assert "Vouliez-vous dire « request list » ?" in fr["text"]
    unclosed = await text(sim, "emma", 'thanks member=lea reason="merci')
    assert unclosed["error"] == "invalid_input" and "not closed" in unclosed["text"]
    json_typo = await sim.command("emma", "reqest list")
    assert "Did you mean “request list”?" in json_typo["text"]


async def test_option_aliases_and_typos_through_json_commands(sim: Sim) -> None:
    await sim.onboard("lea", "fr")
    reply = await sim.command("lea", "profil modifier", **{"compétences": "vélo", "disponible": "non"})
    assert reply["ok"] and reply["data"]["skills"] == ["velo"] or reply["data"]["skills"] == ["vélo"], reply
    typo = await sim.command("lea", "profile set", skils="vélo")
    assert typo["error"] == "invalid_input" and "skills" in typo["text"]


async def test_help_for_one_command_shows_options_example_and_who(sim: Sim) -> None:
    await sim.onboard("emma", "en")
    reply = await text(sim, "emma", "help request new")
    assert reply["ok"], reply
    data = reply["data"]
    assert data["command"] == "request new"
    assert data["options"] == ["title", "details", "skills", "urgent"]
    assert data["required"] == ["title", "skills"]
    assert data["example"].startswith("request new title=")
    assert "Example: request new title=" in reply["text"]  # console syntax, not Discord's
    assert "Who may use it" in reply["text"]
    fr = await text(sim, "emma", "aide merci")
    assert fr["data"]["command"] == "thanks"
    group = await text(sim, "emma", "help request")
    assert "request claim" in group["data"]["commands"]
    near = await text(sim, "emma", "help reqest new")
    assert near["error"] == "invalid_input" and "request new" in near["text"]
    assert (await sim.command("emma", "help", command="mod warn"))["data"]["animator"] is True


async def test_every_command_has_a_help_card_in_both_languages(sim: Sim) -> None:
    from bot.commands.registry import COMMANDS

    await sim.onboard("emma", "en")
    await sim.onboard("lea", "fr")
    for name in COMMANDS:
        for user in ("emma", "lea"):
            reply = await sim.command(user, "help", command=name)
            assert reply["ok"] and reply["data"]["command"] == name, (name, reply)
            assert "⟦" not in reply["text"] and "{" not in reply["text"], reply["text"]
            assert reply["data"]["example"].split()[0] == name.split()[0], reply["data"]


async def test_hints_in_bot_messages_use_the_console_syntax(sim: Sim) -> None:
    await sim.onboard("bruno", skills="plomberie")
    await sim.onboard("zoe")
    await sim.advance(by="1h")
    opened = await text(sim, "zoe", "request new Fuite d'eau skills=plomberie")
    assert opened["ok"], opened
    [ping] = of(sim.last, "dm", kind="helper-ping", user="bruno")
    assert "profile set available=false" in ping["text"] and "available:false" not in ping["text"]
    rid = opened["data"]["request_id"]
    await text(sim, "bruno", f"request claim {rid}")
    [coming] = [o for o in sim.last if o.get("user") == "zoe" and "request resolve" in o.get("text", "")]
    assert f"request resolve id={rid}" in coming["text"]
    assert all("⟦" not in o.get("text", "") for o in sim.outputs)


# The REPL ------------------------------------------------------------------------------------------

def test_the_repl_survives_any_line(tmp_path: Path) -> None:
    lines = "\n".join([
        ":join zoe en", ":click zoe charter:accept", ":join bruno", ":click bruno charter:accept",
        "zoe> thanks member=bruno reason=c'est top",
        'zoe> thanks member=bruno reason="oops',
        ":join 'broken",
        "zoe> reqest list",
        "Zoe> help thanks",
        "nobody> help",
        "zoe> ",
        "zoe> merci bruno encore merci",
    ]) + "\n"
    proc = subprocess.run(
        entraide("console", "--db", str(tmp_path / "r.sqlite"),
         "--start", "2026-12-01T09:00:00+01:00"),
        input=lines.encode(), capture_output=True, timeout=120,
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "Traceback" not in proc.stderr.decode()
    assert "c'est top" in out and "encore merci" in out
    assert "« :join nobody »" in out and '"type": "join"' not in out  # the REPL's own way to join
    assert "A quote (\") is not closed" in out  # zoe's command: the parser, in her language
    assert "un guillemet n'est pas fermé : :join 'broken" in out  # the console's own line: the community's
    assert "Did you mean “request list”?" in out
    assert "Example: thanks member=alice" in out
    assert "has not joined" in out or "n'a pas encore rejoint" in out


def test_the_repl_acts_in_another_community_of_a_network(tmp_path: Path) -> None:
    """`:community ID` is the REPL's `community` field: every line after it acts there (the prompt and each
    output line say which community); an id the network lacks changes nothing; a lone community says so."""
    from tests.network_config import network_toml

    config = tmp_path / "network.toml"
    config.write_text('[community]\nname = "Entraide"\n' + network_toml(ours='locale = "en"'), encoding="utf-8")
    lines = "\n".join([
        ":join alice", ":click alice charter:accept",  # the first community, as before
        ":community ours",
        ":join bob en", ":click bob charter:accept", "bob> profile set skills=plomberie",
        ":community",
        ":community nowhere",
        "bob> profile show",  # still La Tanière
        ":community lilas",
        "bob> profile show",  # not on Les Lilas' server
        "alice> help",
    ]) + "\n"
    proc = subprocess.run(
        entraide("console", "--config", str(config), "--db", str(tmp_path / "n.sqlite"),
                 "--start", "2026-12-01T09:00:00+01:00"),
        input=lines.encode(), capture_output=True, timeout=120,
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0 and "Traceback" not in proc.stderr.decode(), proc.stderr.decode()[-2000:]
    assert "] [lilas] DM → alice (welcome)" in out and "] [ours] DM → bob (welcome)" in out, out
    assert "] [ours] role bob +member" in out and "] [lilas] role alice +member" in out, out
    assert "vous agissez désormais dans ours (La Tanière)" in out  # said in Les Lilas, a French community
    assert "acting in ours (La Tanière); communities: lilas, ours, quai" in out  # in La Tanière: English
    assert "no community 'nowhere' here (communities: lilas, ours, quai); still in ours (La Tanière)" in out
    replies = re.findall(r"\[(\w+)\] reply → bob \(([^)]*)\)\n((?: {4}.*\n)*)", out)  # place, status, text
    assert [(place, status) for place, status, _ in replies] == [
        ("ours", "ok"), ("ours", "ok"), ("ours", "ok"), ("lilas", "error: not_eligible")], out
    assert "plomberie" in replies[2][2] and ":join bob" in replies[3][2], replies
    assert "now acting in lilas (Les Lilas)" in out and "] [lilas] reply → alice (ok)" in out

    alone = subprocess.run(
        entraide("console", "--db", str(tmp_path / "alone.sqlite"), "--start", "2026-12-01T09:00:00+01:00"),
        input=b":community lilas\n:join zoe\n", capture_output=True, timeout=120,
    )
    said = alone.stdout.decode()
    assert "cette console simule une seule communauté : :community sert à choisir parmi les [[communities]] " \
           "d'un réseau" in said
    assert "DM → zoe (welcome)" in said and "[main]" not in said, said
