-- Vitality at scale (issues 8 and 10): how many distinct members of a guild were active in each
-- community-time week (Monday to Sunday, `week_start` = the Monday as YYYY-MM-DD), so the weekly
-- series reads one row per whole week instead of every activity_day row of a year (2.7 M at 100k).
-- Triggers keep it equal to
--   SELECT m.guild_id, <monday of a.day>, COUNT(DISTINCT a.member_id)
--   FROM activity_day a JOIN member m ON m.id = a.member_id GROUP BY 1, 2
-- whoever writes activity_day (only days written canonically, date(day) = day, are counted: the
-- series only ever asks for canonical days). The Monday of a day is date(day, '-6 days', 'weekday 1'):
-- plain date arithmetic on the local date string, no time zone involved.
CREATE TABLE activity_week (
    guild_id   TEXT    NOT NULL,
    week_start TEXT    NOT NULL,
    members    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, week_start)
) WITHOUT ROWID;

INSERT INTO activity_week (guild_id, week_start, members)
SELECT m.guild_id, date(a.day, '-6 days', 'weekday 1') AS monday, COUNT(DISTINCT a.member_id)
FROM activity_day a JOIN member m ON m.id = a.member_id
WHERE date(a.day) = a.day
GROUP BY m.guild_id, monday;

-- A member's first day of a week counts them once for that week.
CREATE TRIGGER activity_week_insert AFTER INSERT ON activity_day WHEN date(NEW.day) = NEW.day
BEGIN
    INSERT INTO activity_week (guild_id, week_start, members)
    SELECT m.guild_id, date(NEW.day, '-6 days', 'weekday 1'), 1 FROM member m
    WHERE m.id = NEW.member_id AND NOT EXISTS (
        SELECT 1 FROM activity_day a WHERE a.member_id = NEW.member_id
        AND a.day >= date(NEW.day, '-6 days', 'weekday 1') AND a.day <= date(NEW.day, '-6 days', 'weekday 1', '+6 days')
        AND a.day != NEW.day AND date(a.day) = a.day)
    ON CONFLICT (guild_id, week_start) DO UPDATE SET members = members + 1;
END;

-- Their last day of a week going (erasure, a purge) uncounts them.
CREATE TRIGGER activity_week_delete AFTER DELETE ON activity_day WHEN date(OLD.day) = OLD.day
BEGIN
    UPDATE activity_week SET members = members - 1
    WHERE guild_id = (SELECT m.guild_id FROM member m WHERE m.id = OLD.member_id)
    AND week_start = date(OLD.day, '-6 days', 'weekday 1')
    AND NOT EXISTS (
        SELECT 1 FROM activity_day a WHERE a.member_id = OLD.member_id
        AND a.day >= date(OLD.day, '-6 days', 'weekday 1') AND a.day <= date(OLD.day, '-6 days', 'weekday 1', '+6 days')
        AND date(a.day) = a.day);
END;

-- Moving a row (never done by the bot today) is a delete then an insert; a move within the same
-- member's week changes nothing.
CREATE TRIGGER activity_week_move_out AFTER UPDATE OF member_id, day ON activity_day
    WHEN date(OLD.day) = OLD.day AND (OLD.member_id != NEW.member_id OR OLD.day != NEW.day)
BEGIN
    UPDATE activity_week SET members = members - 1
    WHERE guild_id = (SELECT m.guild_id FROM member m WHERE m.id = OLD.member_id)
    AND week_start = date(OLD.day, '-6 days', 'weekday 1')
    AND NOT EXISTS (
        SELECT 1 FROM activity_day a WHERE a.member_id = OLD.member_id
        AND a.day >= date(OLD.day, '-6 days', 'weekday 1') AND a.day <= date(OLD.day, '-6 days', 'weekday 1', '+6 days')
        AND date(a.day) = a.day);
END;

CREATE TRIGGER activity_week_move_in AFTER UPDATE OF member_id, day ON activity_day
    WHEN date(NEW.day) = NEW.day AND (OLD.member_id != NEW.member_id OR OLD.day != NEW.day)
BEGIN
    INSERT INTO activity_week (guild_id, week_start, members)
    SELECT m.guild_id, date(NEW.day, '-6 days', 'weekday 1'), 1 FROM member m
    WHERE m.id = NEW.member_id AND NOT EXISTS (
        SELECT 1 FROM activity_day a WHERE a.member_id = NEW.member_id
        AND a.day >= date(NEW.day, '-6 days', 'weekday 1') AND a.day <= date(NEW.day, '-6 days', 'weekday 1', '+6 days')
        AND a.day != NEW.day AND date(a.day) = a.day)
    AND NOT (OLD.member_id = NEW.member_id AND date(OLD.day) = OLD.day
             AND date(OLD.day, '-6 days', 'weekday 1') = date(NEW.day, '-6 days', 'weekday 1'))
    ON CONFLICT (guild_id, week_start) DO UPDATE SET members = members + 1;
END;

-- A deleted member's days go before the member row does (a foreign-key cascade would delete them
-- after it, when their guild can no longer be looked up).
CREATE TRIGGER activity_week_member_delete BEFORE DELETE ON member
BEGIN
    DELETE FROM activity_day WHERE member_id = OLD.id;
END;

-- A member moved to another guild (never done by the bot today) takes their weeks along.
CREATE TRIGGER activity_week_member_guild AFTER UPDATE OF guild_id ON member WHEN OLD.guild_id != NEW.guild_id
BEGIN
    UPDATE activity_week SET members = members - 1
    WHERE guild_id = OLD.guild_id AND week_start IN (
        SELECT date(a.day, '-6 days', 'weekday 1') FROM activity_day a
        WHERE a.member_id = NEW.id AND date(a.day) = a.day);
    INSERT INTO activity_week (guild_id, week_start, members)
    SELECT NEW.guild_id, monday, 1 FROM (
        SELECT DISTINCT date(a.day, '-6 days', 'weekday 1') AS monday FROM activity_day a
        WHERE a.member_id = NEW.id AND date(a.day) = a.day) WHERE true
    ON CONFLICT (guild_id, week_start) DO UPDATE SET members = members + 1;
END;
