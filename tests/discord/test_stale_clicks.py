"""cogs/views.py re-checks presence on every click (issue 15, item 5): someone Discord no longer
lists in the server is refused, even while the bot's own records (a leave missed while it was
offline) still count them in."""
from __future__ import annotations

import discord

from tests.discord.conftest import DiscordSim


class _Gone:
    status, reason = 404, "Not Found"


async def test_a_click_from_someone_no_longer_in_the_server_is_refused(dsim: DiscordSim, monkeypatch) -> None:  # noqa: ANN001
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(alice, "request new", title="Déménagement", skills="bras")
    created = dsim.calls[-1].reply
    assert created.ok, created.text
    custom_id = f"request:claim:{created.data['request_id']}"
    get_member = discord.Guild.get_member

    async def not_a_member(self: discord.Guild, user_id: int) -> discord.Member:
        raise discord.NotFound(_Gone(), "Unknown Member")  # type: ignore[arg-type]

    def left(self: discord.Guild, user_id: int) -> discord.Member | None:
        return None if user_id == bob.id else get_member(self, user_id)

    monkeypatch.setattr(discord.Guild, "get_member", left)  # bob left while the bot was offline
    monkeypatch.setattr(discord.Guild, "fetch_member", not_a_member)
    out = await dsim.click(bob, [{"custom_id": custom_id, "label": "Je m'en occupe"}], custom_id, dm=True)
    assert len(out) == 1 and out[0].ephemeral
    reply = dsim.calls[-1].reply
    assert not reply.ok and reply.error == "not_eligible", reply.text
    monkeypatch.undo()
    out = await dsim.click(bob, [{"custom_id": custom_id, "label": "Je m'en occupe"}], custom_id, dm=True)
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text  # still in the server: the claim works


async def test_escaped_user_text_reaches_discord_escaped_once(dsim: DiscordSim) -> None:
    """The engine escapes Markdown (issue 15, item 9); the Discord edge sends the text as is."""
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(alice, "thanks", member=bob, reason="*merci* [ici](https://evil.example/login)")
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    sent = await dsim.deliver()
    [post] = [m for m in sent if "merci" in m.content]
    assert "\\*merci\\* \\[ici](https://evil.example/login)" in post.content
    assert "\\\\" not in post.content
