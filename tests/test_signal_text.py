"""Signal's text rules: UTF-16 mention offsets behind U+FFFC, parts under 2,000 bytes, forgiving parsing."""
from __future__ import annotations

import pytest

from bot.app import load_command_modules
from bot.commands.parser import parse_text_command
from bot.i18n import Translator
from bot.transports.signal_commands import plain_emoji, reaction_click, twin_click
from bot.transports.signal_text import Body, render, replace_mentions, split_body, utf16_len

ALICE = "0f0e0d0c-0b0a-4090-8070-605040302010"
load_command_modules()


def test_mentions_after_emoji_are_found_at_their_utf16_offsets() -> None:
    text = "!merci 👩🏽‍🔧\ufffc et \ufffc"
    first = utf16_len("!merci 👩🏽‍🔧")
    second = utf16_len("!merci 👩🏽‍🔧\ufffc et ")
    out = replace_mentions(text, [{"uuid": ALICE, "start": first, "length": 1},
                                  {"uuid": "B" * 8, "start": second, "length": 1}])
    assert out == f"!merci 👩🏽‍🔧 signal:{ALICE} et signal:{'b' * 8}"
    assert replace_mentions(text, [{"uuid": ALICE, "start": 999, "length": 1}]) == text  # out of range: ignored


def test_render_pings_only_who_is_meant_and_counts_utf16() -> None:
    body = render(f"🎉 <@signal:{ALICE}> merci <@signal:other>", {f"signal:{ALICE}"}, lambda pid: "Bob")
    assert body.text == "🎉 \ufffc merci @Bob"
    assert body.mention_params() == [f"3:1:{ALICE}"]  # the party popper is two UTF-16 units


def test_split_keeps_paragraphs_and_mentions() -> None:
    paragraphs = ["é" * 900, "x \ufffc y", "ü" * 900, "z" * 10]
    body = Body("\n\n".join(paragraphs), [(len(paragraphs[0]) + 2 + 2, ALICE)])
    parts = split_body(body)
    assert all(len(p.text.encode()) <= 2000 for p in parts)
    assert "\n\n".join(p.text for p in parts) == body.text
    holder = next(p for p in parts if "\ufffc" in p.text)
    assert holder.mentions == [(holder.text.index("\ufffc"), ALICE)]


def test_one_endless_word_is_still_cut() -> None:
    parts = split_body(Body("🙂" * 3000))
    assert all(len(p.text.encode()) <= 2000 for p in parts) and "".join(p.text for p in parts) == "🙂" * 3000


@pytest.mark.parametrize(("line", "name", "member", "reason"), [
    ("merci signal:abc pour la fuite", "thanks", "signal:abc", "pour la fuite"),
    ("thanks 🙏🏽 signal:abc for the leak", "thanks", "signal:abc", "for the leak"),
    ("merci 👋 signal:abc c'est top", "thanks", "signal:abc", "c'est top"),
    ("merci pour la fuite signal:abc", "thanks", "signal:abc", "pour la fuite"),
])
def test_typed_commands_with_mentions_go_through_the_projects_parser(line: str, name: str, member: str,
                                                                     reason: str) -> None:
    parsed = parse_text_command(line, Translator("fr", "Europe/Paris"), "fr", mention_prefix="signal:")
    assert (parsed.name, parsed.options.get("member"), parsed.options.get("reason")) == (name, member, reason)


def test_twins_and_reactions() -> None:
    assert twin_click("Prendre #12").custom_id == "request:claim:12"
    assert twin_click("charte   accepter").custom_id == "charter:accept"
    assert twin_click("vote 2").choice == 2
    assert twin_click("prendre douze") is None
    components = [{"custom_id": "request:claim:7"}, {"custom_id": "nudges:off"}]
    assert reaction_click("✋🏿", components) == "request:claim:7"
    assert reaction_click("🔕", components) == "nudges:off"
    assert reaction_click("👍", components) is None
    assert plain_emoji("👍️") == "👍"


def test_markdown_escapes_come_off_for_signal() -> None:
    from bot.mentions import escape_markdown

    typed = r"c'est *top* jean_paul ~ `x` [lien](https://a.b) \ fin" + "\n> cité\n# titre"
    assert render(escape_markdown(typed), set(), str).text == typed
