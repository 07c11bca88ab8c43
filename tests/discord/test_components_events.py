"""Persistent buttons and selects through discord.py's DynamicItem dispatch; server events through dpytest."""
from __future__ import annotations

import discord
import discord.ext.test as dpytest
import pytest
from discord import app_commands

from bot.commands.registry import Reply
from cogs.bot import bot_intents
from cogs.translator import CatalogueTranslator
from cogs.views import DYNAMIC_ITEMS, item_for
from storage import members as members_repo
from tests.discord.conftest import DiscordSim, settle


async def member_of(dsim: DiscordSim, user: discord.abc.User) -> members_repo.Member | None:
    ctx = dsim.engine.ctx
    return await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, str(user.id))


async def test_joining_sends_the_welcome_dm_and_accepting_grants_the_member_role(dsim: DiscordSim) -> None:
    erin = await dpytest.member_join(0, name="erin")
    await dpytest.run_all_events()
    assert await member_of(dsim, erin) is not None
    sent = await dsim.deliver()
    welcome = [m for m in sent if isinstance(m.channel, discord.DMChannel)]
    assert welcome, [m.content for m in sent]
    charter = await dsim.command(dsim.guild.get_member(erin.id), "charter")
    components = [c.as_dict() for c in dsim.calls[-1].reply.components]
    assert [c["custom_id"] for c in components] == ["charter:accept"]
    assert charter[0].custom_ids == ["charter:accept"]
    # The click comes from the DM, hours later: only the custom id carries the state.
    out = await dsim.click(dsim.guild.get_member(erin.id), components, "charter:accept", dm=True)
    assert len(out) == 1 and out[0].ephemeral
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.deliver()
    assert dsim.roles["member"] in dsim.guild.get_member(erin.id).roles
    row = await member_of(dsim, erin)
    assert row is not None and row.charter_accepted_at is not None
    # /charter again: the text and when it was accepted, no button to click a second time.
    again = await dsim.command(dsim.guild.get_member(erin.id), "charter")
    assert again[0].custom_ids == [] and dsim.calls[-1].reply.components == []
    assert "Vous avez accepté cette charte le " in again[0].content, again[0].content


