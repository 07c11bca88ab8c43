-- Routing at scale (issue 10), third step: the members who offer BOTH of two skills, in fairness
-- order. A request for two or three skills ranks members offering more of them first; finding them
-- by reading every offer of the smaller skill cost milliseconds at 100,000 members. One row per
-- pair of skills a member offers (skill_lo < skill_hi) carries the same copies as member_skill
-- (0032: last ping, seniority, routable), so routing walks a pair like it walks a skill.
-- Derived data only: triggers keep it equal to member_skill and member, whoever writes them.
CREATE TABLE member_offer_pair (
    member_id      INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    skill_lo       INTEGER NOT NULL,
    skill_hi       INTEGER NOT NULL,
    walk_pinged_at INTEGER,
    walk_joined_at INTEGER,
    walk_routable  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, skill_lo, skill_hi)
) WITHOUT ROWID;

INSERT INTO member_offer_pair (member_id, skill_lo, skill_hi, walk_pinged_at, walk_joined_at, walk_routable)
SELECT a.member_id, a.skill_id, b.skill_id, m.last_pinged_at, m.joined_at,
       CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
            AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
FROM member_skill a
JOIN member_skill b ON b.member_id = a.member_id AND b.kind = 'offer' AND b.skill_id > a.skill_id
JOIN member m ON m.id = a.member_id
WHERE a.kind = 'offer';

CREATE INDEX member_offer_pair_walk ON member_offer_pair(skill_lo, skill_hi, walk_pinged_at, walk_joined_at, member_id)
    WHERE walk_routable = 1;

CREATE TRIGGER member_offer_pair_insert AFTER INSERT ON member_skill WHEN NEW.kind = 'offer'
BEGIN
    INSERT OR IGNORE INTO member_offer_pair
        (member_id, skill_lo, skill_hi, walk_pinged_at, walk_joined_at, walk_routable)
    SELECT NEW.member_id, MIN(o.skill_id, NEW.skill_id), MAX(o.skill_id, NEW.skill_id), m.last_pinged_at,
           m.joined_at, CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                             AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    FROM member_skill o JOIN member m ON m.id = o.member_id
    WHERE o.member_id = NEW.member_id AND o.kind = 'offer' AND o.skill_id != NEW.skill_id;
END;

CREATE TRIGGER member_offer_pair_delete AFTER DELETE ON member_skill WHEN OLD.kind = 'offer'
BEGIN
    DELETE FROM member_offer_pair
    WHERE member_id = OLD.member_id AND (skill_lo = OLD.skill_id OR skill_hi = OLD.skill_id);
END;

CREATE TRIGGER member_offer_pair_update AFTER UPDATE OF member_id, skill_id, kind ON member_skill
BEGIN
    DELETE FROM member_offer_pair
    WHERE OLD.kind = 'offer' AND member_id = OLD.member_id AND (skill_lo = OLD.skill_id OR skill_hi = OLD.skill_id);
    INSERT OR IGNORE INTO member_offer_pair
        (member_id, skill_lo, skill_hi, walk_pinged_at, walk_joined_at, walk_routable)
    SELECT NEW.member_id, MIN(o.skill_id, NEW.skill_id), MAX(o.skill_id, NEW.skill_id), m.last_pinged_at,
           m.joined_at, CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                             AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    FROM member_skill o JOIN member m ON m.id = o.member_id
    WHERE NEW.kind = 'offer' AND o.member_id = NEW.member_id AND o.kind = 'offer' AND o.skill_id != NEW.skill_id;
END;

CREATE TRIGGER member_offer_pair_member AFTER UPDATE OF last_pinged_at, joined_at, left_at, erased, active,
    available, charter_accepted_at ON member
    WHEN OLD.last_pinged_at IS NOT NEW.last_pinged_at OR OLD.joined_at IS NOT NEW.joined_at
      OR OLD.left_at IS NOT NEW.left_at OR OLD.erased IS NOT NEW.erased OR OLD.active IS NOT NEW.active
      OR OLD.available IS NOT NEW.available OR OLD.charter_accepted_at IS NOT NEW.charter_accepted_at
BEGIN
    UPDATE member_offer_pair SET walk_pinged_at = NEW.last_pinged_at, walk_joined_at = NEW.joined_at,
        walk_routable = CASE WHEN NEW.left_at IS NULL AND NEW.erased = 0 AND NEW.active = 1 AND NEW.available = 1
                                 AND NEW.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    WHERE member_id = NEW.id;
END;

-- 0031's walk over all members was replaced by 0032's walk over each skill's offers: nothing reads it.
DROP INDEX IF EXISTS member_fair_walk;
