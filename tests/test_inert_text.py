"""User text stays inert in every transport (issue 15, item 9): Markdown typed by a member (a masked
link, a heading, code, emphasis) is escaped by the engine before it is placed into a message, so the
console, Discord and Signal all show it as typed, never as the bot's own formatting."""
from __future__ import annotations

import re

from bot.mentions import escape_markdown, neutralize
from tests.harness import Sim, of

LINK = "[Cadeau des animateurs](https://evil.example/login)"
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]+\]\(https?://")
LIVE_HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)


def assert_inert(text: str) -> None:
    assert not LIVE_LINK.search(text), text
    assert not LIVE_HEADING.search(text), text
    assert "evil.example/login" in text  # shown as typed: the address is visible, not hidden behind words


async def test_markdown_in_titles_details_and_reasons_is_shown_as_typed_everywhere(sim: Sim) -> None:
    await sim.onboard("alice")
    await sim.onboard("bob", skills="jardinage")
    reply = await sim.command("alice", "request new", title=LINK, details="# URGENT\n**cliquez** `ici`",
                              skills="jardinage")
    assert reply["ok"], reply
    [post] = of(sim.last, "post", kind="request", channel="help-requests")
    [ping] = of(sim.last, "dm", kind="helper-ping", user="bob")
    for text in (post["text"], ping["text"]):
        assert_inert(text)
        assert "\\# URGENT" in text and "\\*\\*cliquez\\*\\*" in text and "\\`ici\\`" in text
    assert (await sim.command("alice", "thanks", member="bob", reason=f"# Merci\n{LINK}"))["ok"]
    [thanks] = of(sim.last, "post", kind="thanks", channel="general")
    assert_inert(thanks["text"])
    assert "\\# Merci" in thanks["text"]


async def test_a_display_name_cannot_restyle_the_public_welcome(sim: Sim) -> None:
    joined = await sim.join("mallory", name="# ADMIN [support](https://evil.example/login)")
    [welcome] = of(joined, "dm", kind="welcome", user="mallory")
    assert "\\# ADMIN \\[support]" in welcome["text"]
    reply = await sim.click("mallory", "charter:accept")
    assert reply["ok"], reply
    for output in joined + sim.last:
        if output.get("text"):
            assert not LIVE_LINK.search(output["text"]) and not LIVE_HEADING.search(output["text"]), output


def test_escaping_follows_discords_rules_and_keeps_bare_links() -> None:
    assert escape_markdown(LINK) == "\\" + LINK
    assert escape_markdown("# titre") == "\\# titre"
    assert escape_markdown("> cité") == "\\> cité"
    assert escape_markdown("a_b *c* ~d~ ||e|| `f` \\") == "a\\_b \\*c\\* \\~d\\~ \\|\\|e\\|\\| \\`f\\` \\\\"
    assert escape_markdown("https://exemple.org/a_b_c") == "https://exemple.org/a_b_c"
    assert escape_markdown("rien à signaler") == "rien à signaler"
    assert neutralize("@everyone *x*") == "@\u200beveryone \\*x\\*"


async def test_help_and_unknown_commands_never_echo_a_live_mention(sim: Sim) -> None:
    """`help command=@everyone` (found by the property test's inputs) answers without a live ping."""
    await sim.onboard("alice")
    asked = [("help", {"command": "@everyone"}), ("help", {"command": "@here <@&123456>"}),
             ("@everyone", {}), ("request new", {"@everyone": "x"})]
    for name, options in asked:
        reply = await sim.command("alice", name, **options)
        assert not reply["ok"], reply
        for pinging in ("@everyone", "@here", "<@&"):
            assert pinging not in reply["text"], reply
        assert "@\u200b" in reply["text"], reply  # still shown as typed, only broken


async def test_ordinary_emoji_are_welcome_and_control_characters_are_not(sim: Sim) -> None:
    """ZWJ sequences, flags, skin tones and variation selectors pass; bidi overrides and controls do not."""
    await sim.onboard("alice")
    for bio in ("Électricienne 👩‍🔧", "Drapeaux 🇫🇷 🏳️‍🌈 🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Merci 👍🏽 ❤️", "Famille 👨‍👩‍👧‍👦"):
        reply = await sim.command("alice", "profile set", bio=bio)
        assert reply["ok"], (bio, reply)
        shown = await sim.command("alice", "profile show")
        assert bio in shown["text"], shown
    reply = await sim.command("alice", "request new", title="Fuite 🚰‍🔧 urgente 🆘", skills="plomberie")
    assert reply["ok"], reply
    for bad in ("abc\u202edef", "nul\x00", "ad\u200dmin", "esc\x1b[31m"):
        reply = await sim.command("alice", "profile set", bio=bad)
        assert not reply["ok"] and reply["error"] == "invalid_input", (bad, reply)


def test_text_placed_mid_line_keeps_its_first_line_as_typed() -> None:
    """A reason after « motif : » starts no line: its `#`, `>` and `-#` stay as typed; later lines do start
    lines and are escaped; emphasis, links and pings are made inert as anywhere."""
    from bot.mentions import neutralize_inline

    assert escape_markdown("#1 > -# x", line_start=False) == "#1 > -# x"
    assert escape_markdown("#1\n# titre\n> cité", line_start=False) == "#1\n\\# titre\n\\> cité"
    assert escape_markdown(f"{LINK} *x* https://a.example/_b_", line_start=False) == \
        "\\" + LINK + " \\*x\\* https://a.example/_b_"
    assert neutralize_inline("# @everyone _a_") == "# @\u200beveryone \\_a\\_"
