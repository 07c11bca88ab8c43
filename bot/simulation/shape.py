"""A community's shape: the counts and shares the simulator seeds from (never names or messages).

The default is a 300-member neighbourhood network; `shape_from_database` copies the counts of a
real community's database so animators can ask "what would helpers_per_round = 5 do for us?"."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from storage.simulation import community_counts

# Skills in popularity order (the first is offered most); the last two are asked for, never offered.
SKILL_NAMES = (
    "bricolage", "informatique", "jardinage", "cuisine", "déménagement", "couture", "vélo", "administratif",
    "garde d'enfants", "traduction", "covoiturage", "peinture", "électricité", "plomberie", "comptabilité",
    "photographie", "musique", "soutien scolaire", "menuiserie", "coiffure", "premiers secours", "mécanique",
    "graphisme", "tricot", "apiculture", "réparation électroménager", "droit du logement", "yoga",
)
UNMET_SKILLS = ("soudure", "langue des signes")


@dataclass(frozen=True)
class Shape:
    """Counts and shares; every draw the simulator makes comes from these and the seed."""

    members: int = 300
    weeks: int = 8
    skills: tuple[str, ...] = SKILL_NAMES
    unmet_skills: tuple[str, ...] = UNMET_SKILLS
    skill_zipf: float = 1.0            # offer popularity of the k-th skill ~ 1 / k^zipf
    offers_per_member: tuple[float, ...] = (0.3, 0.3, 0.2, 0.12, 0.08)  # share offering 0, 1, 2, 3, 4 skills
    languages: tuple[tuple[str, float], ...] = (("fr", 0.58), ("fr,en", 0.27), ("en", 0.09), ("es,fr", 0.03),
                                                ("ar", 0.03))
    timezones: tuple[tuple[str | None, float], ...] = ((None, 0.82), ("Europe/Brussels", 0.06),
                                                       ("America/Montreal", 0.05), ("Africa/Dakar", 0.04),
                                                       ("Indian/Reunion", 0.03))
    quiet_hours_share: float = 0.45    # members who set quiet hours (the others sleep all the same)
    available_share: float = 0.92
    volunteer_share: float = 0.1       # godparent volunteers among members of two weeks or more
    requests_per_week: float = 35.0
    urgent_share: float = 0.05
    unmet_share: float = 0.03          # requests asking for a skill nobody offers
    night_request_share: float = 0.15  # requests written between 22:00 and 08:00 local
    newcomers_per_week: float = 3.0
    leaves_per_week: float = 1.5
    activity: tuple[float, ...] = (0.25, 0.35, 0.3, 0.1)  # dormant, monthly, weekly, daily (requesters)
    extra: dict[str, float] = field(default_factory=dict)

    def scaled(self, members: int | None = None, weeks: int | None = None) -> Shape:
        """The same shares for another size: requests, joins and leaves grow with the members."""
        ratio = (members or self.members) / self.members
        return replace(self, members=members or self.members, weeks=weeks or self.weeks,
                       requests_per_week=self.requests_per_week * ratio,
                       newcomers_per_week=self.newcomers_per_week * ratio,
                       leaves_per_week=self.leaves_per_week * ratio)


def _shares(counts: dict, total: int) -> tuple:
    return tuple((k, v / total) for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v) if total else ()


def shape_from_database(path: Path | str, guild_id: str | None = None, weeks: int = 8) -> Shape:
    """The counts of a real community (read-only): members, offers per skill, languages, zones, quiet
    hours, availability, volunteers, and the last weeks' requests, joins and leaves per week. Skill
    names are replaced by the defaults' (a shape carries no names)."""
    c = community_counts(path, guild_id, weeks)
    members = c.members
    if members < 10:
        raise ValueError(f"{path}: only {members} present members, too few to simulate")
    buckets = [0] * 5
    for n in c.offers_per_member:
        buckets[min(n, 4)] += 1
    base = Shape()
    zipf = base.skill_zipf
    counts = c.offers_per_skill
    if len(counts) >= 3 and counts[-1] > 0 and counts[0] > counts[-1]:
        # 1/k^z through the first and last counts: z = ln(first/last) / ln(k)
        zipf = max(0.2, min(2.0, math.log(counts[0] / counts[-1]) / math.log(len(counts))))
    skills = base.skills[:max(3, min(len(base.skills), len(counts) or len(base.skills)))]
    return replace(
        base, members=members, weeks=weeks, skills=skills, skill_zipf=zipf,
        offers_per_member=tuple(b / members for b in buckets),
        languages=_shares(c.languages, members) or base.languages,
        timezones=_shares(c.timezones, members) or base.timezones,
        quiet_hours_share=c.quiet / members, available_share=c.available / members,
        volunteer_share=c.volunteers / members,
        requests_per_week=max(1.0, c.requests / weeks) if c.requests else base.requests_per_week * members / 300,
        newcomers_per_week=c.joins / weeks, leaves_per_week=c.leaves / weeks,
    )
