"""Proposals' text face: `proposal new|list|show|support|withdraw|vote`, `proposal close`, their components."""
from __future__ import annotations

from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.errors import invalid, not_found
from bot.mentions import neutralize
from bot.services import proposals
from bot.services.proposals import CHOICES, MAX_DETAILS, MAX_TITLE

ID = Option("id", "int", required=True)
LIST_PAGE = 20


def _proposal_id(argument: str) -> int:
    if not (argument.isascii() and argument.isdigit()) or len(argument) > 12:
        raise not_found("proposals.detail.unknown", id=argument[:12])
    return int(argument)


@command("proposal new", Option("title", required=True, max_len=MAX_TITLE), Option("details", max_len=MAX_DETAILS),
         Option("needs", "csv", max_len=300))
async def proposal_new(inv: Invocation) -> Reply:
    view = await proposals.propose(inv.ctx, inv.member, inv.options["title"], inv.options.get("details"),
                                   inv.options.get("needs"))
    text = inv.t("proposals.created", id=view.proposal.id, count=inv.ctx.config.proposals.supports_needed)
    return ok(text, {"proposal_id": view.proposal.id})


@command("proposal list")
async def proposal_list(inv: Invocation) -> Reply:
    views = await proposals.list_proposals(inv.ctx)
    data = {"proposals": [{"proposal_id": v.proposal.id, "title": v.proposal.title, "status": v.proposal.status,
                           "supports": v.supports} for v in views]}
    if not views:
        return ok(inv.t("proposals.list_empty"), data)
    lines = [inv.t("proposals.list_line", id=v.proposal.id,
                   title=proposals.title_words(inv.ctx, inv.locale, v.proposal),
                   status=inv.t(f"proposals.state.{v.proposal.status}"), count=v.supports) for v in views]
    page = paged(lines, inv.page, LIST_PAGE)
    return page_reply(inv, "proposal list", page,
                      inv.t("proposals.list_title", count=len(views)) + "\n" + "\n".join(page.items), data)


@command("proposal show", ID)
async def proposal_show(inv: Invocation) -> Reply:
    view = await proposals.show_proposal(inv.ctx, inv.options["id"])
    p = view.proposal
    data: dict[str, object] = {"proposal_id": p.id, "title": p.title, "status": p.status, "supports": view.supports,
                               "needs": p.need_list}
    if p.status in ("accepted", "rejected"):
        data["votes"] = {"for": p.votes_for, "against": p.votes_against, "abstain": p.votes_abstain}
    components = []
    if p.status == "open":
        components = [proposals.support_button(inv.ctx, inv.locale, p.id)]
    elif p.status == "voting":
        components = [proposals.vote_select(inv.ctx, inv.locale, p.id)]
    return ok(proposals.describe(inv.ctx, inv.locale, view), data, components=components)


async def _support(inv: Invocation, proposal_id: int) -> Reply:
    view = await proposals.support(inv.ctx, inv.member, proposal_id)
    key = "proposals.supported_vote" if view.proposal.status == "voting" else "proposals.supported"
    text = inv.t(key, id=proposal_id, title=neutralize(view.proposal.title), count=view.supports,
                 needed=inv.ctx.config.proposals.supports_needed)
    return ok(text, {"proposal_id": proposal_id, "supports": view.supports, "status": view.proposal.status})


@command("proposal support", ID)
async def proposal_support(inv: Invocation) -> Reply:
    return await _support(inv, inv.options["id"])


@button("proposal:support:")
async def support_button(inv: Invocation, argument: str, values: list[str]) -> Reply:
    return await _support(inv, _proposal_id(argument))


@command("proposal withdraw", ID)
async def proposal_withdraw(inv: Invocation) -> Reply:
    proposal = await proposals.withdraw(inv.ctx, inv.member, inv.is_animator, inv.options["id"])
    return ok(inv.t("proposals.withdrawn", id=proposal.id, title=neutralize(proposal.title)),
              {"proposal_id": proposal.id, "status": "withdrawn"})


async def _vote(inv: Invocation, proposal_id: int, choice: str) -> Reply:
    await proposals.vote(inv.ctx, inv.member, proposal_id, choice)
    return ok(inv.t("proposals.voted", id=proposal_id), {"proposal_id": proposal_id, "voted": True})


@command("proposal vote", ID, Option("choice", required=True, max_len=20))
async def proposal_vote(inv: Invocation) -> Reply:
    return await _vote(inv, inv.options["id"], inv.options["choice"])


@button("proposal:vote:")
async def vote_select(inv: Invocation, argument: str, values: list[str]) -> Reply:
    proposal_id = _proposal_id(argument)
    if len(values) != 1 or values[0] not in CHOICES:
        raise invalid("proposals.detail.bad_choice")
    return await _vote(inv, proposal_id, values[0])


@command("proposal close", ID, animator=True)
async def proposal_close(inv: Invocation) -> Reply:
    proposal = await proposals.close(inv.ctx, inv.member, inv.options["id"])
    return ok(inv.t(f"proposals.closed.{proposal.status}", id=proposal.id, title=neutralize(proposal.title)),
              {"proposal_id": proposal.id, "status": proposal.status})
