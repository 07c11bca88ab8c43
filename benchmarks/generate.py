"""Deterministic synthetic communities for the benchmarks, written straight into a migrated SQLite file.

The schema comes from the real migrations (storage.database.open_database); the rows go in with plain
sqlite3 executemany in one transaction, because generating 100,000 members through the services would
take longer than every benchmark together. Same seed, same N → the same file, row for row.

    .venv/bin/python benchmarks/generate.py 100000 -o /tmp/community.sqlite
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.database import migrations, open_database  # noqa: E402

GENERATOR_VERSION = 2  # bump when the shape of the data changes, so cached files are rebuilt
GUILD = "console"  # the console's community id, so `entraide console --db` sees the generated members
COMMUNITY_TZ = ZoneInfo("Europe/Paris")
DEFAULT_NOW = "2026-12-01T08:00:00+01:00"  # a Tuesday morning: no weekly job inside the catch-up grace
DEFAULT_SEED = 20261201
SKILL_COUNT = 300
DAY = 86_400
DATA_DIR = Path(__file__).resolve().parent / "data"

BASE_SKILLS = (
    "plomberie", "cuisine", "électricité", "numérique", "jardinage", "couture", "bricolage", "comptabilité",
    "traduction", "graphisme", "menuiserie", "peinture", "vélo", "photographie", "soutien scolaire",
    "anglais", "droit du travail", "démarches administratives", "garde d'enfants", "déménagement",
    "informatique libre", "réseaux sociaux", "animation", "musique", "permaculture", "couture zéro déchet",
    "réparation électroménager", "mécanique auto", "rédaction", "secourisme",
)
TIMEZONES = ((None, 70), ("Europe/Paris", 10), ("Europe/Brussels", 5), ("America/Montreal", 5),
             ("Africa/Dakar", 4), ("Indian/Reunion", 3), ("Pacific/Noumea", 3))
LANGUAGES = (("fr", 50), ("fr,en", 25), ("en", 10), ("", 7), ("fr,ar", 4), ("fr,es", 2), ("es,en", 2))
LOCALES = (("fr", 72), ("en", 23), (None, 5))
QUIET_HOURS = (((22, 7), 50), ((23, 8), 20), ((0, 6), 10), ((None, None), 20))
# (share of members, days active per year): dormant, light, regular, heavy.
ACTIVITY_LEVELS = ((0.35, 1), (0.30, 12), (0.25, 50), (0.10, 180))


@dataclass(frozen=True)
class Spec:
    """What to generate; `open_requests` defaults to one per ten members (10k at 100k)."""

    members: int
    open_requests: int | None = None
    seed: int = DEFAULT_SEED
    now: str = DEFAULT_NOW
    activity_days: int = 365

    @property
    def requests_open(self) -> int:
        return self.members // 10 if self.open_requests is None else self.open_requests

    def cache_name(self) -> str:
        return (f"community-n{self.members}-r{self.requests_open}-s{self.seed}-d{self.activity_days}"
                f"-g{GENERATOR_VERSION}-m{schema_fingerprint()}.sqlite")


def schema_fingerprint() -> str:
    """Changes with any migration (a new one numbered below the newest would not change the version)."""
    import hashlib

    digest = hashlib.sha256()
    for _version, name, sql in migrations():
        digest.update(name.encode() + b"\0" + sql.encode())
    return digest.hexdigest()[:10]


def _weighted(rng: random.Random, table: tuple[tuple[object, int], ...]) -> object:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


class Zipf:
    """Draws skill indexes with weight 1/rank: a few skills are everywhere, most are rare."""

    def __init__(self, n: int, rng: random.Random, exponent: float = 1.0) -> None:
        self.rng = rng
        self.cum = list(itertools.accumulate(1.0 / (rank ** exponent) for rank in range(1, n + 1)))

    def draw_distinct(self, k: int) -> list[int]:
        picked: list[int] = []
        total = self.cum[-1]
        while len(picked) < k:
            index = bisect.bisect_left(self.cum, self.rng.random() * total)
            if index not in picked:
                picked.append(index)
        return picked


def skill_names() -> list[str]:
    names = list(BASE_SKILLS)
    names += [f"compétence {i:03d}" for i in range(len(names) + 1, SKILL_COUNT + 1)]
    return names[:SKILL_COUNT]


async def _create_schema(path: Path) -> None:
    db = await open_database(path)
    await db.close()


def generate(path: Path | str, spec: Spec) -> dict[str, int]:
    """Write a fresh community into `path` (replaced if it exists); returns row counts per table."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=OFF")  # consistent by construction; checked in the smoke test
        conn.execute("BEGIN")
        counts = _fill(conn, spec)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return counts


