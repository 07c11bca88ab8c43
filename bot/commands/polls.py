"""Member of the month's text face: nominate, vote (command or select), status, open and close."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.errors import invalid, not_found
from bot.mentions import neutralize
from bot.services import poll_status, polls

MEMBER = Option("member", "member", required=True, max_len=100)


@command("motm nominate", MEMBER)
async def nominate(inv: Invocation) -> Reply:
    result = await polls.nominate(inv.ctx, inv.member, inv.options["member"])
    return ok(inv.t("polls.nominated", nominee=neutralize(result.nominee)),
              {"poll_id": result.poll_id, "nominee": result.nominee_ref})


async def _vote(inv: Invocation, poll_id: int | None, nominee: str) -> Reply:
    result = await polls.vote(inv.ctx, inv.member, poll_id, nominee)
    key = "polls.vote_changed" if result.changed else "polls.voted"
    return ok(inv.t(key, nominee=neutralize(result.voted_for), count=result.ballots),
              {"poll_id": result.poll_id, "voted_for": result.voted_for_ref})


@command("motm vote", MEMBER)
async def vote(inv: Invocation) -> Reply:
    return await _vote(inv, None, inv.options["member"])


@button("motm:vote:")
async def vote_from_select(inv: Invocation, argument: str, values: list[str]) -> Reply:
    if not (argument.isascii() and argument.isdigit()) or len(argument) > 18:
        raise not_found("polls.no_poll")
    if len(values) != 1 or not values[0].strip():
        raise invalid("polls.pick_one")
    return await _vote(inv, int(argument), values[0])


@command("motm status")
async def status(inv: Invocation) -> Reply:
    summary = await poll_status.poll_summary(inv.ctx.db.reader, inv.ctx, inv.member.id, inv.locale)
    if summary is None:
        return ok(inv.t("polls.status_none"), {"poll_id": None})
    names = inv.ctx.i18n.join(inv.locale, [neutralize(n) for n in summary.nominees])
    data: dict[str, object] = {
        "poll_id": summary.poll_id, "status": summary.status, "nominees": list(summary.nominee_refs),
        "votes_cast": summary.ballots, "closes_at": summary.closes_at.astimezone(inv.ctx.tz).isoformat(),
    }
    if summary.status == "closed":
        data["winner"] = summary.winner_ref
        data["results"] = [{"nominee": ref, "votes": votes} for ref, votes in summary.result_refs]
        scores = " · ".join(f"{neutralize(name)} {votes}" for name, votes in summary.results if votes)
        if summary.winner is None and not scores:  # not « personne. Résultats : — »: say it in words
            text = inv.t("polls.status_closed_no_votes")
        else:
            text = inv.t("polls.status_closed", winner=neutralize(summary.winner or inv.t("common.nobody")),
                         scores=scores or "—")
    elif summary.status == "nominating":
        text = inv.t("polls.status_nominating",
                     until=inv.ctx.i18n.datetime(inv.locale, summary.nominations_until))
    else:
        data["voted"] = summary.voted
        text = inv.t("polls.status_open", nominees=names, count=summary.ballots,
                     closes=inv.ctx.i18n.datetime(inv.locale, summary.closes_at))
        text += " " + inv.t("polls.status_you_voted" if summary.voted else "polls.status_not_voted")
    return ok(text, data)


@command("motm open", animator=True)
async def open_poll(inv: Invocation) -> Reply:
    result = await polls.open_poll(inv.ctx, inv.member)
    if result.nominees:
        text = inv.t("polls.opened", count=len(result.nominees),
                     nominees=inv.ctx.i18n.join(inv.locale, [neutralize(n) for n in result.nominees]))
    else:
        until = result.nominations_until
        text = inv.t("polls.opened_waiting", until=inv.ctx.i18n.datetime(inv.locale, until) if until else "—")
    if result.voters_warning:
        text += "\n" + result.voters_warning(inv.locale)
    return ok(text, {"poll_id": result.poll_id})


@command("motm close", animator=True)
async def close_poll(inv: Invocation) -> Reply:
    result = await polls.close_current(inv.ctx, inv.member)
    if result.winner is None:
        return ok(inv.t("polls.closed_no_winner"), {"poll_id": result.poll_id})
    return ok(inv.t("polls.closed", winner=neutralize(result.winner)), {"poll_id": result.poll_id})
