"""The group's membership on Signal: there are no join or leave events, so the bot reads the group's
members and admins (`listGroups`) after each group update, at start-up and after every reconnection,
and the difference with what it knows becomes joins and leaves, fed to the same onboarding."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.mentions import clean_display_name
from bot.transports.signal_rpc import INVALID_PARAMS, RpcError
from bot.transports.signal_text import SIGNAL_PREFIX
from storage import platform_refs
from storage import signal as signal_repo

if TYPE_CHECKING:
    from bot.app import Engine
    from bot.transports.signal_rpc import SignalRpc
    from bot.transports.signal_settings import SignalSettings

log = logging.getLogger(__name__)

ADOPTED_REF = "signal:adopted"
MAX_HANDLE = 64


def platform_id_of(aci: str) -> str:
    return SIGNAL_PREFIX + aci.lower()


class GroupMembership:
    """Part of SignalServer: what it knows of the group (members, admins, the bot's own id, names)."""

    engine: Engine
    rpc: SignalRpc
    settings: SignalSettings
    bot_aci: str | None
    admins: set[str]
    in_group: bool
    reconciles: int
    members_known: asyncio.Event
    _reconcile_lock: asyncio.Lock
    _names: dict[str, str]

    async def reconcile(self) -> None:
        """Read the group's members and admins; joins and leaves are the difference with what we know.

        Messages wait meanwhile: the daemon hands over what it kept as soon as we connect, and a
        member it names may be one this reconcile is about to add.
        """
        self.members_known.clear()
        try:
            await self._reconcile()
        finally:
            self.members_known.set()

    async def _reconcile(self) -> None:
        async with self._reconcile_lock:
            self.reconciles += 1
            if self.bot_aci is None:
                await self._learn_own_aci()
            try:
                groups = await self.rpc.call("listGroups", {"account": self.settings.account})
            except RpcError as exc:
                if exc.code != INVALID_PARAMS:
                    raise
                log.error("signal-cli does not hold the account %s (%s): register or link it, then restart the "
                          "daemon (README, “Run it on Signal”); the bot keeps waiting", self.settings.account,
                          exc.message)
                return
            group = next((g for g in groups or [] if isinstance(g, dict) and g.get("id") == self.settings.group), None)
            self.in_group = bool(group and group.get("isMember", True))
            if group is None:
                log.error("the bot is not in the group %s (signal.group)", self.settings.group)
                return
            listed = [m for m in group.get("members") or [] if isinstance(m, dict) and m.get("uuid")]
            for entry in listed:  # the bot's own entry carries its number (a daemon may not list its ACI)
                if self.bot_aci is None and entry.get("number") == self.settings.account:
                    self.bot_aci = str(entry["uuid"]).lower()
            members = {str(m["uuid"]).lower() for m in listed}
            self.admins = {str(m.get("uuid")).lower() for m in group.get("admins") or [] if isinstance(m, dict)
                           and m.get("uuid")}
            if self.bot_aci:
                members.discard(self.bot_aci)
            ctx = self.engine.ctx
            known = await signal_repo.present_members(ctx.db.reader, ctx.guild_id)
            current = {platform_id_of(aci) for aci in members}
            if not await platform_refs.get_ref(ctx.db.reader, ctx.guild_id, ADOPTED_REF):
                await self._adopt(current)  # the group existed before the bot: no welcome flood
            else:
                for platform_id in sorted(current - set(known)):
                    await self.engine.member_joined(platform_id, await self._display_name(platform_id), None)
                for platform_id in sorted(set(known) - current):
                    await self.engine.member_left(platform_id)
            await self.engine.deliver()

    async def _adopt(self, current: set[str]) -> None:
        ctx = self.engine.ctx
        for platform_id in sorted(current):
            await self.engine.ensure_member(platform_id, self._handle(platform_id))
        async with ctx.db.transaction() as tx:
            await platform_refs.set_ref(tx, ctx.guild_id, ADOPTED_REF, str(ctx.now_ts()))
        if current:
            log.info("adopted %d members already in the group (no welcome sent)", len(current))

    async def _learn_own_aci(self) -> None:
        """The bot's own ACI (its messages and reactions must not count as a member's)."""
        try:
            accounts = await self.rpc.call("listAccounts")
        except Exception:  # noqa: BLE001 - single-account daemons may not offer it
            accounts = []
        for account in accounts or []:
            if isinstance(account, dict) and self.settings.account in (account.get("number"), account.get("aci")):
                self.bot_aci = str(account.get("aci") or account.get("uuid") or "").lower() or None

    async def _display_name(self, platform_id: str) -> str:
        """A newcomer's Signal profile name (signal-cli's `listContacts`); their number is never read."""
        if platform_id not in self._names:
            try:
                found = await self.rpc.call("listContacts", {"account": self.settings.account, "allRecipients": True,
                                                              "recipient": [platform_id[len(SIGNAL_PREFIX):]]})
            except Exception:  # noqa: BLE001 - a name is a nicety: the mention shows the real one anyway
                found = []
            for contact in found or []:
                if not isinstance(contact, dict):
                    continue
                profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
                parts = [profile.get("givenName"), profile.get("familyName")]
                name = " ".join(str(p).strip() for p in parts if p) or str(contact.get("name") or "").strip()
                name = clean_display_name(name, "")
                if name:
                    self._names[platform_id] = name[:MAX_HANDLE]
        return self._handle(platform_id)

    def _handle(self, platform_id: str) -> str:
        short = platform_id[len(SIGNAL_PREFIX):][:6]
        return self._names.get(platform_id) or self.engine.ctx.t(self.engine.ctx.locale, "signal.unnamed", short=short)
