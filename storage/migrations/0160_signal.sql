-- The Signal transport's own state (issue 20). No phone number and no message text is kept here:
-- members are known by their ACI (a Signal account id), messages by the timestamp Signal gave them.

-- Members who have written to the bot in private: only they get DMs (a first DM to anyone else would
-- land as a message request); the others are mentioned in the group instead.
CREATE TABLE signal_contact (
    guild_id    TEXT    NOT NULL,
    platform_id TEXT    NOT NULL,             -- 'signal:<ACI>'
    since       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, platform_id)
) WITHOUT ROWID;

-- The bot's messages that carry components: a reaction on one (👍, ✋, 🔕) or `!vote 2` becomes
-- the click it stands for. `chat` is 'group:<groupId>' or 'dm:signal:<ACI>'.
CREATE TABLE signal_message (
    guild_id   TEXT    NOT NULL,
    timestamp  INTEGER NOT NULL,
    chat       TEXT    NOT NULL,
    components TEXT    NOT NULL,              -- JSON list of {custom_id, label, options?}
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, timestamp)
) WITHOUT ROWID;

CREATE INDEX signal_message_chat ON signal_message (guild_id, chat, timestamp);
