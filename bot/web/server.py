"""The dashboard's web server, in the bot's own process and event loop (aiohttp).

Bound to 127.0.0.1 by default, meant to sit behind the operator's TLS proxy. Every response carries
a strict Content-Security-Policy (scripts and styles from this server only, nothing inline),
`Referrer-Policy: no-referrer` and `Cache-Control: no-store`. Every community page checks that the
session was opened for that community. Streams end when the bot stops.

One server serves every community of a network (issue 22): each has its pages under `/c/<its key>/`,
its links signed by its own secret; a session sees its own community, a network animator's every one
(a selector lists those the session may open). Another community's page is refused, never shown.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from importlib import resources
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.context import Community
from bot.services import dashboard, dashboard_stats
from bot.services import network_shared as net
from bot.services.dashboard import LinkRefused
from bot.web.page import Words, dashboard_view, feed_line

log = logging.getLogger(__name__)

COOKIE = "entraide_session"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CTX_KEY = web.AppKey("ctx", Community)
ENV_KEY = web.AppKey("env", Environment)


class PageRefused(Exception):
    """A page answered with a refusal (not signed in, another community)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    except PageRefused as refused:
        response = refused.response
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if isinstance(response, web.HTTPException):
        raise response
    return response


def _locale(request: web.Request, ctx: Community) -> str:
    """For pages before sign-in: the browser's first language we speak, else the community's."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in ctx.i18n.catalogues:
            return tag
    return ctx.locale


def _community(request: web.Request) -> Community:
    """The community of the path (`/c/<key>/`): one of the network's, else not found."""
    found = net.by_guild_key(request.app[CTX_KEY], request.match_info.get("guild", ""))
    if found is None:
        raise web.HTTPNotFound()
    return found


def _render(request: web.Request, template: str, locale: str, status: int = 200, *, ctx: Community | None = None,
            **values: Any) -> web.Response:
    ctx = ctx or request.app[CTX_KEY]
    words = Words(ctx, locale)
    html = request.app[ENV_KEY].get_template(template).render(
        t=words, lang=locale, community=ctx.config.community.name, guild=ctx.guild_id, **values)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _refused(request: web.Request, reason: str, status: int = 403, ctx: Community | None = None) -> web.Response:
    ctx = ctx or request.app[CTX_KEY]
    return _render(request, "refused.html", _locale(request, ctx), status=status, reason=reason, ctx=ctx)


def _link_community(request: web.Request, token: str) -> Community:
    """The community whose link this is (its secret checks it next); the first one if none says so."""
    return dashboard.link_community(request.app[CTX_KEY], token) or request.app[CTX_KEY]


async def login_page(request: web.Request) -> web.Response:
    """Shows a button instead of signing in on GET: link previews cannot use the link up, and the
    session cookie (SameSite=Strict) is then set from our own page."""
    token = request.query.get("t", "")
    ctx = _link_community(request, token)
    try:
        await dashboard.check_link(ctx, token)
    except LinkRefused as exc:
        return _refused(request, exc.reason, ctx=ctx)
    return _render(request, "login.html", _locale(request, ctx), token=token, hours=dashboard.SESSION_HOURS,
                   ctx=ctx)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    token = str(form.get("t", ""))
    ctx = _link_community(request, token)
    try:
        cookie, session = await dashboard.redeem_link(ctx, token)
    except LinkRefused as exc:
        return _refused(request, exc.reason, ctx=ctx)
    response = web.Response(status=303, headers={"Location": f"/c/{ctx.guild_id}/"})
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="Strict", path="/",
                        secure=(ctx.config.dashboard.public_url or "").startswith("https://"),
                        max_age=dashboard.SESSION_HOURS * 3600)
    return response


async def _session(request: web.Request) -> Any:
    """The caller's session for the community in the path, or a refusal (every page checks it): signed
    out, or signed in for another community (whose animators alone, and the network's, see it)."""
    ctx = _community(request)
    cookie = request.cookies.get(COOKIE)
    session = await dashboard.session_for(ctx, cookie)
    if session is None:
        elsewhere = await dashboard.any_session(ctx, cookie)
        if elsewhere is not None:
            raise PageRefused(_refused(request, "not_yours", status=403, ctx=ctx))
        raise PageRefused(_refused(request, "signed_out", status=401, ctx=ctx))
    return session


