-- Routing at scale: a walk's last arm (the offerers pinged inside the fairness window) sorted them
-- all by their count of pings there, one count read per offerer (696 of them for one often
-- requested skill of the 100k benchmark community). Each member's 2nd, 3rd and 4th latest pings
-- (last_pinged_at, 0031, is the 1st) give that count without reading the pings whenever it is under
-- four: how many of those four fall inside the window. Each offer carries copies (as 0032's), so the
-- walk reads them from its index. Derived data only: triggers keep them equal to request_ping and the
-- member row, whoever writes them.
ALTER TABLE member ADD COLUMN pinged_at_2 INTEGER;
ALTER TABLE member ADD COLUMN pinged_at_3 INTEGER;
ALTER TABLE member ADD COLUMN pinged_at_4 INTEGER;
ALTER TABLE member_skill ADD COLUMN walk_pinged_at_2 INTEGER;
ALTER TABLE member_skill ADD COLUMN walk_pinged_at_3 INTEGER;
ALTER TABLE member_skill ADD COLUMN walk_pinged_at_4 INTEGER;

UPDATE member SET (pinged_at_2, pinged_at_3, pinged_at_4) = (
    (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 1),
    (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 2),
    (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 3))
WHERE last_pinged_at IS NOT NULL;

UPDATE member_skill SET (walk_pinged_at_2, walk_pinged_at_3, walk_pinged_at_4) = (
    SELECT m.pinged_at_2, m.pinged_at_3, m.pinged_at_4 FROM member m WHERE m.id = member_skill.member_id)
WHERE walk_pinged_at IS NOT NULL;

DROP INDEX member_skill_offer_walk;
CREATE INDEX member_skill_offer_walk ON member_skill(skill_id, walk_pinged_at, walk_joined_at, member_id,
    walk_pinged_at_2, walk_pinged_at_3, walk_pinged_at_4) WHERE kind = 'offer' AND walk_routable = 1;

CREATE TRIGGER request_ping_levels_insert AFTER INSERT ON request_ping WHEN NEW.helper_id IS NOT NULL
BEGIN
    UPDATE member SET (pinged_at_2, pinged_at_3, pinged_at_4) = (
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 1),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 2),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 3))
    WHERE id = NEW.helper_id;
END;

CREATE TRIGGER request_ping_levels_delete AFTER DELETE ON request_ping WHEN OLD.helper_id IS NOT NULL
BEGIN
    UPDATE member SET (pinged_at_2, pinged_at_3, pinged_at_4) = (
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 1),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 2),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 3))
    WHERE id = OLD.helper_id;
END;

CREATE TRIGGER request_ping_levels_update AFTER UPDATE OF helper_id, at ON request_ping
BEGIN
    UPDATE member SET (pinged_at_2, pinged_at_3, pinged_at_4) = (
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 1),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 2),
        (SELECT p.at FROM request_ping p WHERE p.helper_id = member.id ORDER BY p.at DESC LIMIT 1 OFFSET 3))
    WHERE id IN (OLD.helper_id, NEW.helper_id);
END;

CREATE TRIGGER member_skill_levels_insert AFTER INSERT ON member_skill
BEGIN
    UPDATE member_skill SET (walk_pinged_at_2, walk_pinged_at_3, walk_pinged_at_4) = (
        SELECT m.pinged_at_2, m.pinged_at_3, m.pinged_at_4 FROM member m WHERE m.id = NEW.member_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER member_skill_levels_move AFTER UPDATE OF member_id ON member_skill
BEGIN
    UPDATE member_skill SET (walk_pinged_at_2, walk_pinged_at_3, walk_pinged_at_4) = (
        SELECT m.pinged_at_2, m.pinged_at_3, m.pinged_at_4 FROM member m WHERE m.id = NEW.member_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER member_skill_levels_member AFTER UPDATE OF pinged_at_2, pinged_at_3, pinged_at_4 ON member
    WHEN OLD.pinged_at_2 IS NOT NEW.pinged_at_2 OR OLD.pinged_at_3 IS NOT NEW.pinged_at_3
      OR OLD.pinged_at_4 IS NOT NEW.pinged_at_4
BEGIN
    UPDATE member_skill SET walk_pinged_at_2 = NEW.pinged_at_2, walk_pinged_at_3 = NEW.pinged_at_3,
        walk_pinged_at_4 = NEW.pinged_at_4
    WHERE member_id = NEW.id;
END;
