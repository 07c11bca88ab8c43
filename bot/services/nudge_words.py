"""The words of the weekly nudges: each member's DM as an outbox row, built from frames shared by many.

Split from bot/services/engagement.py (which members are nudged, and why); this module only writes
what they receive, the same text as a full rendering would give.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring  # a str as a JSON string: the C encoder, no dispatch

from bot.clock import from_epoch
from bot.context import Community
from bot.mentions import mention, neutralize
from bot.outbox import Component
from bot.services.digest import short_line
from storage.engagement import NudgeTarget


def off_button(ctx: Community, locale: str) -> Component:
    return Component("nudges:off", ctx.t(locale, "engagement.nudge.off_button"), style="secondary")


_json_text = json.JSONEncoder(ensure_ascii=False).encode  # one string: the C encoder's fast path

# Stands for the member's name while a message frame is built (a private-use pair no catalogue has;
# NudgeWords._frame checks that it ends up only where the name goes).
_NAME_SLOT = "\ue000\ue001"
_NAME_PROBE = 'P@"\\\n'  # a name with everything JSON or neutralize would change, to check a frame


def _name_json(handle: str) -> str:
    """A member's name as it sits inside a JSON string of a payload (neutralized, encoded, no quotes)."""
    return encode_basestring(neutralize(handle))[1:-1]


def _buttons_json(components: list[Component], cache: dict[tuple[Component, ...], str]) -> str:
    key = tuple(components)
    if key not in cache:
        cache[key] = json.dumps([c.as_dict() for c in components], ensure_ascii=False)
    return cache[key]


_SHARED_DATES: dict[tuple[str, str, str, int], str] = {}  # see NudgeWords.date
_SHARED_SLOTS: dict[tuple[str, str, str], int] = {}  # name slots of a checked frame: see NudgeWords._frame
# Profile frames, shared by the communities of a network: keyed by everything such a DM depends on (see
# NudgeWords.outbox_rows). 300 communities of 333 members each built a frame for nearly every profile nudge
# (a few per day of the year each), where one community of 100,000 built one per day.
_SHARED_FRAMES: dict[tuple[object, ...], list[str] | None] = {}


