"""`entraide export`: the community's audit log and vitality indicators as one JSON document."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import Config
from bot.context import Community
from bot.i18n import Translator
from storage.database import open_database


async def build_export(ctx: Community) -> dict[str, Any]:
    """Each area adds its part; moderation and vitality fill theirs."""
    from bot.services import moderation, vitality

    document: dict[str, Any] = {"community": ctx.config.community.name, "guild_id": ctx.guild_id,
                                "exported_at": ctx.now().isoformat()}
    if hasattr(moderation, "export_audit_log"):
        document["audit_log"] = await moderation.export_audit_log(ctx)
    if hasattr(vitality, "export_indicators"):
        document["indicators"] = await vitality.export_indicators(ctx)
    return document


async def export_community(config: Config, db_path: str, output: str, guild_id: str | None) -> int:
    db = await open_database(db_path, synchronous=config.database.synchronous)
    try:
        ctx = Community(db=db, clock=SystemClock(), config=config,
                        i18n=Translator(config.community.locale, config.community.timezone),
                        guild_id=guild_id or config.community.guild_id or "console")
        document = await build_export(ctx)
    finally:
        await db.close()
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if output == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(output).write_text(text + "\n", encoding="utf-8")
    return 0
