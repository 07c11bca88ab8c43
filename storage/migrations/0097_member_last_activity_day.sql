-- Vitality at scale (issue 10): each member's latest activity day (MAX(activity_day.day), the raw
-- string), next to last_active_at in one index, so "active in the window" and "active in the week
-- they were last seen" are answered from the index for nearly every member: only a member whose
-- latest day lies after the period asked about still needs a probe of their activity rows.
-- Triggers keep it equal to MAX(day) whoever writes activity_day.
ALTER TABLE member ADD COLUMN last_activity_day TEXT;

UPDATE member SET last_activity_day = (SELECT MAX(a.day) FROM activity_day a WHERE a.member_id = member.id);

DROP INDEX IF EXISTS member_last_active;
CREATE INDEX member_last_active_day ON member(guild_id, last_active_at, last_activity_day);

CREATE TRIGGER member_last_activity_day_insert AFTER INSERT ON activity_day
BEGIN
    UPDATE member SET last_activity_day = NEW.day
    WHERE id = NEW.member_id AND (last_activity_day IS NULL OR last_activity_day < NEW.day);
END;

CREATE TRIGGER member_last_activity_day_delete AFTER DELETE ON activity_day
BEGIN
    UPDATE member SET last_activity_day = (SELECT MAX(a.day) FROM activity_day a WHERE a.member_id = OLD.member_id)
    WHERE id = OLD.member_id AND last_activity_day = OLD.day;
END;

CREATE TRIGGER member_last_activity_day_update AFTER UPDATE OF member_id, day ON activity_day
BEGIN
    UPDATE member SET last_activity_day = (SELECT MAX(a.day) FROM activity_day a WHERE a.member_id = member.id)
    WHERE id IN (OLD.member_id, NEW.member_id);
END;
