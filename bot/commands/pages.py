"""Long lists in pages, never cut: a page of the list, its totals, and buttons that re-run the command.

A page button's id carries everything: `page:<command>:<options>:<n>` (at most 100 characters, Discord's
limit). A click re-runs the command with the same options at page n, with every check of a typed
command, so the buttons keep working after a restart and nothing is stored. Every transport shows
them: Discord as buttons, the console as component ids, Signal as `!plus` (the next page).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from bot.commands.registry import COMMANDS, Invocation, Reply, button
from bot.errors import not_found
from bot.outbox import Component

T = TypeVar("T")
PREFIX = "page:"
MAX_CUSTOM_ID = 100
MAX_PAGE = 9999
# The commands that answer in pages: a page button re-runs one of these (read-only lists), never
# anything else, whatever a forged id says.
PAGED = frozenset({"help", "skills", "directory", "request list", "remind list", "mod history", "event list",
                   "proposal list"})
# Characters that would break the id's own separators, escaped as %XX (everything else kept as typed).
_ESCAPED = {"%": "%25", ":": "%3A", "&": "%26", "=": "%3D", " ": "%20", "\n": "%0A", "\t": "%09"}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, which page (from 1), how many pages, and where it starts."""

    items: list[T]
    number: int
    pages: int
    total: int
    first: int  # the position (from 1) of the first item shown

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def more(self) -> bool:
        return self.pages > 1


# What one page's lines may hold: Discord's 2,000 characters less a title and the footer.
PAGE_BUDGET = 1600


def paged(items: Sequence[T], number: int, size: int, *, budget: int = PAGE_BUDGET) -> Page[T]:
    """Page `number` (from 1; past the end: the last page) of `items`: at most `size` items and, when
    items are text, at most `budget` characters a page (an item longer than that has a page alone).
    The same items always split the same way, so a button's page n is the page n that was counted."""
    starts = [0]
    used = 0
    for index, item in enumerate(items):
        weight = len(item) + 1 if isinstance(item, str) else 0
        if index > starts[-1] and (index - starts[-1] >= size or used + weight > budget):
            starts.append(index)
            used = 0
        used += weight
    pages = len(starts)
    number = min(max(1, number), pages)
    start = starts[number - 1]
    end = starts[number] if number < pages else len(items)
    return Page(list(items[start:end]), number, pages, len(items), start + 1)


def _escape(value: str) -> str:
    return "".join(_ESCAPED.get(ch, ch) for ch in value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def page_id(command: str, options: dict[str, Any], number: int) -> str:
    """`page:<command>:<k=v&…>:<n>`: the command, its options as given, and the page to show."""
    pairs = "&".join(f"{key}={_escape(_value(value))}" for key, value in sorted(options.items()))
    return f"{PREFIX}{command.replace(' ', '_')}:{pairs}:{number}"


def parse_page_id(argument: str) -> tuple[str, dict[str, str], int]:
    """The part after `page:` → (command, raw options, page); ValueError when it is not one of ours."""
    command, _, rest = argument.partition(":")
    pairs, _, number = rest.rpartition(":")
    if not command or not number.isascii() or not number.isdigit() or not 1 <= int(number) <= MAX_PAGE:
        raise ValueError(argument)
    options: dict[str, str] = {}
    for pair in pairs.split("&") if pairs else []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(argument)
        options[key] = unquote(value)
    return command.replace("_", " "), options, int(number)


def page_buttons(inv: Invocation, command: str, page: Page[Any]) -> list[Component]:
    """Previous (secondary) / next (primary: the one Signal's `!plus` clicks), when there are other pages;
    none when the options do not fit in an id (the footer then still says how many there are)."""
    if not page.more:
        return []
    buttons = []
    if page.number > 1:
        buttons.append(Component(page_id(command, inv.options, page.number - 1), inv.t("pages.previous"),
                                 style="secondary"))
    if page.number < page.pages:
        buttons.append(Component(page_id(command, inv.options, page.number + 1), inv.t("pages.next")))
    if any(len(b.custom_id) > MAX_CUSTOM_ID for b in buttons):
        return []
    return buttons


def footer(inv: Invocation, page: Page[Any]) -> str:
    """« 26 à 50 sur 73 (page 2 sur 3) »: always the totals, so nobody thinks the list is all there is."""
    return inv.t("pages.footer", first=page.first, last=page.last, count=page.total, page=page.number,
                 pages=page.pages)


def page_reply(inv: Invocation, command: str, page: Page[Any], text: str, data: dict[str, Any]) -> Reply:
    """A paged answer: the page's text, the totals when there is more than one page, the buttons, and
    `data` saying which page this is (the whole list stays in the caller's own data fields)."""
    assert command in PAGED, command
    if page.more:
        text = text + "\n" + footer(inv, page)
        data = {**data, "page": page.number, "pages": page.pages, "total": page.total}
    return Reply(ok=True, text=text, data=data, components=page_buttons(inv, command, page))


@button(PREFIX)
async def page_click(inv: Invocation, argument: str, values: list[str]) -> Reply:
    """A page button: the command again, same options, page n, with every check a typed command has
    (an animator list stays the animators' even through an old button)."""
    from bot.commands.dispatch import run_command

    try:
        command, options, number = parse_page_id(argument)
    except ValueError:
        raise not_found("common.detail.unknown_component", custom_id=PREFIX + argument[:90]) from None
    if command not in PAGED or command not in COMMANDS:
        raise not_found("common.detail.unknown_component", custom_id=PREFIX + argument[:90])
    return await run_command(inv.ctx, inv.actor, command, options, page=number)
