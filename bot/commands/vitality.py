"""Vitality's text face: `vitality days:N` (animators): the indicators, and a weekly chart attached."""
from __future__ import annotations

import asyncio

from babel.dates import format_date

from bot import charts
from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.mentions import neutralize
from bot.outbox import Attachment
from bot.services import vitality
from bot.services.vitality import Indicators

CHART_FILENAME = "vitality.png"
SERIES = ("active_members", "newcomers", "requests_opened", "requests_resolved")
#: The unit each series counts (its panel's y axis).
UNITS = {"active_members": "people", "newcomers": "people", "requests_opened": "requests",
         "requests_resolved": "requests"}


def _percent(inv: Invocation, share: float | None) -> str:
    if share is None:
        return inv.t("vitality.not_applicable")
    return f"{inv.ctx.i18n.number(inv.locale, round(share * 100))} %"


def has_something_to_draw(indicators: Indicators) -> bool:
    """No chart of empty frames: some week must count something."""
    return any(getattr(point, name) for point in indicators.weekly for name in SERIES)


async def render_chart(inv: Invocation, indicators: Indicators) -> Attachment:
    """The weekly series as small multiples (matplotlib, Agg): drawn here, at the edge, from the service's data,
    in a worker thread (a cold matplotlib takes over a second: the event loop keeps serving meanwhile)."""
    labels = [format_date(point.week_start, "d MMM", locale=inv.locale) for point in indicators.weekly]
    panels = [charts.Panel(inv.t(f"vitality.series.{name}"), [int(getattr(point, name)) for point in indicators.weekly],
                           inv.t(f"vitality.unit.{UNITS[name]}")) for name in SERIES]
    title = inv.t("vitality.chart_title", days=indicators.days, community=inv.ctx.config.community.name)
    path = await asyncio.to_thread(charts.small_multiples, labels, panels, title, inv.t("vitality.axis.week"),
                                   filename=CHART_FILENAME, directory=inv.ctx.files.folder())
    return Attachment(CHART_FILENAME, "image/png", str(path))


def render_text(inv: Invocation, ind: Indicators) -> str:
    hours = ind.median_hours_to_first_helper
    lines = [
        inv.t("vitality.title", days=ind.days),
        inv.t("vitality.line.active", count=ind.active_members),
        inv.t("vitality.line.newcomers", count=ind.newcomers, coverage=_percent(inv, ind.godparent_coverage)),
        inv.t("vitality.line.retention", share=_percent(inv, ind.retention_30d)),
        inv.t("vitality.line.requests", opened=ind.requests_opened, resolved=ind.requests_resolved),
        inv.t("vitality.line.first_helper_none") if hours is None
        else inv.t("vitality.line.first_helper", hours=inv.ctx.i18n.number(inv.locale, round(hours, 1))),
        inv.t("vitality.line.reciprocity", count=ind.reciprocity),
        inv.t("vitality.line.unmet", skills=inv.ctx.i18n.join(inv.locale, [neutralize(s) for s in ind.unmet_skills])
              if ind.unmet_skills else inv.t("vitality.none")),
    ]
    return "\n".join(lines)


@command("vitality", Option("days", "int", min_value=1, max_value=vitality.MAX_DAYS), Option("network", "bool"),
         animator=True, network_animators=True)
async def show_vitality(inv: Invocation) -> Reply:
    if inv.options.get("network"):
        return await _network_vitality(inv)
    indicators = await vitality.compute_indicators(inv.ctx, inv.options.get("days"))
    text, data = render_text(inv, indicators), indicators.as_data()
    text, data = await _with_participation(inv, indicators.days, text, data)
    if not has_something_to_draw(indicators):
        return ok(text + "\n" + inv.t("vitality.no_chart"), data)
    return ok(text, data, attachments=[await render_chart(inv, indicators)])


async def _network_vitality(inv: Invocation) -> Reply:
    """Each community side by side and the network's totals: network animators only."""
    from bot.services import network_vitality

    network_vitality.require_network_animator(inv.ctx, inv.actor.platform_id, inv.actor.roles,
                                              local_animator=inv.is_animator)
    figures = await network_vitality.network_figures(inv.ctx, inv.options.get("days"))
    data = await network_vitality.network_indicators(inv.ctx, figures) | figures.data()
    return ok(network_vitality.render(inv.ctx, inv.locale, figures), data)


async def _with_participation(inv: Invocation, days: int, text: str, data: dict) -> tuple[str, dict]:
    """Who took part in something (events) in the window, and how many shift places were filled."""
    from bot.services.events import participation

    now = inv.ctx.now_ts()
    figures = await participation(inv.ctx, now - days * 86400, now + 1)
    offered = figures["slots_offered"]
    data["took_part"] = figures["took_part"]
    data["shift_coverage"] = round(figures["slots_filled"] / offered, 3) if offered else None
    if figures["took_part"] or offered:
        text += "\n" + inv.t("vitality.line.took_part", count=figures["took_part"])
    if offered:
        text += "\n" + inv.t("vitality.line.shift_coverage", filled=figures["slots_filled"], offered=offered,
                              count=figures["slots_filled"])
    return text, data
