-- Routing at scale (issue 10), second step: each offer row carries its member's fairness keys
-- (last ping, seniority) and whether the member is routable at all, so routing walks the OWN
-- offerers of the requested skill in fairness order (index member_skill_offer_walk) instead of all
-- members. Triggers keep the copies equal to the member row, whoever writes it (the ping triggers of
-- 0031 update member.last_pinged_at, which fires member_skill_walk_member below).
ALTER TABLE member_skill ADD COLUMN walk_pinged_at INTEGER;
ALTER TABLE member_skill ADD COLUMN walk_joined_at INTEGER;
ALTER TABLE member_skill ADD COLUMN walk_routable INTEGER NOT NULL DEFAULT 0;

UPDATE member_skill SET (walk_pinged_at, walk_joined_at, walk_routable) = (
    SELECT m.last_pinged_at, m.joined_at,
           CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    FROM member m WHERE m.id = member_skill.member_id);

CREATE INDEX member_skill_offer_walk ON member_skill(skill_id, walk_pinged_at, walk_joined_at, member_id)
    WHERE kind = 'offer' AND walk_routable = 1;

CREATE TRIGGER member_skill_walk_insert AFTER INSERT ON member_skill
BEGIN
    UPDATE member_skill SET (walk_pinged_at, walk_joined_at, walk_routable) = (
        SELECT m.last_pinged_at, m.joined_at,
               CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                    AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
        FROM member m WHERE m.id = NEW.member_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER member_skill_walk_move AFTER UPDATE OF member_id ON member_skill
BEGIN
    UPDATE member_skill SET (walk_pinged_at, walk_joined_at, walk_routable) = (
        SELECT m.last_pinged_at, m.joined_at,
               CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                    AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
        FROM member m WHERE m.id = NEW.member_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER member_skill_walk_member AFTER UPDATE OF last_pinged_at, joined_at, left_at, erased, active,
    available, charter_accepted_at ON member
    WHEN OLD.last_pinged_at IS NOT NEW.last_pinged_at OR OLD.joined_at IS NOT NEW.joined_at
      OR OLD.left_at IS NOT NEW.left_at OR OLD.erased IS NOT NEW.erased OR OLD.active IS NOT NEW.active
      OR OLD.available IS NOT NEW.available OR OLD.charter_accepted_at IS NOT NEW.charter_accepted_at
BEGIN
    UPDATE member_skill SET walk_pinged_at = NEW.last_pinged_at, walk_joined_at = NEW.joined_at,
        walk_routable = CASE WHEN NEW.left_at IS NULL AND NEW.erased = 0 AND NEW.active = 1 AND NEW.available = 1
                                 AND NEW.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    WHERE member_id = NEW.id;
END;
