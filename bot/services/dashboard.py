"""Dashboard sign-in without accounts: a signed one-time link, exchanged for a session.

The `dashboard` command (animators) gets a link valid LINK_MINUTES, signed with HMAC-SHA256 and a
secret kept in the database. Its nonce is recorded when issued; the first visit marks it used and
opens a session bound to the community (its cookie's SHA-256 is stored, not the cookie). Forged,
expired, foreign or replayed links are refused. Times come from the community clock.

In a network (issue 22) each community signs its own links and its animators' sessions see it alone;
a network animator's link (`[network] animators`) opens a session that sees every community of the
network (`visible_communities`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from bot.clock import from_epoch
from bot.context import Community
from bot.errors import conflict
from bot.services import network_shared as net
from bot.services.members import is_animator, member_locale
from storage import dashboard as dashboard_repo
from storage import members as members_repo
from storage.dashboard import Session
from storage.members import Member

LINK_MINUTES = 15
SESSION_HOURS = 12
REFUSALS = ("forged", "expired", "used", "other_community", "gone")


class LinkRefused(Exception):
    """Why a link cannot open a session: one of REFUSALS (shown to the visitor, localized)."""

    def __init__(self, reason: str) -> None:
        assert reason in REFUSALS, reason
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    url: str
    token: str
    expires_at: int

    def expires(self) -> datetime:
        return from_epoch(self.expires_at)


@dataclass(frozen=True)
class LinkClaims:
    guild_id: str
    member_id: int
    expires_at: int
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).digest())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _secret(ctx: Community) -> str:
    """The community's signing secret, made on first use (inside its own transaction)."""
    found = await dashboard_repo.secret(ctx.db.reader, ctx.guild_id)
    if found:
        return found
    async with ctx.db.transaction() as tx:
        found = await dashboard_repo.secret(tx, ctx.guild_id)
        if not found:
            found = secrets.token_hex(32)
            await dashboard_repo.set_secret(tx, ctx.guild_id, found)
    return found


async def issue_link(
    ctx: Community, member: Member, network: bool = False, roles: frozenset[str] = frozenset(),
) -> Link:
    """A one-time link for this animator (the caller checked the role); refused if nothing serves it.
    `network`: a network animator's, whose session sees every community of the network. `roles`: what the
    platform says they hold now; those that make them an animator are mirrored (member_role), so the
    session's reach is checked again on each request against the mirror the platform keeps up to date."""
    if not ctx.dashboard_url:
        raise conflict("dashboard.detail.not_running")
    secret = await _secret(ctx)
    now = ctx.now_ts()
    expires_at = now + LINK_MINUTES * 60
    nonce = secrets.token_urlsafe(18)
    payload = _b64(f"{ctx.guild_id}\n{member.id}\n{expires_at}\n{nonce}".encode())
    token = f"{payload}.{_sign(secret, payload)}"
    async with ctx.db.transaction() as tx:
        await dashboard_repo.purge_expired(tx, ctx.guild_id, now)
        await dashboard_repo.record_link(tx, ctx.guild_id, member.id, nonce, now, expires_at,
                                         network=network and net.is_network(ctx))
        granting = set(ctx.config.roles.animators) | set(net.setting(ctx, "animators", []) or [])
        for role in sorted(roles & granting):
            await members_repo.add_role(tx, member.id, role)
    return Link(url=f"{ctx.dashboard_url}/login?t={token}", token=token, expires_at=expires_at)


async def check_link(ctx: Community, token: str) -> LinkClaims:
    """Signature, community, expiry and first use, without using it (the confirmation page)."""
    secret = await dashboard_repo.secret(ctx.db.reader, ctx.guild_id)
    payload, _, signature = (token or "").partition(".")
    if not secret or not payload or not signature or len(token) > 400:
        raise LinkRefused("forged")
    if not hmac.compare_digest(_sign(secret, payload), signature):
        raise LinkRefused("forged")
    try:
        guild_id, member_id, expires_at, nonce = _unb64(payload).decode("utf-8").split("\n")
        claims = LinkClaims(guild_id, int(member_id), int(expires_at), nonce)
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused("forged") from None
    if claims.guild_id != ctx.guild_id:
        raise LinkRefused("other_community")
    if claims.expires_at <= ctx.now_ts():
        raise LinkRefused("expired")
    state = await dashboard_repo.link_state(ctx.db.reader, ctx.guild_id, claims.nonce)
    if state is None or state[0] != claims.member_id:
        raise LinkRefused("forged")
    if state[1] is not None:
        raise LinkRefused("used")
    return claims


