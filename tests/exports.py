"""Read a member's export back under the internal table and column names (its keys are in the
member's language), so tests can look rows up whatever language the member speaks."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from bot.i18n import LOCALES, load_catalogue


def _reverse(area: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for loc in LOCALES:
        for key, value in load_catalogue(loc).items():
            if key.startswith(f"export.{area}."):
                names[str(value)] = key.rsplit(".", 1)[1]
    return names


def internal(document: dict[str, Any]) -> dict[str, Any]:
    """{"data": {table: [{column: value}]}, plus the top-level keys} under internal names."""
    keys, tables, columns = _reverse("key"), _reverse("table"), _reverse("column")
    out = {keys.get(k, k): v for k, v in document.items()}
    out["data"] = {tables.get(t, t): [{columns.get(c, c): v for c, v in row.items()} for row in rows]
                   for t, rows in out["data"].items()}
    return out


def raw_export(attachment: dict[str, Any]) -> str:
    """The export file's text, as the transport attaches it (inline bytes, or a path)."""
    if "content_base64" in attachment:
        return base64.b64decode(attachment["content_base64"]).decode("utf-8")
    return Path(attachment["path"]).read_text(encoding="utf-8")


def export_of(attachment: dict[str, Any]) -> dict[str, Any]:
    return internal(json.loads(raw_export(attachment)))