class NudgeWords:
    """Nudge rows for many members: per-locale pieces, dates and whole messages are built once.

    At 100,000 members a run writes about 75,000 DMs that differ, for a given locale and subject
    (the same request, the same day), only by the member's name: the JSON payload is built once per
    such frame, split where the name goes, and each row just joins the pieces around the encoded
    name. A frame is checked against a full rendering before use; DMs to members who refuse them
    (a mention in a channel instead) are built in full.
    """

    def __init__(self, ctx: Community) -> None:
        self.ctx = ctx
        self._memo: dict[tuple[str, ...], str] = {}
        self._buttons: dict[str, Component] = {}
        self._buttons_json: dict[tuple[Component, ...], str] = {}
        self._locales: dict[str | None, str] = {}
        self._frames: dict[tuple[object, ...], list[str] | None] = {}
        # What a profile DM depends on besides its locale and day: the day's words (zone, this year),
        # the catalogue's fallback locale, the channel a closed DM would go to (closed DMs are built in full).
        self._profile_shape = (ctx.tz.key, ctx.local().year, ctx.i18n.default_locale, ctx.config.channels.general)

    def _once(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def locale(self, locale: str | None) -> str:
        if locale not in self._locales:
            self._locales[locale] = self.ctx.i18n.locale_or_default(locale)
        return self._locales[locale]

    def off_button(self, locale: str) -> Component:
        if locale not in self._buttons:
            self._buttons[locale] = off_button(self.ctx, locale)
        return self._buttons[locale]

    def claim_label(self, locale: str) -> str:
        return self._once(("claim", locale), lambda: self.ctx.t(locale, "engagement.nudge.claim_button"))

    def day(self, epoch: int) -> str:
        """The community-calendar day of an instant: the key under which its date is formatted."""
        return from_epoch(epoch).astimezone(self.ctx.tz).date().isoformat()

    def date(self, locale: str, epoch: int) -> str:
        """A day in words, shared by every community of a network with the same language, timezone and year
        (300 communities would otherwise each format the same few hundred days)."""
        ctx = self.ctx
        key = (locale, ctx.tz.key, self.day(epoch), ctx.local().year)
        words = _SHARED_DATES.get(key)
        if words is None:
            if len(_SHARED_DATES) > 20_000:
                _SHARED_DATES.clear()
            words = _SHARED_DATES[key] = ctx.i18n.date(locale, from_epoch(epoch))
        return words

    def text(self, locale: str, target: NudgeTarget, reason: str) -> str:
        ctx = self.ctx
        name = neutralize(target.handle)
        if reason == "request":
            body = ctx.t(locale, "engagement.nudge.request", name=name, title=short_line(target.request_title or ""),
                         id=target.request_id)
        elif reason == "godchild":
            body = ctx.t(locale, "engagement.nudge.godchild_quiet", name=name,
                         godchild=neutralize(target.godchild_handle or ""))
        elif reason == "profile":
            body = ctx.t(locale, "engagement.nudge.profile", name=name,
                         since=self.date(locale, target.stale_since or 0))
        else:
            community = neutralize(ctx.config.community.name)
            body = ctx.t(locale, "engagement.nudge.hello", name=name, community=community)
        hint = self._once(("hint", locale), lambda: ctx.t(locale, "engagement.nudge.off_hint"))
        return body + "\n\n" + hint

    def components(self, locale: str, target: NudgeTarget, reason: str) -> list[Component]:
        if reason == "request":
            return [Component(f"request:claim:{target.request_id}", self.claim_label(locale)), self.off_button(locale)]
        return [self.off_button(locale)]

    def payload(self, locale: str, target: NudgeTarget, reason: str) -> str:
        """The outbox payload JSON in full, as send_dm would write it (closed DMs become a mention).

        Assembled from encoded pieces (the buttons once per request and locale): encoding a dict
        per nudge was a good part of a 100,000-member run.
        """
        ctx = self.ctx
        text = self.text(locale, target, reason)
        buttons = _buttons_json(self.components(locale, target, reason), self._buttons_json)
        if target.dms_closed:
            user = _json_text(target.platform_id)
            return (f'{{"text": {_json_text(mention(target.platform_id) + " " + text)}, "mentions": [{user}], '
                    f'"components": {buttons}, "for_user": {user}}}')
        channel = ctx.config.channels.help_requests if reason == "request" else ctx.config.channels.general
        return (f'{{"text": {_json_text(text)}, "mentions": [], "components": {buttons}, '
                f'"fallback": {{"channel": {_json_text(channel)}}}}}')

    def _frame(self, locale: str, target: NudgeTarget, reason: str) -> list[str] | None:
        """The payload split where the name goes, or None when it cannot be trusted (rows built in full).

        The first frame of a locale and rule is checked against a full rendering for a probe name (the
        catalogue text takes the name as is); the others only need as many name slots (so no title,
        godchild or date text happened to contain the slot).
        """
        parts = self.payload(locale, target._replace(handle=_NAME_SLOT), reason).split(_NAME_SLOT)
        # The check is about the catalogue (does its text take the name as is?): shared by the communities
        # of a network that speak the same language and are named alike in it.
        shape = (locale, reason, neutralize(self.ctx.config.community.name) if reason == "hello" else "")
        if shape not in _SHARED_SLOTS:
            probe = target._replace(handle=_NAME_PROBE)
            if _name_json(_NAME_PROBE).join(parts) != self.payload(locale, probe, reason):
                return None
            if len(_SHARED_SLOTS) > 10_000:
                _SHARED_SLOTS.clear()
            _SHARED_SLOTS[shape] = len(parts)
        return parts if len(parts) == _SHARED_SLOTS[shape] else None

    def outbox_rows(self, chosen: list[tuple[NudgeTarget, str, int | None]], week: str, now: int) -> list[tuple]:
        """One paced DM per (member, reason, subject), in order, as storage/outbox.enqueue_many takes them:
        a DM from the frame of its locale, rule and subject (a frame failing its check, and closed DMs,
        which become a mention in a channel, are built in full). One loop, little work per row."""
        ctx, frames, locales = self.ctx, self._frames, self._locales
        guild, key_prefix = ctx.guild_id, ctx.key(f"nudge:{week}:")
        rows: list[tuple] = []
        append = rows.append
        for target, reason, subject in chosen:
            key = f"{key_prefix}{target.member_id}"
            locale = locales.get(target.locale) or self.locale(target.locale)
            if target.dms_closed:
                channel = ctx.config.channels.help_requests if reason == "request" else ctx.config.channels.general
                append((guild, "nudge", "send", f"channel:{channel}", self.payload(locale, target, reason), 1, now,
                        key, now))
                continue
            if reason == "profile":  # the same frame in every community of the same shape
                frame_key: tuple[object, ...] = (locale, reason, self.day(target.stale_since or 0),
                                                 *self._profile_shape)
                store = _SHARED_FRAMES
            else:
                frame_key, store = (locale, reason, subject), frames
            parts = store.get(frame_key)
            if parts is None and frame_key not in store:
                if len(store) > 20_000:
                    store.clear()
                parts = store[frame_key] = self._frame(locale, target, reason)
            if parts is None:
                payload = self.payload(locale, target, reason)
            else:
                payload = _name_json(target.handle).join(parts)
            append((guild, "nudge", "send", f"dm:{target.platform_id}", payload, 1, now, key, now))
        return rows
