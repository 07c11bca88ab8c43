-- Routing at scale (issue 10): each member's last ping, kept on the member row, lets routing walk
-- members in fairness order (never pinged first, then least recently pinged, then seniority, then id)
-- and stop after a few helpers instead of ranking every member who offers a popular skill.
-- Triggers keep it equal to MAX(request_ping.at) whoever writes the pings.
ALTER TABLE member ADD COLUMN last_pinged_at INTEGER;

UPDATE member SET last_pinged_at = (SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = member.id);

CREATE INDEX member_fair_walk ON member(guild_id, last_pinged_at, joined_at)
    WHERE left_at IS NULL AND erased = 0 AND active = 1 AND available = 1 AND charter_accepted_at IS NOT NULL;

CREATE TRIGGER request_ping_last_insert AFTER INSERT ON request_ping WHEN NEW.helper_id IS NOT NULL
BEGIN
    UPDATE member SET last_pinged_at = NEW.at
    WHERE id = NEW.helper_id AND (last_pinged_at IS NULL OR last_pinged_at < NEW.at);
END;

CREATE TRIGGER request_ping_last_delete AFTER DELETE ON request_ping WHEN OLD.helper_id IS NOT NULL
BEGIN
    UPDATE member SET last_pinged_at = (SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = OLD.helper_id)
    WHERE id = OLD.helper_id;
END;

CREATE TRIGGER request_ping_last_update AFTER UPDATE OF helper_id, at ON request_ping
BEGIN
    UPDATE member SET last_pinged_at = (SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = member.id)
    WHERE id IN (OLD.helper_id, NEW.helper_id);
END;

-- How many members offer each skill: routing walks the members of a popular skill in fairness order
-- and ranks the few who offer a rarer requested skill exactly. Only a planning hint: a stale count
-- can make routing slower, never wrong.
ALTER TABLE skill ADD COLUMN offer_count INTEGER NOT NULL DEFAULT 0;

UPDATE skill SET offer_count = (SELECT COUNT(*) FROM member_skill ms WHERE ms.skill_id = skill.id AND ms.kind = 'offer');

CREATE TRIGGER member_skill_offer_insert AFTER INSERT ON member_skill WHEN NEW.kind = 'offer'
BEGIN
    UPDATE skill SET offer_count = offer_count + 1 WHERE id = NEW.skill_id;
END;

CREATE TRIGGER member_skill_offer_delete AFTER DELETE ON member_skill WHEN OLD.kind = 'offer'
BEGIN
    UPDATE skill SET offer_count = offer_count - 1 WHERE id = OLD.skill_id;
END;

CREATE TRIGGER member_skill_offer_update AFTER UPDATE OF skill_id, kind ON member_skill
BEGIN
    UPDATE skill SET offer_count = offer_count - 1 WHERE id = OLD.skill_id AND OLD.kind = 'offer';
    UPDATE skill SET offer_count = offer_count + 1 WHERE id = NEW.skill_id AND NEW.kind = 'offer';
END;
