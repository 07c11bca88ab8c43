"""The outbox transport for Signal: one outbox row → one or a few `send` calls to signal-cli.

The dispatcher (bot/outbox.py) owns pacing, retries and the closed-DM fallback. Here: where a row
goes (a logical channel → the community's group or the one `[signal.channels]` names), who is
really mentioned, DMs only to members who wrote to the bot (the others → `DMClosed`, hence the
mention in the group), long texts in parts, files as attachments, components as text lines whose
message timestamps are kept so that reactions become clicks, and signal-cli's failures sorted
(rate limit → wait `retryAfterSeconds`; captcha → sending pauses and the animators are told once).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.commands.hints import SIGNAL, render_hints
from bot.outbox import DMClosed, Outgoing, PermanentDeliveryError, TransientDeliveryError, post
from bot.transports.signal_commands import component_lines
from bot.transports.signal_errors import (
    AccountNotRegistered,
    CaptchaRequired,
    classify_send_failure,
    classify_send_result,
)
from bot.transports.signal_rpc import RpcError
from bot.transports.signal_text import Body, aci_of, render, split_body
from storage import members as members_repo
from storage import signal as signal_repo

if TYPE_CHECKING:
    from bot.transports.signal import SignalServer

log = logging.getLogger(__name__)

ALERT_KIND = "signal-alert"


class SignalDelivery:
    """`bot.outbox.Transport` for Signal."""

    def __init__(self, server: SignalServer) -> None:
        self.server = server
        self.paused_until = None  # while a captcha waits: only a probe (or the alert) goes out
        self.challenge: str | None = None
        self._parts_done: dict[int, int] = {}  # outbox id → parts already sent (a retry resumes there)

    @property
    def settings(self) -> Any:
        return self.server.settings

    # Entry point -----------------------------------------------------------------------------

    async def deliver(self, message: Outgoing) -> str | None:
        """Sends; an edit or a thread change does nothing here (a later message says what changed)."""
        if message.op in ("edit", "thread"):
            return None
        ctx = self.server.engine.ctx
        if self.paused_until is not None and message.kind != ALERT_KIND and ctx.now() < self.paused_until:
            raise TransientDeliveryError("sending paused until the captcha is solved",
                                         retry_after=(self.paused_until - ctx.now()).total_seconds())
        try:
            if message.op == "role":
                return None  # Signal has no roles: the bot's own records are the roles
            if message.op == "timeout":
                await self._remove_from_group(message)
                return None
            if message.op != "send":
                raise PermanentDeliveryError(f"Signal cannot {message.op} a message")
            await self._send(message)
        except CaptchaRequired as exc:
            await self._pause(exc)
            raise
        except AccountNotRegistered:
            log.error("signal-cli does not hold the account %s: register or link it (README, “Run it on Signal”)",
                      self.settings.account)
            raise
        if self.paused_until is not None and message.kind != ALERT_KIND:
            log.warning("Signal accepts messages again; sending resumes")
            self.paused_until, self.challenge = None, None
        return None

    # Sending ---------------------------------------------------------------------------------

    async def _send(self, message: Outgoing) -> None:
        payload = message.payload
        ctx = self.server.engine.ctx
        target: dict[str, Any]
        if message.target_kind == "dm":
            aci = aci_of(message.target_id)
            if aci is None:
                raise PermanentDeliveryError(f"not a Signal member: {message.target_id}")
            if not payload.get("in_reply") and not await signal_repo.is_contact(ctx.db.reader, ctx.guild_id,
                                                                                 message.target_id):
                raise DMClosed(message.target_id)  # would land as a message request: mention in the group
            target, chat = {"recipient": [aci]}, f"dm:{message.target_id}"
            locale = await self._locale_of(message.target_id)
        elif message.target_kind == "channel" and self.server.animators_only(message.target_id):
            recipients = await self._reachable_animators()
            if not recipients:
                raise PermanentDeliveryError(f"no group for {message.target_id!r} and no animator has written to "
                                             "the bot: set [signal.channels]")
            target, chat, locale = {"recipient": recipients}, "animators", ctx.locale
        elif message.target_kind in ("channel", "group"):
            group = (message.target_id if message.target_kind == "group"
                     else self.server.group_for_channel(message.target_id))
            target, chat, locale = {"groupId": group}, f"group:{group}", ctx.locale
        else:
            raise PermanentDeliveryError(f"unknown target {message.target}")
        components = list(payload.get("components") or [])
        text = render_hints(str(payload.get("text", "")), SIGNAL)  # ⟦profile set …⟧ → !profile set …
        lines = component_lines(ctx, locale, components)
        if lines:
            text = f"{text}\n\n{lines}" if text else lines
        pinged = {str(p) for p in payload.get("mentions") or []} if "groupId" in target else set()
        names = await self._names(text)
        parts = split_body(render(text, pinged, lambda pid: names.get(pid, ctx.t(locale, "signal.someone"))))
        files = [str(a["path"]) for a in payload.get("attachments") or [] if isinstance(a, dict) and a.get("path")]
        first = self._parts_done.get(message.id, 0)
        timestamp = None
        for number, part in enumerate(parts):
            if number < first:
                continue
            last = number == len(parts) - 1
            timestamp = await self._send_part(message, target, part, files if last else [],
                                              payload.get("quote") if number == 0 else None)
            self._parts_done[message.id] = number + 1
        self._parts_done.pop(message.id, None)
        if components and timestamp is not None:
            kept = [await self._kept_component(c) for c in components]
            async with ctx.db.transaction() as tx:
                await signal_repo.remember_message(tx, ctx.guild_id, timestamp, chat, kept, ctx.now_ts())

    async def _send_part(
        self, message: Outgoing, target: dict[str, Any], part: Body, files: list[str], quote: Any
    ) -> int | None:
        params: dict[str, Any] = {"account": self.settings.account, **target, "message": part.text}
        mentions = part.mention_params()
        if mentions:
            params["mention"] = mentions
        if files:
            params["attachment"] = files
        if isinstance(quote, dict) and quote.get("timestamp"):
            params["quoteTimestamp"] = int(quote["timestamp"])
            if quote.get("author"):
                params["quoteAuthor"] = str(quote["author"])
        try:
            result = await self.server.rpc.call("send", params)
        except Exception as exc:  # noqa: BLE001 - sorted for the dispatcher, never swallowed
            raise classify_send_failure(exc, message) from exc
        failure = classify_send_result(result, message)
        if failure is not None:
            raise failure
        stamp = result.get("timestamp") if isinstance(result, dict) else None
        return stamp if isinstance(stamp, int) else None

    async def _remove_from_group(self, message: Outgoing) -> None:
        """`mod timeout` with `[signal] timeout = "remove"`: the member leaves the group (the bot must be admin)."""
        aci = aci_of(message.target_id)
        if aci is None or self.settings.timeout != "remove":
            raise PermanentDeliveryError("Signal has no timeouts (signal.timeout = \"refuse\")")
        params = {"account": self.settings.account, "groupId": self.settings.group, "removeMember": [aci]}
        try:
            await self.server.rpc.call("updateGroup", params)
        except RpcError as exc:
            raise PermanentDeliveryError(f"could not remove {aci}: {exc.message}") from exc
        except Exception as exc:  # noqa: BLE001
            raise classify_send_failure(exc, message) from exc

    async def _kept_component(self, component: dict[str, Any]) -> dict[str, Any]:
        """What a reaction or `!vote N` needs later: the id, and a ballot's choices as member ids."""
        kept: dict[str, Any] = {"custom_id": component.get("custom_id", "")}
        if component.get("style"):  # a pager's previous page is secondary: `!plus` clicks the other one
            kept["style"] = component["style"]
        options = component.get("options") or []
        if options:
            ctx = self.server.engine.ctx
            values = []
            for option in options:
                value = str(option.get("value", ""))
                member = await members_repo.by_reference(ctx.db.reader, ctx.guild_id, value)
                values.append({"value": member.platform_id if member is not None else value})
            kept["options"] = values
        return kept

    async def _reachable_animators(self) -> list[str]:
        """The animators (group admins and `[signal] animators`) who wrote to the bot, by ACI."""
        ctx = self.server.engine.ctx
        found = []
        for aci in sorted(self.server.animator_acis()):
            if await signal_repo.is_contact(ctx.db.reader, ctx.guild_id, f"signal:{aci}"):
                found.append(aci)
        return found

    # Helpers ---------------------------------------------------------------------------------

    async def _names(self, text: str) -> dict[str, str]:
        from bot.mentions import MENTION_TOKEN

        ctx = self.server.engine.ctx
        places = [ctx.guild_id] + [c.guild_id for c in ctx.network.communities if c.guild_id != ctx.guild_id]
        names: dict[str, str] = {}
        for platform_id in {m.group(1) for m in MENTION_TOKEN.finditer(text)}:
            for place in places:  # a member of another community: a helper introduced across the network
                member = await members_repo.by_platform_id(ctx.db.reader, place, platform_id)
                if member is not None and not member.erased:
                    names[platform_id] = member.handle
                    break
        return names

    async def _locale_of(self, platform_id: str) -> str:
        ctx = self.server.engine.ctx
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, platform_id)
        return ctx.i18n.locale_or_default(member.locale if member else None)

    async def _pause(self, exc: CaptchaRequired) -> None:
        """Stop sending until Signal's challenge is solved; tell the animators once per challenge."""
        ctx = self.server.engine.ctx
        self.paused_until = ctx.now() + timedelta(seconds=exc.retry_after or 3600)
        if self.challenge == exc.token:
            return
        self.challenge = exc.token
        log.error("Signal asks for a captcha before the bot sends again (challenge %s)", exc.token)
        text = ctx.t(ctx.locale, "signal.captcha_alert", account=self.settings.account, token=exc.token)
        async with ctx.db.transaction() as tx:
            await post(tx, ctx, ctx.config.channels.animators, ALERT_KIND, text, key=f"signal-captcha:{exc.token}",
                       not_before=ctx.now())
