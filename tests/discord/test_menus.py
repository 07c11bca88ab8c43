"""Context menus through discord.py's real tree: thank a member, view a profile, report a message."""
from __future__ import annotations

import discord

from tests.discord.conftest import DiscordSim


async def sent_to(dsim: DiscordSim, channel: str) -> list[discord.Message]:
    return [m for m in await dsim.deliver() if getattr(m.channel, "name", None) == channel]


async def test_the_menus_are_registered_localized_and_guild_only(dsim: DiscordSim) -> None:
    menus = {(cmd.name, cmd.type) for cmd in dsim.bot.tree.get_commands(type=discord.AppCommandType.user)}
    menus |= {(cmd.name, cmd.type) for cmd in dsim.bot.tree.get_commands(type=discord.AppCommandType.message)}
    assert menus == {("Thank", discord.AppCommandType.user), ("View profile", discord.AppCommandType.user),
                     ("Report to animators", discord.AppCommandType.message)}
    translator = dsim.bot.tree.translator
    assert translator is not None
    names = {}
    for kind in (discord.AppCommandType.user, discord.AppCommandType.message):
        for menu in dsim.bot.tree.get_commands(type=kind):
            payload = await menu.get_translated_payload(dsim.bot.tree, translator)
            names[menu.name] = payload["name_localizations"]
            assert payload.get("contexts") == [0], menu.name  # guild only
    assert names["Thank"]["fr"] == "Remercier" and names["View profile"]["fr"] == "Voir le profil"
    assert names["Report to animators"]["fr"] == "Signaler à l'équipe d'animation"
    assert names["Thank"]["en-US"] == "Thank"


async def test_thank_from_the_member_menu_runs_thanks(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    out = await dsim.menu(alice, "Thank", bob)
    assert len(out) == 1 and out[0].ephemeral
    call = dsim.calls[-1]
    assert call.name == "thanks" and call.options == {"member": str(bob.id)}
    assert call.reply.ok and "kudos_id" in call.reply.data
    posted = await sent_to(dsim, "general")
    assert any(f"<@{bob.id}>" in m.content for m in posted)
    await dsim.menu(alice, "Thank", alice)  # yourself: the engine's rule, localized, ephemeral
    assert dsim.calls[-1].reply.error == "conflict"


async def test_view_profile_shows_what_the_viewer_may_see(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="plomberie", visible=False)
    out = await dsim.menu(alice, "View profile", bob)
    assert len(out) == 1 and out[0].ephemeral
    assert dsim.calls[-1].name == "profile show" and not dsim.calls[-1].reply.ok  # hidden from alice
    out = await dsim.menu(bob, "View profile", bob, locale="en-US")
    assert dsim.calls[-1].reply.ok and "plomberie" in out[0].content and out[0].ephemeral


async def test_report_posts_the_link_to_animators_and_is_audited(dsim: DiscordSim) -> None:
    alice, carol = dsim.members["alice"], dsim.members["carol"]
    message = dsim.message_payload(carol)
    out = await dsim.menu(alice, "Report to animators", message)
    assert len(out) == 1 and out[0].ephemeral
    call = dsim.calls[-1]
    link = f"https://discord.com/channels/{dsim.guild.id}/{message['channel_id']}/{message['id']}"
    assert call.name == "report" and call.options == {"message": link, "member": str(carol.id)}
    assert call.reply.ok, call.reply.text
    case_id = call.reply.data["case_id"]
    async with dsim.engine.ctx.db.reader.execute(
            "SELECT action, reason FROM mod_case WHERE id = ?", (case_id,)) as cur:
        assert tuple(await cur.fetchone()) == ("report", link)
    posted = await dsim.deliver()
    to_animators = [m for m in posted if m.channel.name == "animators"]
    to_log = [m for m in posted if m.channel.name == "mod-log"]
    assert len(to_animators) == 1 and link in to_animators[0].content and "alice" in to_animators[0].content
    assert len(to_log) == 1 and f"{case_id}" in to_log[0].content
    assert "<@" not in to_animators[0].content  # nobody is pinged by a report
    assert not dsim.bot.intents.message_content  # the menu works without reading any message


async def test_a_bots_message_is_reported_without_an_author(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    for message in (dsim.message_payload(dsim.members["dave"], webhook=True), dsim.message_payload(
            dsim.members["dave"], bot=True, author_id=str(10**18))):
        await dsim.menu(alice, "Report to animators", message)
        call = dsim.calls[-1]
        assert call.reply.ok and call.options is not None and "member" not in call.options, call.options
        assert call.reply.data["member"] is None


async def test_reporting_your_own_message_changes_nothing(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    out = await dsim.menu(alice, "Report to animators", dsim.message_payload(alice))
    assert out[0].ephemeral and dsim.calls[-1].reply.error == "conflict"
    async with dsim.engine.ctx.db.reader.execute("SELECT COUNT(*) FROM mod_case WHERE action = 'report'") as cur:
        assert (await cur.fetchone())[0] == 0
