"""Each side of the network in its own community (issue 22): a widened request's helper is told through
their own community (platform, channels, words) and its requester through the asking one; another
community's event reads in its own zone; a member sees whether they share their profile. Real SQLite
(or PostgreSQL under ENTRAIDE_TEST_DB=postgresql), three or two communities on one database."""
from __future__ import annotations

import json
from datetime import timedelta

from bot.config import Config
from bot.services import event_outreach, request_notices
from storage import requests as requests_repo
from tests.harness import Sim
from tests.network_places import click, command, network, onboard, place


async def test_profile_show_tells_the_owner_whether_they_share_with_the_network(sim: Sim) -> None:
    lilas, pantin = sim.ctx, place(sim, "pantin", "Pantin")
    network(sim, pantin, place(sim, "montreuil", "Montreuil"))
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(pantin, "paul")
    await onboard(lilas, "alice", locale="en")
    own = await command(pantin, "zoe", "profile show")
    assert own["data"]["network"] is True and "Partagé avec le réseau Réseau : oui" in own["text"]
    other = await command(pantin, "paul", "profile show", member="zoe")
    assert "network" not in other["data"] and "réseau" not in other["text"]  # the owner's choice, told to them
    anim = await command(pantin, "anim", "profile show", member="zoe", roles=("animator",))
    assert "network" not in anim["data"]
    assert (await command(pantin, "paul", "profile show"))["data"]["network"] is False
    english = await command(lilas, "alice", "profile show")
    assert english["data"]["network"] is False and "Shared with the Réseau network: no" in english["text"]
    alone = await Sim(sim.db.parent / "alone.sqlite").open()
    try:
        await alone.onboard("solo")
        reply = await alone.command("solo", "profile show")
        assert "network" not in reply["data"] and "réseau" not in reply["text"]  # a network of one: nothing said
        assert (await alone.command("solo", "profile set", network=True))["ok"]
        assert (await alone.command("solo", "profile show"))["data"]["network"] is True
    finally:
        await alone.close()


def _abroad(sim: Sim, ident: str, name: str, locale: str, timezone: str, help_channel: str = "help-requests"):  # noqa: ANN202
    """Another community with its own language, zone and help channel."""
    base = Config()
    config = base.model_copy(update={
        "community": base.community.model_copy(update={"locale": locale, "timezone": timezone}),
        "channels": base.channels.model_copy(update={"help_requests": help_channel})})
    return place(sim, ident, name, config)


async def _payloads(ctx, user: str) -> list[dict]:  # noqa: ANN001
    """What the community's outbox holds for or about this user (its DMs, and posts mentioning them)."""
    rows = await ctx.db.fetchall("SELECT kind, target, payload FROM outbox WHERE guild_id = ? ORDER BY id",
                                 (ctx.guild_id,))
    found = [{"kind": r[0], "target": r[1], **json.loads(r[2])} for r in rows]
    return [m for m in found if m["target"] == f"dm:{user}" or f"<@{user}>" in (m.get("text") or "")]