async def test_request_claim_button(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(alice, "request new", title="Déménagement", skills="bras")
    created = dsim.calls[-1].reply
    if not created.ok:
        pytest.skip(f"request new not available yet: {created.error}")
    custom_id = f"request:claim:{created.data['request_id']}"
    out = await dsim.click(bob, [{"custom_id": custom_id, "label": "Je m'en occupe"}], custom_id)
    assert len(out) == 1
    assert dsim.calls[-1].name == custom_id
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    again = await dsim.click(alice, [{"custom_id": custom_id, "label": "Je m'en occupe"}], custom_id)
    assert len(again) == 1 and again[0].ephemeral
    assert dsim.calls[-1].reply.error in {"conflict", "permission_denied"}


async def test_motm_vote_select_passes_the_chosen_value(dsim: DiscordSim) -> None:
    bob = dsim.members["bob"]
    component = {"custom_id": "motm:vote:7", "label": "Vote", "options": [
        {"label": "carol", "value": str(dsim.members["carol"].id)}, {"label": "dave", "value": "dave"}]}
    out = await dsim.click(bob, [component], "motm:vote:7", values=[str(dsim.members["carol"].id)])
    assert len(out) == 1
    assert dsim.calls[-1].name == "motm:vote:7"
    assert dsim.calls[-1].options == {"values": [str(dsim.members["carol"].id)]}


async def test_nudges_off_button(dsim: DiscordSim) -> None:
    bob = dsim.members["bob"]
    out = await dsim.click(bob, [{"custom_id": "nudges:off", "label": "Stop"}], "nudges:off", dm=True)
    assert len(out) == 1
    assert dsim.calls[-1].name == "nudges:off"
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text


async def test_a_stale_or_unknown_button_still_gets_one_answer(dsim: DiscordSim) -> None:
    bob = dsim.members["bob"]
    out = await dsim.click(bob, [{"custom_id": "poll:gone:3", "label": "?"}], "poll:gone:3")
    assert len(out) == 1 and out[0].ephemeral
    assert dsim.calls[-1].reply.error == "not_found"


def test_each_custom_id_has_exactly_one_persistent_item() -> None:
    for custom_id in ("charter:accept", "nudges:off", "request:claim:12", "motm:vote:3", "request:resolve:4"):
        matching = [cls for cls in DYNAMIC_ITEMS if cls.__discord_ui_compiled_template__.fullmatch(custom_id)]
        assert len(matching) == 1, (custom_id, matching)
        assert isinstance(item_for({"custom_id": custom_id, "label": "x"}), tuple(DYNAMIC_ITEMS))


async def test_messages_are_counted_not_read(dsim: DiscordSim) -> None:
    assert not bot_intents().message_content and bot_intents().members
    alice = dsim.members["alice"]
    await dpytest.message("bonjour", channel=dsim.channel("general"), member=alice)
    await dsim.engine.activity.flush()
    async with dsim.engine.ctx.db.reader.execute(
        "SELECT SUM(messages) FROM activity_day a JOIN member m ON m.id = a.member_id WHERE m.platform_id = ?",
        (str(alice.id),),
    ) as cur:
        row = await cur.fetchone()
    assert row[0] == 1


async def test_leaving_and_role_changes_reach_the_engine(dsim: DiscordSim) -> None:
    carol = dsim.members["carol"]
    await dsim.engine.ensure_member(str(carol.id), carol.name)
    dsim.give_role(carol, dsim.roles["animator"])
    await dpytest.run_all_events()
    assert "animator" in await dsim.engine.roles_of(str(carol.id))
    from discord.ext.test import backend

    backend.delete_member(carol)
    await dpytest.run_all_events()
    row = await member_of(dsim, carol)
    assert row is not None and row.left_at is not None


async def test_descriptions_are_localized_from_the_catalogues(dsim: DiscordSim) -> None:
    translator = CatalogueTranslator(dsim.engine.ctx.i18n)
    help_cmd = dsim.bot.tree.get_command("help")
    assert help_cmd is not None
    payload = await help_cmd.get_translated_payload(dsim.bot.tree, translator)
    words = dsim.engine.ctx.i18n
    assert payload["description_localizations"]["fr"] == words.catalogues["fr"]["core.help.help"]
    assert payload["description_localizations"]["en-US"] == words.catalogues["en"]["core.help.help"]
    assert "name_localizations" not in payload or not payload["name_localizations"]
    mod = dsim.bot.tree.get_command("mod")
    group_payload = await mod.get_translated_payload(dsim.bot.tree, translator)
    warn = next(o for o in group_payload["options"] if o["name"] == "warn")
    member_opt = next(o for o in warn["options"] if o["name"] == "member")
    assert member_opt["description_localizations"]["fr"] == "Un membre du serveur"
    assert int(group_payload["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)
    assert await translator.translate(app_commands.locale_str("x", key="discord.group.mod"),
                                      discord.Locale.german, context) is None


async def test_slow_work_is_deferred_then_followed_up(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import cogs.base

    monkeypatch.setattr(cogs.base, "DEFER_AFTER_SECONDS", 0.01)
    engine = dsim.engine
    fast = engine.command

    async def slow(actor, name, options):  # noqa: ANN001, ANN202
        await asyncio.sleep(0.05)
        return Reply(ok=True, text="fini", data={})

    engine.command = slow  # type: ignore[method-assign]
    try:
        out = await dsim.command(dsim.members["alice"], "help")
    finally:
        engine.command = fast  # type: ignore[method-assign]
    await settle()
    assert [r.kind for r in out] == ["callback", "followup"]
    assert out[0].type == 5  # deferred, "thinking"
    assert out[1].content == "fini"


async def test_before_the_charter_a_slash_command_offers_the_accept_button(dsim: DiscordSim) -> None:
    erin = await dpytest.member_join(0, name="erin")
    await dpytest.run_all_events()
    out = await dsim.command(dsim.guild.get_member(erin.id), "skills")
    reply = dsim.calls[-1].reply
    assert reply.error == "not_eligible", reply
    assert len(out) == 1 and out[0].ephemeral and out[0].custom_ids == ["charter:accept"]
    assert "⟦" not in out[0].content and "/charter" in out[0].content  # the hint in Discord's syntax