async def home(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX_KEY]
    session = await dashboard.any_session(ctx, request.cookies.get(COOKIE))
    if session is not None:
        raise web.HTTPSeeOther(f"/c/{session.guild_id}/")
    return _refused(request, "signed_out", status=401)


def _selector(ctx: Community, session: Any) -> list[dict[str, Any]]:
    """The communities this session may open (a network animator's: all), when there is more than one."""
    visible = dashboard.visible_communities(ctx, session)
    if len(visible) < 2:
        return []
    return [{"guild": c.guild_id, "name": net.community_name(c), "current": c.guild_id == ctx.guild_id}
            for c in visible]


def names_shown(ctx: Community, session: Any) -> bool:
    """Members are named on their own community's page only: a network animator sees another community's
    figures and what happens there, never who (its members shared nothing with the network's animators)."""
    return session.guild_id == ctx.guild_id


async def overview_page(request: web.Request) -> web.Response:
    session = await _session(request)
    ctx = _community(request)
    try:
        days = int(request.query.get("days", dashboard_stats.DEFAULT_PERIOD))
    except ValueError:
        days = dashboard_stats.DEFAULT_PERIOD
    ov = await dashboard_stats.overview(ctx, days)
    words = Words(ctx, session.locale)
    return _render(request, "dashboard.html", session.locale, ctx=ctx, communities=_selector(ctx, session),
                   **dashboard_view(ctx, words, ov, ctx.live, names=names_shown(ctx, session)))


async def live_feed(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one `life` event per published event, a comment every 15 s so proxies
    keep the stream open and a gone reader is noticed; it ends when the bot stops."""
    session = await _session(request)
    ctx = _community(request)
    words = Words(ctx, session.locale)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    await response.prepare(request)
    try:
        await response.write(b"retry: 3000\n: connected\n\n")
        async for event in ctx.live.subscribe():
            if event is None:
                if await dashboard.session_for(ctx, request.cookies.get(COOKIE)) is None:
                    break
                await response.write(b": ping\n\n")
                continue
            data = json.dumps(feed_line(words, event, dict(ctx.live.totals), names=names_shown(ctx, session)),
                              ensure_ascii=False)
            await response.write(f"id: {event.seq}\nevent: life\ndata: {data}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    await _session(request)
    ctx = _community(request)
    await dashboard.sign_out(ctx, request.cookies.get(COOKIE))
    response = _refused(request, "signed_out", status=200, ctx=ctx)
    response.del_cookie(COOKIE, path="/")
    return response


def build_app(ctx: Community) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=16 * 1024)
    app[CTX_KEY] = ctx
    app[ENV_KEY] = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
    app.router.add_get("/", home)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_get("/c/{guild}/", overview_page)
    app.router.add_get("/c/{guild}/live", live_feed)
    app.router.add_post("/c/{guild}/sign-out", sign_out)
    app.router.add_static("/static/", str(resources.files("bot.web").joinpath("static")), append_version=True)

    async def close_streams(_app: web.Application) -> None:
        for community in net.communities(ctx):
            community.live.close()

    app.on_shutdown.append(close_streams)
    return app


class DashboardServer:
    """Start and stop the dashboard next to an engine (`ctx`: its first community; the server serves
    every community of its network); `url` is what links point at."""

    def __init__(self, ctx: Community, host: str, port: int) -> None:
        self.ctx, self.host, self.port = ctx, host, port
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        self.runner = web.AppRunner(build_app(self.ctx), access_log=None, shutdown_timeout=5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # the real port when 0 was asked
        port = sockets[0].getsockname()[1] if sockets else self.port
        self.url = f"http://{self.host}:{port}"
        for community in net.communities(self.ctx):
            community.dashboard_url = self.ctx.config.dashboard.public_url or self.url
        log.info("dashboard served on %s", self.url)
        return self.url

    async def stop(self) -> None:
        for community in net.communities(self.ctx):
            community.live.close()
            community.dashboard_url = None
        if self.runner is not None:
            with contextlib.suppress(Exception):
                await self.runner.cleanup()
            self.runner = None


async def start_dashboard(ctx: Community, host: str | None = None, port: int | None = None) -> DashboardServer:
    cfg = ctx.config.dashboard
    server = DashboardServer(ctx, host or cfg.host, cfg.port if port is None else port)
    await server.start()
    return server