async def test_a_widened_requests_helper_is_told_through_their_own_community_in_its_words(sim: Sim) -> None:
    lilas = sim.ctx  # French, help channel « help-requests »
    london = _abroad(sim, "london", "London", "en", "Europe/London", help_channel="help-en")
    network(sim, london)
    await onboard(london, "zoe", locale=None, skills="plomberie", network=True)  # London's language: English
    await onboard(lilas, "alice")
    await onboard(lilas, "bob")
    first = (await command(lilas, "alice", "request new", title="Fuite", skills="plomberie"))["data"]["request_id"]
    assert (await command(lilas, "alice", "request widen", id=first))["data"]["pinged"] == ["zoe"]
    assert (await command(lilas, "bob", "request claim", id=first))["ok"]  # taken at home, by a local member
    taken = [m for m in await _payloads(london, "zoe") if m["kind"] == "request-update"]
    assert len(taken) == 1 and taken[0]["target"] == "dm:zoe", taken
    assert taken[0]["text"].startswith("The request “Fuite”") and "found its helper" in taken[0]["text"]
    assert taken[0]["fallback"] == {"channel": "help-en", "thread": None}  # London's channel, no Lilas thread
    assert [m for m in await _payloads(lilas, "zoe") if m["kind"] == "request-update"] == []

    second = (await command(lilas, "alice", "request new", title="Robinet", skills="plomberie"))["data"][
        "request_id"]
    await command(lilas, "alice", "request widen", id=second)
    assert (await click(london, "zoe", f"request:claim:{second}"))["ok"]
    to_alice = [m for m in await _payloads(lilas, "alice") if "Robinet" in (m.get("text") or "")]
    assert len(to_alice) == 1 and "Bonne nouvelle" in to_alice[0]["text"] and "London" in to_alice[0]["text"]
    assert to_alice[0]["fallback"]["channel"] == "help-requests"  # the asking side: its own community
    async with lilas.db.transaction() as tx:
        request = await requests_repo.by_id(tx, lilas.guild_id, second)
        await request_notices.follow_up(tx, lilas, request)  # a week later: "is it done?" to both sides
    followups = [m for m in await _payloads(london, "zoe") if "Is it done?" in (m.get("text") or "")]
    assert len(followups) == 1 and followups[0]["components"][0]["label"] == "It's done", followups
    assert any("est-elle réglée" in (m.get("text") or "") for m in await _payloads(lilas, "alice"))
    assert not any("zoe" in m["target"] for m in await _payloads(lilas, "zoe"))  # nothing to her via Lilas
    done = await click(london, "zoe", followups[0]["components"][0]["custom_id"])  # the button works at home
    assert done["ok"] and done["data"]["status"] == "resolved", done

    third = (await command(lilas, "alice", "request new", title="Évier", skills="plomberie"))["data"]["request_id"]
    await command(lilas, "alice", "request widen", id=third)
    async with london.db.transaction() as tx:
        await tx.execute("UPDATE member SET dms_closed = 1 WHERE guild_id = ? AND platform_id = ?", ("london", "zoe"))
    assert (await command(lilas, "alice", "request cancel", id=third))["ok"]
    cancelled = [m for m in await _payloads(london, "zoe") if "was cancelled" in (m.get("text") or "")]
    assert len(cancelled) == 1 and cancelled[0]["target"] == "channel:help-en", cancelled  # DMs closed
    assert not any("annulée" in (m.get("text") or "") for m in await _payloads(lilas, "zoe"))


async def test_another_communitys_event_reads_in_its_own_time_zone_and_says_which(sim: Sim) -> None:
    lilas = sim.ctx
    montreal = _abroad(sim, "montreal", "Montréal", "fr", "America/Montreal")
    network(sim, montreal)
    anim = ("animator",)
    await onboard(montreal, "mo")
    await onboard(lilas, "alice")
    await onboard(lilas, "amy", locale="en")
    opened = await command(montreal, "mo", "event new", roles=anim, title="Cabane à sucre", when="samedi 14h",
                           end="samedi 16h", network=True)
    assert opened["ok"], opened
    rid = opened["data"]["event_id"]
    assert opened["data"]["start"].endswith("14:00:00-05:00")
    home = await command(montreal, "mo", "event show", id=rid)  # at home: its own zone, nothing added
    assert "14 h" in home["text"] and "heure de" not in home["text"] and "timezone" not in home["data"]
    shown = await command(lilas, "alice", "event show", id=rid)  # from Paris: still 14 h, Montréal's
    assert shown["ok"], shown
    assert "de 14 h à 16 h, heure de Montréal" in shown["text"], shown["text"]
    assert "20 h" not in shown["text"]
    assert shown["data"]["timezone"] == "America/Montreal"
    assert shown["data"]["start"].endswith("14:00:00-05:00") and shown["data"]["end"].endswith("16:00:00-05:00")
    english = await command(lilas, "amy", "event show", id=rid)
    assert ", Montreal time" in english["text"], english["text"]
    listed = await command(lilas, "alice", "event list", network=True)
    assert "(heure de Montréal)" in listed["text"]
    joined = await command(lilas, "alice", "event join", id=rid)
    assert joined["ok"] and "heure de Montréal" in joined["text"], joined
    async with montreal.db.transaction() as tx:  # the day before, Montréal's job reminds who comes
        await event_outreach.run_events(tx, montreal, montreal.now() + timedelta(days=4))
    reminders = [m for m in await _payloads(lilas, "alice") if m["kind"] == "event-reminder"]
    assert len(reminders) == 1 and reminders[0]["text"].startswith("🔔 Rappel : demain"), reminders
    assert "de 14 h à 16 h, heure de Montréal" in reminders[0]["text"]  # through Les Lilas, in her words
    assert [m for m in await _payloads(montreal, "alice") if m["kind"] == "event-reminder"] == []
    local = await command(lilas, "alice", "event new", roles=anim, title="Apéro", when="vendredi 19h")
    local_shown = await command(lilas, "alice", "event show", id=local["data"]["event_id"])
    assert "19 h" in local_shown["text"] and "heure de" not in local_shown["text"]


