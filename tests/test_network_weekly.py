"""A network's weekly nudges share their profile DM frames across communities (bot/services/nudge_words.py):
rows joined from a frame another community built are byte for byte the payloads each community renders
in full, whatever differs between them (zone, language, fallback channel, name)."""
from __future__ import annotations

from datetime import datetime

from bot.config import parse_config
from bot.services.nudge_words import NudgeWords
from storage.engagement import NudgeTarget
from tests.harness import Sim
from tests.network_places import network, place

DAY = 86400


async def test_profile_frames_shared_by_communities_give_each_its_own_rows(sim: Sim) -> None:
    configs = [
        {},  # the same shape as the first community: its frames are reused as they are
        {"community": {"timezone": "America/Montreal"}},  # another day's words for the same instant
        {"community": {"locale": "en"}},  # another fallback language
        {"channels": {"general": "agora"}},  # closed DMs go elsewhere
        {"community": {"timezone": "Pacific/Noumea", "locale": "en"}, "channels": {"general": "place"}},
    ]
    others = [place(sim, f"p{i}", f"Lieu {i}", parse_config(cfg)) for i, cfg in enumerate(configs)]
    network(sim, *others)
    start = int(datetime.fromisoformat("2026-05-01T23:30:00+02:00").timestamp())  # near midnight: zones differ
    handles = ["alice", 'b"ob', "c@here", "line\nbreak", "\ue000\ue001", "émile 🌱"]
    chosen = []
    for n in range(60):
        target = NudgeTarget(n, f"u{n}", handles[n % len(handles)], (None, "fr", "en", "de")[n % 4], int(n % 7 == 0),
                             None, None, None, None, start + (n % 5) * DAY // 2, 0)
        chosen.append((target, "profile", None))
    for ctx in [sim.ctx, *others, sim.ctx]:  # the last one again: every frame it needs was built already
        rows = NudgeWords(ctx).outbox_rows(chosen, "2026-W49", 123)
        full = NudgeWords(ctx)
        for (target, reason, _), row in zip(chosen, rows, strict=True):
            assert row[4] == full.payload(full.locale(target.locale), target, reason), (ctx.guild_id, target)
            assert row[0] == ctx.guild_id and row[7] == ctx.key(f"nudge:2026-W49:{target.member_id}")
