"""The dashboard page's words and charts: the service's data turned into what the template shows,
in the animator's language (figures formatted like the `vitality` command's reply)."""
from __future__ import annotations

from typing import Any

from babel.dates import format_date, format_time

from bot.clock import from_epoch
from bot.context import Community
from bot.live import LiveEvent, LiveStream
from bot.services.dashboard_stats import ORBIT_DAYS, ORBIT_GROUPS, PERIODS, Overview
from bot.web import svg


class Words:
    """Catalogue lookups for one locale, `dashboard.` keys by default."""

    def __init__(self, ctx: Community, locale: str) -> None:
        self.ctx, self.locale = ctx, locale

    def __call__(self, key: str, /, **params: Any) -> str:
        return self.ctx.t(self.locale, f"dashboard.{key}", **params)

    def number(self, value: float) -> str:
        return self.ctx.i18n.number(self.locale, value)

    def percent(self, share: float | None) -> str:
        """As `vitality` writes it."""
        return self("card.not_applicable") if share is None else f"{self.number(round(share * 100))} %"

    def hours(self, hours: float | None) -> str:
        return self("card.not_applicable") if hours is None else self("card.hours", hours=self.number(round(hours, 1)))

    def clock(self, at: int) -> str:
        return format_time(from_epoch(at).astimezone(self.ctx.tz), "short", locale=self.locale)


def feed_line(words: Words, event: LiveEvent, totals: dict[str, int] | None = None, *,
              names: bool = True) -> dict[str, Any]:
    """One live event as a sentence: shown names only, never message text; without `names` (a network
    animator looking at another community, whose members shared nothing with them) nobody is named."""
    someone = words("live.someone")
    who, other = (event.who, event.other) if names else (None, None)
    text = words(f"live.{event.kind}", who=who or someone, other=other or someone,
                 ref=event.ref if event.ref is not None else "",
                 skills=words.ctx.i18n.join(words.locale, list(event.skills)) if event.skills else "—")
    line: dict[str, Any] = {"kind": event.kind, "time": words.clock(event.at), "text": text, "seq": event.seq}
    if totals is not None:
        line["totals"] = totals_line(words, totals)
    return line


def totals_line(words: Words, totals: dict[str, int]) -> str:
    return words("live.totals", **{kind: words.number(count) for kind, count in totals.items()})


def cards(words: Words, ov: Overview) -> list[dict[str, Any]]:
    ind = ov.indicators
    return [
        {"key": "active_members", "label": words("card.active"), "value": ind.active_members,
         "text": words.number(ind.active_members), "hint": words("page.last_days", count=ov.days)},
        {"key": "newcomers", "label": words("card.newcomers"), "value": ind.newcomers,
         "text": words.number(ind.newcomers), "hint": words("page.last_days", count=ov.days)},
        {"key": "retention_30d", "label": words("card.retention"), "value": ind.retention_30d,
         "text": words.percent(ind.retention_30d), "hint": words("card.retention_hint")},
        {"key": "requests_opened", "label": words("card.requests"), "value": ind.requests_opened,
         "text": words.number(ind.requests_opened),
         "hint": words("card.requests_hint", count=ind.requests_resolved, resolved=words.number(ind.requests_resolved),
                       open=words.number(ov.open_requests))},
        {"key": "median_hours_to_first_helper", "label": words("card.first_helper"),
         "value": ind.median_hours_to_first_helper, "text": words.hours(ind.median_hours_to_first_helper),
         "hint": words("page.last_days", count=ov.days)},
        {"key": "godparent_coverage", "label": words("card.godparents"), "value": ind.godparent_coverage,
         "text": words.percent(ind.godparent_coverage), "hint": words("card.godparents_hint")},
    ]


def _week(words: Words, day: Any) -> str:
    return format_date(day, "d MMM", locale=words.locale)


def charts(words: Words, ov: Overview) -> dict[str, Any]:
    """Each chart: its SVG and the same figures as table rows."""
    weeks = [_week(words, p.week_start) for p in ov.weeks]
    every = 2 if len(weeks) > 8 else 1
    newcomers = [p.newcomers for p in ov.weeks]
    opened = [p.requests_opened for p in ov.weeks]
    resolved = [p.requests_resolved for p in ov.weeks]
    waits = [w.median_hours for w in ov.waits]
    cohort_rows = [(format_date(c.month, "MMM y", locale=words.locale), c.share,
                    f"{words.percent(c.share)} ({words.number(c.retained)}/{words.number(c.joined)})")
                   for c in ov.cohorts]
    help_rows = [(words("reciprocity.givers"), ov.gave_only), (words("reciprocity.both"), ov.gave_and_got),
                 (words("reciprocity.receivers"), ov.got_only)]
    help_max = max(max(n for _, n in help_rows), 1)
    orbit_total = max(sum(ov.orbit.values()), 1)
    orbit_rows = [(words(f"orbit.{g}"), ov.orbit[g], words(f"orbit.{g}_hint")) for g in ORBIT_GROUPS]
    return {
        "weeks": len(weeks),
        "newcomers": {
            "svg": svg.bar_chart(weeks, [(words("chart.count"), newcomers)], label_id="newcomers-title", every=every),
            "rows": [(w, words.number(n)) for w, n in zip(weeks, newcomers, strict=True)],
        },
        "requests": {
            "svg": svg.bar_chart(weeks, [(words("chart.opened"), opened), (words("chart.resolved"), resolved)],
                                 label_id="requests-title", every=every),
            "rows": [(w, words.number(o), words.number(r)) for w, o, r in zip(weeks, opened, resolved, strict=True)],
        },
        "waits": {
            "svg": svg.bar_chart(weeks, [(words("chart.median_hours"), waits)], label_id="waits-title", every=every),
            "rows": [(_week(words, w.week_start), words.number(w.helped), words.hours(w.median_hours))
                     for w in ov.waits],
        },
        "cohorts": {
            "svg": svg.share_bars(cohort_rows, label_id="cohorts-title"),
            "rows": [(label, words.number(c.joined), words.number(c.retained), words.percent(c.share))
                     for (label, _s, _t), c in zip(cohort_rows, ov.cohorts, strict=True)],
        },
        "help": {
            "svg": svg.share_bars([(label, n, words.number(n)) for label, n in help_rows], label_id="help-title",
                                  maximum=help_max),
            "rows": [(label, words.number(n)) for label, n in help_rows],
        },
        "orbit": {
            "svg": svg.share_bars([(label, n / orbit_total, words.number(n)) for label, n, _hint in orbit_rows],
                                  label_id="orbit-title", shades=True),
            "rows": [(label, hint, words.number(n)) for label, n, hint in orbit_rows],
            "days": ORBIT_DAYS,
        },
    }


def dashboard_view(ctx: Community, words: Words, ov: Overview, live: LiveStream, *, names: bool = True
                   ) -> dict[str, Any]:
    return {
        "periods": [(days, words("page.days", count=days)) for days in PERIODS],
        "period": ov.days,
        "period_text": words("page.last_days", count=ov.days),
        "cards": cards(words, ov),
        "charts": charts(words, ov),
        "unmet": list(ov.indicators.unmet_skills),
        "feed": [feed_line(words, event, names=names) for event in reversed(live.recent)],
        "totals": totals_line(words, live.totals),
        "updated": words("page.updated", when=format_date(ctx.local(), "d MMMM y", locale=words.locale) + " "
                         + words.clock(ctx.now_ts())),
    }
