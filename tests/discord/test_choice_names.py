"""An event's kind and a proposal vote's choice are offered in the member's language on Discord
(« Séance d'information », « Permanence bénévole », « Pour »), their values staying the contract's."""
from __future__ import annotations

from typing import Any

from tests.discord.conftest import DiscordSim


def _find(payload: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for name in path:
        payload = next(o for o in payload["options"] if o["name"] == name)
    return payload


async def test_kind_and_vote_choices_are_named_in_french(dsim: DiscordSim) -> None:
    tree, translator = dsim.bot.tree, dsim.bot.tree.translator
    payloads = {cmd.name: await cmd.get_translated_payload(tree, translator) for cmd in tree.get_commands()}
    kind = _find(payloads["event-admin"], ["new", "kind"])
    french = {c["value"]: c["name_localizations"]["fr"] for c in kind["choices"]}
    assert french == {"session": "séance d'information", "deepening": "séance d'approfondissement",
                      "gathering": "rencontre", "shift": "permanence bénévole"}, french
    assert "shift" not in kind["description_localizations"]["fr"]
    vote = _find(payloads["proposal"], ["vote", "choice"])
    assert {c["value"]: c["name_localizations"]["fr"] for c in vote["choices"]} == {
        "for": "Pour", "against": "Contre", "abstain": "Abstention"}
