"""The acceptance scenarios' main flow on Signal: welcome → charter → request → claim → thanks → digest."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from storage import members as members_repo
from tests.signal_harness import SignalSim, aci, mention_with
from tests.signal_peer import GROUP_ID

FFFC = "\ufffc"


def sends(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in sent if s["method"] == "send"]


async def test_welcome_charter_request_claim_thanks_digest(tmp_path: Path) -> None:
    sim = await SignalSim(tmp_path).open()
    try:
        # Welcome and charter: in the group (no DM before they write), 👍 on the welcome accepts.
        for name in ("hugo", "ines", "rose"):
            sent = await sim.join(name)
            welcome = next(s for s in sends(sent) if "!charte accepter" in s["message"])
            assert welcome["groupId"] == GROUP_ID and welcome["mention"][0].endswith(aci(name))
            await sim.say(name, "bonjour", dm=True)
            accepted = await sim.react(name, "👍", welcome["timestamp"])
            assert any(s.get("groupId") == GROUP_ID and s.get("mention") for s in sends(accepted)), accepted
            member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, f"signal:{aci(name)}")
            assert member.charter_accepted_at is not None
        for helper in ("hugo", "ines"):
            sent = await sim.say(helper, "!profil set compétences=plomberie langues=fr", dm=True)
            assert [s["recipient"] for s in sends(sent)] == [[aci(helper)]]

        # Request: the reply quotes the command; the post names its twin; helpers get a DM with the claim line.
        sent = await sim.say("rose", '!demande nouvelle titre="Fuite sous l\'évier" détails="L\'eau coule" '
                                     "compétences=plomberie")
        reply = next(s for s in sends(sent) if s.get("quoteTimestamp"))
        assert reply["groupId"] == GROUP_ID and reply["quoteAuthor"] == aci("rose")
        number = re.search(r"!prendre (\d+)", " ".join(s["message"] for s in sends(sent)))
        assert number, sent
        request_id = int(number.group(1))
        pings = [s for s in sends(sent) if s.get("recipient") in ([aci("hugo")], [aci("ines")])]
        assert {tuple(s["recipient"]) for s in pings} == {(aci("hugo"),), (aci("ines"),)}
        assert all(f"!prendre {request_id}" in s["message"] and "✋" in s["message"] for s in pings)

        # Claim by ✋ on the DM; the second helper's typed claim is refused (already claimed).
        hugo_ping = next(s for s in pings if s["recipient"] == [aci("hugo")])
        claimed = await sim.react("hugo", "✋", hugo_ping["timestamp"], dm=True)
        assert any(s.get("recipient") == [aci("hugo")] and s.get("quoteTimestamp") == hugo_ping["timestamp"]
                   for s in sends(claimed)), claimed
        assert any(s.get("recipient") == [aci("rose")] for s in sends(claimed))  # the requester is told
        refused = await sim.say("ines", f"!prendre {request_id}")
        assert any(s.get("quoteAuthor") == aci("ines") for s in sends(refused))
        async with sim.ctx.db.reader.execute("SELECT status FROM request WHERE id = ?", (request_id,)) as cur:
            assert (await cur.fetchone())[0] == "claimed"

        # Thanks with a real mention; the post pings only Hugo.
        text = f"!merci {FFFC} pour la fuite"
        sent = await sim.say("rose", text, mentions=[(mention_with("!merci "), "hugo")])
        public = [s for s in sends(sent) if s.get("mention")]
        assert public and all(m.endswith(aci("hugo")) for s in public for m in s["mention"])

        # The weekly digest on Monday 10:00, in the group.
        digest = await sim.advance(days=6, hours=2)
        assert any(s.get("groupId") == GROUP_ID and len(s["message"]) > 20 for s in sends(digest)), digest

        # The member of the month ballot: a numbered list in the group, voted with `!vote 1`.
        sim.peer.admins.append({"uuid": aci("rose"), "number": None})
        await sim.advance(days=2)
        await sim.join("zoe")  # re-reads the admins
        opened = await sim.say("rose", "!motm open", dm=True)
        ballot = next(s for s in sends(opened) if s.get("groupId") == GROUP_ID and "!vote" in s["message"])
        assert "1. " in ballot["message"]
        voted = await sim.say("ines", "!vote 1")
        reply = next(s for s in sends(voted) if s.get("quoteAuthor") == aci("ines"))
        async with sim.ctx.db.reader.execute("SELECT COUNT(*) FROM vote") as cur:
            assert (await cur.fetchone())[0] == 1, reply
    finally:
        await sim.close()


async def test_a_long_list_pages_on_signal_with_plus(tmp_path: Path) -> None:
    """Signal has no buttons: a paged list names `!plus`, which shows the next page (issue 17)."""
    sim = await SignalSim(tmp_path).open()
    try:
        skills = [f"savoir-faire {n:02d}" for n in range(60)]
        for i, name in enumerate(("hugo", "ines", "rose")):
            sent = await sim.join(name)
            welcome = next(s for s in sends(sent) if "!charte accepter" in s["message"])
            await sim.say(name, "bonjour", dm=True)
            await sim.react(name, "👍", welcome["timestamp"])
            listed = ",".join(skills[i * 20:(i + 1) * 20])
            await sim.say(name, f'!profil set compétences="{listed}"', dm=True)
        first = [s["message"] for s in sends(await sim.say("hugo", "!compétences", dm=True))]
        assert any("!plus" in m and "1 à 25 sur 60" in m for m in first), first
        shown = "\n".join(first)
        for _ in range(2):
            shown += "\n".join(s["message"] for s in sends(await sim.say("hugo", "!plus", dm=True)))
        for skill in skills:
            assert skill in shown, skill
        last = [s["message"] for s in sends(await sim.say("hugo", "!plus", dm=True))]
        assert any("pas de page suivante" in m for m in last), last
    finally:
        await sim.close()
