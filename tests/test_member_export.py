"""The member's export is readable: UTF-8 JSON in their language and timezone, ISO dates, mentions
as names, and everything kept about them (the animators' notes too)."""
from __future__ import annotations

import json
import re
from typing import Any

from tests.exports import raw_export
from tests.harness import Sim, of


async def _raw_export(sim: Sim, user: str) -> str:
    reply = await sim.command(user, "profile export")
    assert reply["ok"], reply
    [dm] = of(sim.last, "dm", kind="export", user=user)
    return raw_export(dm["attachments"][0])


def _values(document: Any) -> list[tuple[str, Any]]:
    if isinstance(document, dict):
        return [pair for k, v in document.items() for pair in [(k, v), *_values(v)]]
    if isinstance(document, list):
        return [pair for item in document for pair in _values(item)]
    return []


async def test_a_french_members_export_reads_in_french_in_their_timezone(sim: Sim) -> None:
    await sim.onboard("req", bio="Retraitée, j'aime l'été", quiet_hours="22-07")
    await sim.onboard("h1", skills="plomberie")
    reply = await sim.command("req", "request new", title="Fuite d'évier", details="Vite", skills="plomberie")
    assert (await sim.command("h1", "request claim", id=reply["data"]["request_id"]))["ok"]
    raw = await _raw_export(sim, "req")
    assert "Retraitée, j'aime l'été" in raw and "\\u00e9" not in raw  # UTF-8, not escaped
    document = json.loads(raw)
    assert set(document) == {"communauté", "exporté le", "membre", "fuseau horaire", "à propos", "données"}
    assert "notes que les animateur·ice·s" in document["à propos"]
    assert document["fuseau horaire"] == "Europe/Paris"
    data = document["données"]
    profile = data["profil"][0]
    assert profile["présentation"] == "Retraitée, j'aime l'été" and profile["actif·ve"] is True
    assert profile["arrivée le"] == "2026-12-01T09:00+01:00"
    assert profile["début des heures calmes"] == 22
    assert profile["profil partagé avec le réseau"] is False
    for key, value in _values(data):
        if key.endswith(" le") or key.startswith("depuis"):
            assert value is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", value), (key, value)
    texts = [row["texte"] or "" for row in data["messages envoyés"]]
    assert any("@h1" in text for text in texts), texts
    assert not any("<@" in text for text in texts)


async def test_an_english_members_export_reads_in_english_in_their_own_timezone(sim: Sim) -> None:
    await sim.onboard("amy", locale="en", timezone="America/Montreal", network=True)
    document = json.loads(await _raw_export(sim, "amy"))
    assert set(document) == {"community", "exported at", "member", "timezone", "about", "data"}
    assert document["timezone"] == "America/Montreal" and document["exported at"].endswith("-05:00")
    assert document["data"]["profile"][0]["joined at"] == "2026-12-01T03:00-05:00"
    assert document["data"]["profile"][0]["profile shared with the network"] is True
    assert "notes animators wrote about you" in document["about"]
