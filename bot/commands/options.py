"""Option parsing: plain JSON values (console) or typed values (Discord) → validated Python values."""
from __future__ import annotations

import re
from typing import Any

from bot.commands.registry import Option
from bot.errors import invalid
from bot.mentions import has_forbidden_characters, neutralize

TRUE = {"true", "yes", "oui", "1", "on", "vrai", "y", "o"}
FALSE = {"false", "no", "non", "0", "off", "faux", "n"}
MAX_CSV_ITEMS = 50
MAX_INT = 2**63 - 1
ASCII_INT = re.compile(r"-?[0-9]{1,11}")


def parse_options(specs: tuple[Option, ...], raw: dict[str, Any] | None) -> dict[str, Any]:
    """Validate every option; a problem raises `invalid_input` naming the option."""
    raw = dict(raw or {})
    by_name = {spec.name: spec for spec in specs}
    for name in raw:
        if name not in by_name:
            raise invalid("common.detail.unknown_option", option=neutralize(str(name)[:40]))
    parsed: dict[str, Any] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip() and spec.kind != "text"):
            if spec.required:
                raise invalid("common.detail.missing_option", option=spec.name)
            continue
        parsed[spec.name] = parse_value(spec, value)
        if spec.required and parsed[spec.name] in ("", []):
            raise invalid("common.detail.missing_option", option=spec.name)
    return parsed


def parse_value(spec: Option, value: Any) -> Any:
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | str) and str(value).strip().lower() in TRUE:
            return True
        if isinstance(value, int | str) and str(value).strip().lower() in FALSE:
            return False
        raise invalid("common.detail.bad_bool", option=spec.name)
    if spec.kind == "int":
        if isinstance(value, bool):
            raise invalid("common.detail.bad_int", option=spec.name)
        if isinstance(value, int) and -MAX_INT <= value <= MAX_INT:  # SQLite integers are 64-bit
            return value
        if isinstance(value, str) and ASCII_INT.fullmatch(value.strip()):  # not "²" nor "١٢"
            return int(value.strip())
        raise invalid("common.detail.bad_int", option=spec.name)
    if isinstance(value, bool | int | float) and spec.kind in ("text", "member", "choice"):
        value = str(value)
    if isinstance(value, list) and spec.kind == "csv":
        if not all(isinstance(v, str) for v in value):  # never `{'x': 1}` or `None` turned into text
            raise invalid("common.detail.bad_text", option=spec.name)
        value = ",".join(value)
    if not isinstance(value, str):
        raise invalid("common.detail.bad_text", option=spec.name)
    text = clean_text(spec, value)
    if spec.kind == "csv":
        items = [item.strip() for item in text.split(",")]
        items = [item for item in items if item]
        if len(items) > MAX_CSV_ITEMS:
            raise invalid("common.detail.too_long", option=spec.name, max=spec.max_len)
        return items
    if spec.kind == "choice" and spec.choices and text not in spec.choices:
        return read_choice(spec, text)
    if spec.kind == "member":
        return text.lstrip("@").strip()
    return text


def choice_key(text: str) -> str:
    """How a choice is matched: case, accents, hyphens, curly apostrophes and a plural's final s or x aside."""
    from bot.services.skills import skill_key

    words = skill_key(text.replace("’", "'")).split()
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


def read_choice(spec: Option, text: str) -> str:
    """A choice written another way (`Shift`, « permanences », « séance d'information »), or the refusal."""
    key = choice_key(text)
    for word, choice in ((c, c) for c in spec.choices):
        if choice_key(word) == key:
            return choice
    for word, choice in spec.words:
        if choice_key(word) == key:
            return choice
    if spec.refusal:
        raise invalid(spec.refusal, **{spec.name: neutralize(text[:40])})
    raise invalid("common.detail.bad_choice", option=spec.name, choices=", ".join(spec.choices))


def clean_text(spec: Option, value: str) -> str:
    """Refuse over-long text and control or bidi characters; trim surrounding spaces."""
    if len(value) > spec.max_len:
        raise invalid("common.detail.too_long", option=spec.name, max=spec.max_len)
    if has_forbidden_characters(value, allow_newlines=spec.kind == "text"):
        raise invalid("common.detail.bad_text", option=spec.name)
    return value.strip()
