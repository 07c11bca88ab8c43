"""Help requests: `request new|list|claim|resolve|cancel`, `thanks`, `mod close-request` and their buttons."""
from __future__ import annotations

from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.errors import not_found
from bot.mentions import neutralize
from bot.services import network_requests
from bot.services import requests as requests_service
from bot.services.network_shared import community_id, community_name, is_network
from bot.services.request_routing import next_try_words
from bot.services.requests import MAX_DETAILS, MAX_REASON, MAX_TITLE

LIST_PAGE = 25


def _request_id(argument: str) -> int:
    """The id carried by a button's custom id; anything else is a button that no longer exists."""
    if not (argument.isascii() and argument.isdigit()) or len(argument) > 12:
        raise not_found("requests.unknown", id=argument[:12])
    return int(argument)


@command(
    "request new",
    Option("title", "text", required=True, max_len=MAX_TITLE),
    Option("details", "text", max_len=MAX_DETAILS),
    Option("skills", "csv", required=True, max_len=500),
    Option("urgent", "bool"),
)
async def request_new(inv: Invocation) -> Reply:
    o = inv.options
    opened = await requests_service.open_request(
        inv.ctx, inv.member, o["title"], o.get("details", ""), o["skills"], bool(o.get("urgent", False))
    )
    rid = opened.request.id
    skills = ", ".join(neutralize(s) for s in opened.skills)
    # A hidden profile is never named to others, not even as a helper pinged: it is only counted.
    shown = [m for m in opened.pinged if m.visible]
    if opened.pinged:
        names = [neutralize(m.handle) for m in shown]
        if len(shown) < len(opened.pinged):
            names.append(inv.t("engagement.digest.more_people", count=len(opened.pinged) - len(shown)))
        text = inv.t("requests.opened", id=rid, count=len(opened.pinged), names=inv.ctx.i18n.join(inv.locale, names))
    elif opened.offerers and opened.next_at is not None:
        when = next_try_words(inv.ctx, inv.locale, opened.next_at, inv.member)
        key = "routing.opened_later" if opened.asleep else "routing.opened_busy"
        text = inv.t(key, id=rid, count=opened.offerers, skills=skills, time=when)
    else:
        text = inv.t("requests.opened_nobody", id=rid, skills=skills)
        if is_network(inv.ctx) and not network_requests.auto_widen(inv.ctx):  # nobody here: say where else to ask
            text += "\n" + inv.t("requests.widen_hint", id=rid)
    nobody = not opened.pinged and not opened.offerers  # the only case that says "nobody offers it"
    return ok(text, {"request_id": rid, "pinged": [m.platform_id for m in shown], "offerers": opened.offerers,
                     "nobody_offers": nobody})


def _from(listed: requests_service.ListedRequest) -> dict[str, str]:
    """Where a request of another community comes from (a widened one): its community's id and name."""
    if listed.community is None:
        return {}
    return {"community": community_id(listed.community), "community_name": community_name(listed.community)}


@command("request list", Option("skill", "text", max_len=100), Option("mine", "bool"))
async def request_list(inv: Invocation) -> Reply:
    listed = await requests_service.list_requests(
        inv.ctx, inv.member, inv.options.get("skill"), bool(inv.options.get("mine", False))
    )
    data = {"requests": [{"id": x.request.id, "title": x.request.title, "status": x.request.status,
                          "skills": x.skills, **_from(x)} for x in listed]}
    if not listed:
        return ok(inv.t("requests.list_empty"), data)
    lines = [
        inv.t("requests.list_line_elsewhere" if x.community else "requests.list_line", id=x.request.id,
              title=neutralize(x.request.title), skills=", ".join(neutralize(s) for s in x.skills),
              status=inv.t(f"requests.status.{x.request.status}"),
              urgent=inv.t("requests.urgent_mark") if x.request.urgent else "",
              community=neutralize(community_name(x.community)) if x.community else "")
        for x in listed
    ]
    page = paged(lines, inv.page, LIST_PAGE)
    text = inv.t("requests.list_title", count=len(listed)) + "\n" + "\n".join(page.items)
    return page_reply(inv, "request list", page, text, data)


async def _claim(inv: Invocation, request_id: int) -> Reply:
    if await network_requests.foreign_request(inv.ctx, request_id):  # offered to this community by another
        request = await network_requests.claim_widened(inv.ctx, inv.member, request_id)
    else:
        request = await requests_service.claim_request(inv.ctx, inv.member, request_id)
    return ok(inv.t("requests.claimed", id=request.id, title=neutralize(request.title)),
              {"request_id": request.id, "helper": inv.member.platform_id})


@command("request claim", Option("id", "int", required=True))
async def request_claim(inv: Invocation) -> Reply:
    return await _claim(inv, inv.options["id"])


@button("request:claim:")
async def request_claim_button(inv: Invocation, argument: str, values: list[str]) -> Reply:
    return await _claim(inv, _request_id(argument))


async def _resolve(inv: Invocation, request_id: int, thanks: str | None) -> Reply:
    ctx, is_animator = inv.ctx, inv.is_animator
    if await network_requests.foreign_request(inv.ctx, request_id):  # its helper, from another community
        ctx, is_animator = await network_requests.home_of_request(inv.ctx, request_id), False
    request, kudos_id = await requests_service.resolve_request(ctx, inv.member, is_animator, request_id, thanks)
    key = "requests.resolved_thanked" if kudos_id else "requests.resolved"
    return ok(inv.t(key, id=request.id, title=neutralize(request.title)),
              {"request_id": request.id, "status": "resolved"})


@command("request resolve", Option("id", "int", required=True), Option("thanks", "member", max_len=100))
async def request_resolve(inv: Invocation) -> Reply:
    return await _resolve(inv, inv.options["id"], inv.options.get("thanks"))


@button("request:resolve:")
async def request_resolve_button(inv: Invocation, argument: str, values: list[str]) -> Reply:
    return await _resolve(inv, _request_id(argument), None)


@command("request cancel", Option("id", "int", required=True))
async def request_cancel(inv: Invocation) -> Reply:
    request = await requests_service.cancel_request(inv.ctx, inv.member, inv.is_animator, inv.options["id"])
    return ok(inv.t("requests.cancelled", id=request.id, title=neutralize(request.title)),
              {"request_id": request.id, "status": "cancelled"})


@command("thanks", Option("member", "member", required=True, max_len=100),
         Option("reason", "text", max_len=MAX_REASON))
async def thanks(inv: Invocation) -> Reply:
    kudos_id, target = await requests_service.thank_member(
        inv.ctx, inv.member, inv.options["member"], inv.options.get("reason")
    )
    return ok(inv.t("requests.thanks_sent", member=neutralize(target.handle)), {"kudos_id": kudos_id})


@command("mod close-request", Option("id", "int", required=True),
         Option("reason", "text", required=True, max_len=MAX_REASON), animator=True)
async def mod_close_request(inv: Invocation) -> Reply:
    request = await requests_service.close_request(inv.ctx, inv.member, inv.options["id"], inv.options["reason"])
    return ok(inv.t("requests.closed", id=request.id, title=neutralize(request.title)),
              {"request_id": request.id, "status": "closed"})
