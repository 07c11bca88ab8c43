"""The human console's pictures: written where a person can open them, and named on screen.

A platform shows an attachment; a terminal cannot, so the REPL and the demo keep each picture in a
folder of their own (the temporary file behind it is removed once delivered, bot/tempfiles.py) and
print `🖼 vitality.png: /path/to/vitality.png`. The JSON-lines mode keeps `content_base64`.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any


def _free_name(folder: Path, filename: str) -> Path:
    """`vitality.png`, then `vitality-2.png`…: an earlier picture is never overwritten."""
    target = folder / Path(filename).name
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def picture_line(attachment: dict[str, Any], folder: Path | None) -> str:
    """One line per attachment: its name, and where it was written (or its path, when it has one)."""
    name = str(attachment.get("filename", "?"))
    content = attachment.get("content_base64")
    if folder is not None and content:
        try:
            data = base64.b64decode(content, validate=True)
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_name(folder, name)
            target.write_bytes(data)
            return f"🖼 {name}: {target}"
        except (OSError, binascii.Error):
            pass
    if attachment.get("path"):
        return f"🖼 {name}: {attachment['path']}"
    return f"🖼 {name}"