def _fill(conn: sqlite3.Connection, spec: Spec) -> dict[str, int]:
    rng = random.Random(spec.seed)
    now_dt = datetime.fromisoformat(spec.now)
    now = int(now_dt.timestamp())
    n = spec.members
    counts: dict[str, int] = {}

    # Skills ----------------------------------------------------------------------------------
    from bot.services.skills import display_form, skill_key

    names = skill_names()
    conn.executemany("INSERT INTO skill (id, guild_id, key, display) VALUES (?, ?, ?, ?)",
                     [(i + 1, GUILD, skill_key(name), display_form(name)) for i, name in enumerate(names)])
    counts["skill"] = len(names)
    offers_zipf = Zipf(SKILL_COUNT, rng)
    # Needs follow another popularity order: what people lack is not what most people offer.
    need_order = list(range(SKILL_COUNT))
    rng.shuffle(need_order)
    needs_zipf = Zipf(SKILL_COUNT, rng, exponent=1.1)

    # Members ---------------------------------------------------------------------------------
    span = 730 * DAY
    members = []
    joined: list[int] = []
    left: list[int | None] = []
    volunteers: list[int] = []
    for i in range(1, n + 1):
        joined_at = now - span + (i * span) // (n + 1) - rng.randrange(3600)
        left_at = joined_at + rng.randrange(max(1, now - joined_at)) if rng.random() < 0.05 else None
        accepted = joined_at + rng.randrange(60, 3 * DAY) if rng.random() < 0.95 else None
        if accepted is not None and accepted >= now:
            accepted = None
        quiet_start, quiet_end = _weighted(rng, QUIET_HOURS)  # type: ignore[misc]
        volunteer = int(accepted is not None and left_at is None and now - joined_at > 14 * DAY
                        and rng.random() < 0.08)
        if volunteer:
            volunteers.append(i)
        members.append([
            i, GUILD, f"m{i:06d}", f"member{i}", _weighted(rng, LOCALES), _weighted(rng, TIMEZONES), joined_at,
            left_at, int(rng.random() < 0.97), accepted, None, None, volunteer, None,
            f"Bénévole n°{i}" if rng.random() < 0.3 else None, _weighted(rng, LANGUAGES), quiet_start, quiet_end,
            int(rng.random() < 0.9), int(rng.random() < 0.92), int(rng.random() < 0.95),
            int(rng.random() < 0.03), joined_at + rng.randrange(max(1, now - joined_at)), None, 0,
        ])
        joined.append(joined_at)
        left.append(left_at)

    # Godparents: newcomers of the last six months get a volunteer with room (at most 3 godchildren).
    load: dict[int, int] = {}
    newcomer_since = now - 180 * DAY
    for row in members:
        if row[6] < newcomer_since or row[9] is None or not volunteers:
            continue
        for _ in range(4):
            gp = volunteers[rng.randrange(len(volunteers))]
            if gp != row[0] and load.get(gp, 0) < 3 and joined[gp - 1] < row[6]:
                load[gp] = load.get(gp, 0) + 1
                row[10], row[11] = gp, row[9]
                members[gp - 1][13] = max(members[gp - 1][13] or 0, row[9])
                break

    # Activity: a year of days per member, at a level drawn once per member; last_active_at follows.
    day_names = [(now_dt.astimezone(COMMUNITY_TZ) - timedelta(days=d)).strftime("%Y-%m-%d")
                 for d in range(spec.activity_days)]
    day_starts = [now - d * DAY for d in range(spec.activity_days)]
    levels = [(share, per_year) for share, per_year in ACTIVITY_LEVELS]
    cum_levels = list(itertools.accumulate(share for share, _ in levels))
    activity_plan: list[tuple[int, list[int]]] = []
    for row in members:
        member_id, joined_at, left_at = row[0], row[6], row[7]
        level = min(bisect.bisect_left(cum_levels, rng.random()), len(levels) - 1)
        if row[12]:  # godparent volunteers are the community's regulars
            level = max(level, 2)
        per_year = levels[level][1]
        lo = 0 if left_at is None else max(0, (now - left_at) // DAY + 1)
        hi = min(spec.activity_days, max(0, (now - joined_at) // DAY))
        if hi <= lo:
            continue
        expected = per_year * (hi - lo) / 365
        k = min(hi - lo, int(expected) + (1 if rng.random() < expected - int(expected) else 0))
        if k:
            days = rng.sample(range(lo, hi), k)
            activity_plan.append((member_id, days))
            row[23] = day_starts[min(days)] - rng.randrange(DAY // 2)

    conn.executemany(
        "INSERT INTO member (id, guild_id, platform_id, handle, locale, timezone, joined_at, left_at, active, "
        "charter_accepted_at, godparent_id, godparent_since, godparent_volunteer, last_godchild_at, bio, "
        "languages, quiet_start, quiet_end, available, nudges, visible, dms_closed, profile_updated_at, "
        "last_active_at, erased) VALUES (" + ",".join("?" * 25) + ")",
        members,
    )
    counts["member"] = n
    roles = [(row[0], "member") for row in members if row[9] is not None]
    roles += [(i, "animator") for i in range(1, min(n, 3) + 1)]
    conn.executemany("INSERT OR IGNORE INTO member_role (member_id, role) VALUES (?, ?)", roles)
    counts["member_role"] = len(roles)

    def activity_rows() -> Iterator[tuple[int, str, int, int]]:
        for member_id, days in activity_plan:
            for d in days:
                yield member_id, day_names[d], 1 + int(rng.expovariate(0.4)), int(rng.random() < 0.2)

    conn.executemany("INSERT INTO activity_day (member_id, day, messages, actions) VALUES (?, ?, ?, ?)",
                     activity_rows())
    counts["activity_day"] = sum(len(days) for _, days in activity_plan)

    # Skills offered and needed; who offers what, for requests and pings below.
    offerers: list[list[int]] = [[] for _ in range(SKILL_COUNT)]
    skill_rows = []
    for row in members:
        member_id = row[0]
        for s in offers_zipf.draw_distinct(rng.randint(1, 5)):
            skill_rows.append((member_id, s + 1, "offer"))
            if row[7] is None:
                offerers[s].append(member_id)
        for s in needs_zipf.draw_distinct(rng.choice((0, 0, 1, 1, 2))):
            skill_rows.append((member_id, need_order[s] + 1, "need"))
    conn.executemany("INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)", skill_rows)
    counts["member_skill"] = len(skill_rows)

    # Requests: a year of closed history, plus the open ones of the last 30 days, each pinged once.
    present = [row[0] for row in members if row[7] is None]
    history = max(1, n * 3 // 10)
    request_rows, skill_links, pings, helpers, kudos = [], [], [], [], []
    for index in range(history + spec.requests_open):
        request_id = index + 1
        is_open = index >= history
        age = rng.randrange(30 * DAY) if is_open else rng.randrange(30 * DAY, 365 * DAY)
        created = now - age
        requester = present[rng.randrange(len(present))]
        wanted = [need_order[s] for s in needs_zipf.draw_distinct(rng.randint(1, 3))]
        for s in wanted:
            skill_links.append((request_id, s + 1))
        pool = offerers[wanted[0]]
        pinged = [m for m in (pool[rng.randrange(len(pool))] for _ in range(3)) if m != requester] if pool else []
        pinged = list(dict.fromkeys(pinged))
        first_ping = created + 5 if pinged else None
        for m in pinged:
            pings.append((request_id, m, 1, created + 5))
        status, claimed_at, resolved_at = "open", None, None
        if not is_open:
            status = _weighted(rng, (("resolved", 70), ("cancelled", 15), ("closed", 5), ("claimed", 10)))
            if status in ("resolved", "claimed") and pinged:
                helper = pinged[0]
                claimed_at = created + rng.randrange(600, 3 * DAY)
                helpers.append((request_id, helper, claimed_at))
                if status == "resolved":
                    resolved_at = claimed_at + rng.randrange(3600, 10 * DAY)
                    if rng.random() < 0.6:
                        kudos.append((GUILD, requester, helper, "Merci pour le coup de main !", request_id,
                                      min(resolved_at, now - 60)))
            elif status == "resolved":
                status = "cancelled"
        request_rows.append((
            request_id, GUILD, requester, f"Besoin d'aide n°{request_id}", "Quelques détails sur la demande.",
            int(rng.random() < 0.1), status, 1 if pinged else 0, created, first_ping, first_ping, claimed_at,
            resolved_at,
        ))
    conn.executemany(
        "INSERT INTO request (id, guild_id, requester_id, title, details, urgent, status, rounds, created_at, "
        "first_ping_at, last_round_at, claimed_at, resolved_at) VALUES (" + ",".join("?" * 13) + ")",
        request_rows,
    )
    conn.executemany("INSERT OR IGNORE INTO request_skill (request_id, skill_id) VALUES (?, ?)", skill_links)
    conn.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)", pings)
    conn.executemany("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)", helpers)
    counts.update(request=len(request_rows), request_skill=len(skill_links), request_ping=len(pings),
                  request_helper=len(helpers))

    # Spontaneous thanks over the year, on top of those for resolved requests.
    for _ in range(n // 5):
        giver, receiver = present[rng.randrange(len(present))], present[rng.randrange(len(present))]
        if giver != receiver:
            kudos.append((GUILD, giver, receiver, "Merci !", None, now - rng.randrange(365 * DAY)))
    conn.executemany("INSERT INTO kudos (guild_id, from_id, to_id, reason, request_id, at) VALUES (?, ?, ?, ?, ?, ?)",
                     kudos)
    counts["kudos"] = len(kudos)

    # Check-ins already sent (so the daily job only sends today's), and last weeks' nudges.
    checkins = []
    for row in members:
        for offset in (7, 30, 180):
            at = row[6] + offset * DAY
            if row[9] is not None and now - 365 * DAY < at < now - DAY // 2:
                checkins.append((row[0], offset, at))
    conn.executemany("INSERT INTO checkin (member_id, offset_days, at) VALUES (?, ?, ?)", checkins)
    counts["checkin"] = len(checkins)
    nudges = []
    for weeks_ago in range(1, 5):
        when = now_dt - timedelta(weeks=weeks_ago)
        year, week, _ = when.astimezone(COMMUNITY_TZ).isocalendar()
        for member_id in rng.sample(present, min(len(present), n // 20)):
            nudges.append((member_id, f"{year}-W{week:02d}", rng.choice(("request", "profile", "hello")),
                           int(when.timestamp())))
    conn.executemany("INSERT OR IGNORE INTO nudge (member_id, week, reason, at) VALUES (?, ?, ?, ?)", nudges)
    counts["nudge"] = len(nudges)
    return counts


def cached(spec: Spec, data_dir: Path = DATA_DIR, log: bool = True) -> Path:
    """The generated file for `spec`, built once and reused (benchmarks copy it before writing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / spec.cache_name()
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        counts = generate(tmp, spec)
        tmp.rename(path)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        if log:
            print(f"  generated {path.name} in {time.perf_counter() - started:.1f}s: "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()), file=sys.stderr)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--open-requests", type=int)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--now", default=DEFAULT_NOW)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.output, Spec(args.members, args.open_requests, args.seed, args.now))
    print(f"{args.output}: {counts} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
