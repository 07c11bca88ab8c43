"""The routing rules as SQL fragments, shared by the fast statements (storage/routing_group.py,
storage/routing_many.py) and the network's widened walk (storage/network_shared.py): who is
routable, who is eligible for one request (fatigue, languages, quiet hours), and the ranking keys."""
from __future__ import annotations

from storage import members as members_repo

_MEMBER_COLUMNS = ", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))

# Present, routable members: member_skill.walk_routable (0032) is 1 exactly for their offers.
_ROUTABLE = ("m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1 "
             "AND m.charter_accepted_at IS NOT NULL")

# The member's local hour (storage/sql_functions.py), the community's for an unknown zone.
_LOCAL_HOUR = ("CASE WHEN m.timezone IS NULL OR m.timezone = :community_tz THEN :community_hour "
               "ELSE COALESCE(local_hour(m.timezone, :now), :community_hour) END")

# The member speaks one of the requester's languages: the first LANGUAGE_SLOTS are bound one by one
# (a JSON list read for every member costs a third of a typical walk); the rest, rare, from the list.
LANGUAGE_SLOTS = 4
_SPOKEN = "',' || REPLACE(LOWER(m.languages), ' ', '') || ','"
_SPEAKS = "(" + " OR ".join(
    f"instr({_SPOKEN}, ',' || :lang_{i} || ',') > 0" for i in range(1, LANGUAGE_SLOTS + 1)) + (
    f" OR (:more_languages AND EXISTS (SELECT 1 FROM json_each(:languages) l WHERE instr({_SPOKEN}, ',' || l.value "
    "|| ',') > 0)))")

# The member's quiet hours, the community's night for a member who set none.
_QUIET_START = "CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN :night_start ELSE m.quiet_start END"
_QUIET_END = "CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN :night_end ELSE m.quiet_end END"
# Awake: the local hour h is outside [start, end), read around the clock: quiet exactly when
# (h - start) mod 24 < (end - start) mod 24 (start < end: start <= h < end; start > end: the night
# wraps midnight, h >= start or h < end; start = end: never quiet). One expression, each hour read
# once, where a subquery per member cost a co-routine. Hours are 0-23 (profiles.parse_quiet_hours,
# the config's night); tests/test_routing_fastpath.py checks every (hour, start, end) against the plain rule.
_AWAKE = (f"(:urgent OR ({_LOCAL_HOUR} - {_QUIET_START} + 24) % 24 >= "
          f"({_QUIET_END} - {_QUIET_START} + 24) % 24)")

# Fewer than :fatigue_cap pings since :fatigue_since. Pings are counted only for members whose last
# ping (member.last_pinged_at, kept equal to MAX(request_ping.at) by triggers) falls inside the
# window, and never beyond the cap (a member asked often has many pings: reading :fatigue_cap tells).
_RESTED = ("(CASE WHEN {last} > :fatigue_since THEN (SELECT COUNT(*) FROM (SELECT 1 FROM request_ping p "
           "WHERE p.helper_id = {id} AND p.at > :fatigue_since LIMIT :fatigue_cap) f) ELSE 0 END) < :fatigue_cap")

# _RESTED read from the copies of the latest pings (0301: member.pinged_at_2..4, and the walk
# index's walk_pinged_at_2..4) when the cap is 1 to 4: fewer than :fatigue_cap pings since
# :fatigue_since exactly when the cap-th latest ping is not after it (a ping counted as often as it
# was sent, as the copies keep them). Other caps count, as _RESTED. SQLite's group walks use it (a
# count per member pinged in the fatigue window was a third of a busy walk); PostgreSQL's function
# still counts.
_RESTED_LEVELS = ("(CASE WHEN :fatigue_cap BETWEEN 1 AND 4 THEN COALESCE(CASE :fatigue_cap WHEN 1 THEN {last} "
                  "WHEN 2 THEN {p}2 WHEN 3 THEN {p}3 ELSE {p}4 END, :fatigue_since) <= :fatigue_since "
                  "ELSE " + _RESTED + " END)")

# The per-request filters, cheapest first. The exclusion list is nearly always empty: it is read
# only when it is not.
_ELIGIBLE = f"""m.id != :requester_id
      AND (:exclude = '[]' OR m.id NOT IN (SELECT value FROM json_each(:exclude)))
      AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = :request_id AND p.helper_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = :request_id AND h.helper_id = m.id)
      AND {_RESTED.format(last="m.last_pinged_at", id="m.id")}
      AND (:languages = '[]' OR TRIM(m.languages) = '' OR {_SPEAKS})
      AND {_AWAKE}"""
# _ELIGIBLE with the member's fatigue read from their latest pings (_RESTED_LEVELS).
_ELIGIBLE_LEVELS = _ELIGIBLE.replace(_RESTED.format(last="m.last_pinged_at", id="m.id"),
                                     _RESTED_LEVELS.format(last="m.last_pinged_at", p="m.pinged_at_", id="m.id"))

_SKILLS = ("(SELECT COUNT(*) FROM member_skill x WHERE x.member_id = m.id AND x.kind = 'offer' "
           "AND x.skill_id IN (SELECT skill_id FROM wanted))")
_RECENT = ("CASE WHEN m.last_pinged_at > :fair_since THEN (SELECT COUNT(*) FROM request_ping p "
           "WHERE p.helper_id = m.id AND p.at > :fair_since) ELSE 0 END")
_ORDER = "skills DESC, recent ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC"