def test_a_zone_reads_in_the_readers_language_with_french_city_names() -> None:
    from zoneinfo import ZoneInfo

    from bot.context import Community
    from bot.i18n import Translator
    from bot.services.event_cards import zone_words

    ctx = Community.__new__(Community)
    ctx.i18n = Translator()
    said = {key: (zone_words(ctx, "fr", ZoneInfo(key)), zone_words(ctx, "en", ZoneInfo(key)))
            for key in ("America/Montreal", "Europe/Brussels", "Europe/Zurich", "Europe/London",
                        "Europe/Amsterdam", "Indian/Reunion", "Asia/Kolkata", "America/Argentina/Buenos_Aires")}
    assert said["America/Montreal"] == ("heure de Montréal", "Montreal time")
    assert said["Europe/Brussels"] == ("heure de Bruxelles", "Brussels time")
    assert said["Europe/Zurich"] == ("heure de Zurich", "Zurich time")  # Geneva's zone too
    assert said["Europe/London"] == ("heure de Londres", "London time")
    assert said["Europe/Amsterdam"] == ("heure d'Amsterdam", "Amsterdam time")  # elided before a vowel
    assert said["Indian/Reunion"] == ("heure de la Réunion", "Reunion time")
    assert said["Asia/Kolkata"] == ("heure de Kolkata", "Kolkata time")  # not in the table: the tz city
    assert said["America/Argentina/Buenos_Aires"] == ("heure de Buenos Aires", "Buenos Aires time")


def _bound(sim: Sim, ident: str, name: str, *, guild: str = "", group: str = "", locale: str = "fr"):  # noqa: ANN202
    """Another community on Discord (`guild`) or Signal (`group`): what decides how people are named."""
    base = Config()
    config = base.model_copy(update={"community": base.community.model_copy(update={"guild_id": guild,
                                                                                     "locale": locale})})
    if group:
        config = config.model_copy(update={"signal": config.signal.model_copy(update={"group": group})})
    return place(sim, ident, name, config)


async def _mentions_that_would_not_resolve(ctx) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """Every outbox row (of every community) mentioning someone its platform cannot resolve: a member of
    another community, unless both communities are on Discord (a user id is Discord-wide)."""
    from bot.mentions import MENTION_TOKEN
    from bot.services import network_shared as net

    homes: dict[str, set[str]] = {}
    for guild, platform_id in await ctx.db.fetchall("SELECT guild_id, platform_id FROM member", ()):
        homes.setdefault(platform_id, set()).add(guild)
    wrong = []
    for guild, target, payload in await ctx.db.fetchall("SELECT guild_id, target, payload FROM outbox", ()):
        text = json.loads(payload).get("text") or ""
        place = net.by_guild_key(ctx, guild)
        for token in MENTION_TOKEN.findall(text):
            theirs = homes.get(token, set())
            discord_wide = place.config.community.guild_id and any(
                net.by_guild_key(ctx, g).config.community.guild_id for g in theirs)
            if guild not in theirs and not discord_wide:
                wrong.append((guild, target, text))
    return wrong