async def redeem_link(ctx: Community, token: str) -> tuple[str, Session]:
    """Use the link once and open a session: (the cookie value, the session)."""
    claims = await check_link(ctx, token)
    member = await members_repo.by_id(ctx.db.reader, claims.member_id)
    if member is None or member.guild_id != ctx.guild_id or member.left_at is not None or member.erased:
        raise LinkRefused("gone")
    now = ctx.now_ts()
    cookie = secrets.token_urlsafe(32)
    locale = member_locale(ctx, member)
    expires_at = now + SESSION_HOURS * 3600
    network = await dashboard_repo.link_is_network(ctx.db.reader, ctx.guild_id, claims.nonce)
    async with ctx.db.transaction() as tx:
        if not await dashboard_repo.use_link(tx, ctx.guild_id, claims.nonce, now):
            raise LinkRefused("used")
        await dashboard_repo.open_session(tx, token_hash(cookie), ctx.guild_id, member.id, locale, now, expires_at,
                                          network=network)
    return cookie, Session(ctx.guild_id, member.id, locale, now, expires_at, network)


def link_community(ctx: Community, token: str) -> Community | None:
    """The community of the network a link claims to be from (checked afterwards by its own secret)."""
    payload = (token or "").partition(".")[0]
    if not payload or len(token) > 400:
        return None
    try:
        guild_id = _unb64(payload).decode("utf-8").split("\n")[0]
    except (ValueError, UnicodeDecodeError):
        return None
    return net.by_guild_key(ctx, guild_id)


def may_see(ctx: Community, session: Session) -> bool:
    """A session sees its own community; a network animator's, every community of the same network."""
    return session.guild_id == ctx.guild_id or (session.network and net.by_guild_key(ctx, session.guild_id)
                                                 is not None)


def visible_communities(ctx: Community, session: Session) -> list[Community]:
    """The communities this session may open, in config order (the selector)."""
    return [c for c in net.communities(ctx) if may_see(c, session)]


async def any_session(ctx: Community, cookie: str | None) -> Session | None:
    """The live session this cookie opened, whichever community of the network it was opened for."""
    found = await _live_session(ctx, cookie)
    return found if found is not None and net.by_guild_key(ctx, found.guild_id) is not None else None


async def session_for(ctx: Community, cookie: str | None) -> Session | None:
    """The live session this cookie opened for this community (or a network animator's), else None
    (expired, unknown, another community's)."""
    found = await _live_session(ctx, cookie)
    return found if found is not None and may_see(ctx, found) else None


async def _live_session(ctx: Community, cookie: str | None) -> Session | None:
    if not cookie or len(cookie) > 200:
        return None
    found = await dashboard_repo.session(ctx.db.reader, token_hash(cookie))
    if found is None or found.expires_at <= ctx.now_ts():
        return None
    member = await members_repo.by_id(ctx.db.reader, found.member_id)
    if member is None or member.left_at is not None or member.erased:
        return None  # whoever leaves the community leaves its dashboard
    if found.network:
        return await _network_reach(ctx, found, member)
    return found


async def _network_reach(ctx: Community, found: Session, member: Member) -> Session | None:
    """A network animator's session keeps its reach only while they are one (by id in `[network] animators`,
    or a role the platform still gives them): checked on each request, not once for the session's 12 hours.
    No longer one: their own community's page if they animate it, else nothing (a new link says the rest)."""
    home = net.by_guild_key(ctx, found.guild_id) or ctx
    roles = await members_repo.roles(ctx.db.reader, member.id)
    if net.is_network_animator(home, member.platform_id, roles):
        return found
    return replace(found, network=False) if is_animator(home, roles) else None


async def sign_out(ctx: Community, cookie: str | None) -> None:
    if cookie:
        async with ctx.db.transaction() as tx:
            await dashboard_repo.close_session(tx, token_hash(cookie))
