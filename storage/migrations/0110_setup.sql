-- Issue 16: adopting a server that already had members, each member's chosen language, and the
-- console's simulated server roster (who is on it, since when).

-- A member adopted by `setup adopt`: on the server before the bot, never a newcomer to it.
CREATE TABLE member_adoption (
    member_id  INTEGER PRIMARY KEY REFERENCES member(id) ON DELETE CASCADE,
    adopted_at INTEGER NOT NULL,
    charter    TEXT    NOT NULL CHECK (charter = 'accepted' OR charter = 'send')
);

-- A language the member chose with `profile set language` (it wins over their client's locale).
CREATE TABLE member_language_choice (
    member_id INTEGER PRIMARY KEY REFERENCES member(id) ON DELETE CASCADE,
    locale    TEXT    NOT NULL,
    chosen_at INTEGER NOT NULL
);

-- The console's simulated server: its members, their display name, locale and join date.
ALTER TABLE console_user ADD COLUMN name TEXT;
ALTER TABLE console_user ADD COLUMN locale TEXT;
ALTER TABLE console_user ADD COLUMN joined_at INTEGER;
ALTER TABLE console_user ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