async def test_people_of_a_widened_request_are_named_readably_across_platforms(sim: Sim) -> None:
    """Discord ↔ Signal ↔ console: each side reads the other by display name (and community where the
    sentence does not say it), never a mention their platform cannot resolve; between two Discord servers
    the mention stays beside the name (it opens the profile)."""
    lilas = sim.ctx  # Discord
    lilas.config = lilas.config.model_copy(update={"community": lilas.config.community.model_copy(
        update={"guild_id": "111111111111111111"})})
    ours = _bound(sim, "ours", "La Tanière", guild="222222222222222222", locale="en")  # Discord
    quai = _bound(sim, "quai", "Le Quai", group="cXVhaS1ncm91cC1lbnRyYWlkZS0wMDAwMDAwMDAwMDAwMDA=")  # Signal
    atelier = place(sim, "atelier", "L'Atelier")  # console only
    network(sim, ours, quai, atelier)
    await onboard(ours, "zoe", locale=None, skills="plomberie", network=True)  # La Tanière's English
    await onboard(quai, "sam", skills="couture", network=True)
    await onboard(atelier, "cleo", skills="vélo", network=True)
    await onboard(lilas, "alice", skills="vélo", network=True)

    # Asked on Signal, taken on Discord: intro both ways, follow-up both ways, thanks.
    rid = (await command(quai, "sam", "request new", title="Fuite", skills="plomberie"))["data"]["request_id"]
    assert (await command(quai, "sam", "request widen", id=rid))["data"]["pinged"] == ["zoe"]
    assert (await click(ours, "zoe", f"request:claim:{rid}"))["ok"]
    [to_sam] = [m for m in await _payloads(quai, "sam") if m["kind"] == "request-update"]
    assert "Bonne nouvelle : zoe, de la communauté La Tanière" in to_sam["text"], to_sam["text"]
    [to_zoe] = [m for m in await _payloads(ours, "zoe") if m["kind"] == "request-update"]
    assert "You are helping sam, from the Le Quai community" in to_zoe["text"], to_zoe["text"]
    async with quai.db.transaction() as tx:
        await request_notices.follow_up(tx, quai, await requests_repo.by_id(tx, quai.guild_id, rid))
    followups = [m["text"] for m in await _payloads(quai, "sam") if "réglée" in (m.get("text") or "")]
    assert len(followups) == 1 and "avec zoe (La Tanière)" in followups[0], followups
    assert any("helping sam (Le Quai)" in (m.get("text") or "") for m in await _payloads(ours, "zoe"))
    assert (await command(quai, "sam", "request resolve", id=rid, thanks="zoe"))["ok"]
    [thanks] = [m for m in await _payloads(ours, "zoe") if m["kind"] == "thanks"]
    assert thanks["text"].startswith("💛 sam, from the Le Quai community"), thanks["text"]

    # Asked on Discord, taken on Discord in another server: the name, and the mention beside it.
    rid = (await command(lilas, "alice", "request new", title="Robinet", skills="plomberie"))["data"]["request_id"]
    await command(lilas, "alice", "request widen", id=rid)
    assert (await command(ours, "zoe", "request claim", id=rid))["ok"]
    to_alice = [m["text"] for m in await _payloads(lilas, "alice") if "Robinet" in (m.get("text") or "")
                and "Bonne nouvelle" in m["text"]]
    assert to_alice and "zoe (<@zoe>), de la communauté La Tanière" in to_alice[0], to_alice

    # Asked on Discord, taken from the console-only place and from Signal: names, no mentions.
    rid = (await command(atelier, "cleo", "request new", title="Crevaison", skills="vélo"))["data"]["request_id"]
    await command(atelier, "cleo", "request widen", id=rid)
    assert (await command(lilas, "alice", "request claim", id=rid))["ok"]
    assert any("Bonne nouvelle : alice, de la communauté Les Lilas" in (m.get("text") or "")
               for m in await _payloads(atelier, "cleo"))
    assert any("Vous aidez cleo, de la communauté L'Atelier" in (m.get("text") or "")
               for m in await _payloads(lilas, "alice"))
    rid = (await command(lilas, "alice", "request new", title="Ourlet", skills="couture"))["data"]["request_id"]
    await command(lilas, "alice", "request widen", id=rid)
    assert (await command(quai, "sam", "request claim", id=rid))["ok"]
    assert (await command(lilas, "alice", "request resolve", id=rid, thanks="sam"))["ok"]
    assert any((m.get("text") or "").startswith("💛 alice, de la communauté Les Lilas")
               for m in await _payloads(quai, "sam"))
    status = await lilas.db.fetchall("SELECT payload FROM outbox WHERE guild_id = ? AND op = 'edit'",
                                     (lilas.guild_id,))
    assert any("sam (Le Quai)" in (json.loads(p[0]).get("status") or "") for p in status), status
    assert await _mentions_that_would_not_resolve(lilas) == []
