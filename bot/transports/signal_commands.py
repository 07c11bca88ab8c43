"""`!` commands on Signal: button twins (`!prendre 12`, `!vote 2`), reactions, and the text parser.

Signal has no buttons: each component is a text line naming its twin command, and a reaction on the
bot's message (👍 charter, ✋ claim, 🔕 nudges off) is the click. Everything else goes to the
project's forgiving text parser (bot/commands/), which turns `!merci @Bruno pour la fuite` into a
command name and options.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.context import Community

# Reactions that stand for a click, by the component they click.
REACTIONS = {"👍": "charter:accept", "✋": "request:claim:", "🔕": "nudges:off"}
EMOJI_OF = {custom_id: emoji for emoji, custom_id in REACTIONS.items()}
SKIN_TONES = {chr(c) for c in range(0x1F3FB, 0x1F400)}


@dataclass(frozen=True)
class Click:
    custom_id: str
    values: list[str] | None = None
    select_prefix: str | None = None  # `!vote 2`: the 2nd option of the newest ballot with this prefix
    choice: int | None = None
    next_page: bool = False  # `!plus`: the next page of the newest paged list here


def plain_emoji(emoji: str) -> str:
    """👍🏽 and 👍️ are 👍: skin tones and variation selectors do not change what a reaction means."""
    return "".join(ch for ch in emoji if ch not in SKIN_TONES and ch not in "\ufe0e\ufe0f")


def reaction_click(emoji: str, components: list[dict[str, Any]]) -> str | None:
    """The component a reaction on a stored message clicks, if the emoji stands for one of them."""
    wanted = REACTIONS.get(plain_emoji(emoji))
    if wanted is None:
        return None
    for component in components:
        custom_id = str(component.get("custom_id", ""))
        if custom_id == wanted or (wanted.endswith(":") and custom_id.startswith(wanted)):
            return custom_id
    return None


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Twins, in both languages whatever the member's: a French member may copy an English line.
_TWINS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(charte\s+accepter|charter\s+accept|j'?accepte|accept)$"), "charter:accept"),
    (re.compile(r"^(prendre|claim|je\s+prends)\s+#?(\d{1,12})$"), "request:claim:{0}"),
    (re.compile(r"^(resolu|resolve|resolved)\s+#?(\d{1,12})$"), "request:resolve:{0}"),
    (re.compile(r"^(petits[- ]messages\s+(non|off|stop)|nudges\s+off)$"), "nudges:off"),
]
_VOTE = re.compile(r"^vote[rz]?\s+#?(\d{1,3})$")
_NEXT_PAGE = re.compile(r"^(plus|suite|page\s+suivante|more|next|next\s+page)$")
PAGE_PREFIX = "page:"


def is_next_page(component: dict[str, Any]) -> bool:
    """A pager's next-page button (the previous-page one is secondary)."""
    custom_id = str(component.get("custom_id", ""))
    return custom_id.startswith(PAGE_PREFIX) and component.get("style", "primary") == "primary"


def twin_click(body: str) -> Click | None:
    """`prendre 12`, `vote 2`, `charte accepter`… (the text after `!`) → the click it twins."""
    text = " ".join(_fold(body).split()).replace("’", "'")
    if _NEXT_PAGE.match(text):
        return Click("", next_page=True)
    vote = _VOTE.match(text)
    if vote:
        return Click("", select_prefix="motm:vote:", choice=int(vote.group(1)))
    for pattern, custom_id in _TWINS:
        match = pattern.match(text)
        if match:
            argument = match.group(match.lastindex) if "{0}" in custom_id and match.lastindex else ""
            return Click(custom_id.format(argument))
    return None


def twin_text(ctx: Community, locale: str, custom_id: str) -> str | None:
    """The command line a component's twin is typed as, in the reader's language."""
    kind, _, argument = custom_id.partition(":")
    key = {"charter:accept": "charter_accept", "nudges:off": "nudges_off"}.get(custom_id)
    if key is None and custom_id.startswith("request:claim:"):
        key, argument = "request_claim", custom_id.rsplit(":", 1)[1]
    if key is None and custom_id.startswith("request:resolve:"):
        key, argument = "request_resolve", custom_id.rsplit(":", 1)[1]
    if key is None:
        return None
    return ctx.t(locale, f"signal.twin.{key}", id=argument)


def component_lines(ctx: Community, locale: str, components: list[dict[str, Any]]) -> str:
    """Components as text: `→ !prendre 12 — Je m'en occupe (ou réagissez ✋)`, a ballot as a numbered list."""
    lines: list[str] = []
    for component in components:
        custom_id = str(component.get("custom_id", ""))
        label = str(component.get("label", ""))
        options = component.get("options") or []
        if options:
            lines.extend(f"{n}. {option.get('label', option.get('value', ''))}" for n, option in enumerate(options, 1))
            lines.append(ctx.t(locale, "signal.vote_line", label=label, example=min(2, len(options))))
            continue
        if custom_id.startswith(PAGE_PREFIX):  # the next page is `!plus`; going back is asking again
            if is_next_page(component):
                lines.append(ctx.t(locale, "signal.component_line", command=ctx.t(locale, "signal.twin.next_page"),
                                   label=label))
            continue
        command = twin_text(ctx, locale, custom_id)
        if command is None:
            continue
        emoji = next((e for e, c in REACTIONS.items()
                      if custom_id == c or (c.endswith(":") and custom_id.startswith(c))), None)
        if emoji:
            lines.append(ctx.t(locale, "signal.component_line_react", command=command, label=label, emoji=emoji))
        else:
            lines.append(ctx.t(locale, "signal.component_line", command=command, label=label))
    return "\n".join(lines)
