-- The outbox's CHECKs written with OR instead of IN: SQLite sets an IN list up again for every
-- inserted row, which was 40 % of inserting a weekly run's 75,000 nudge DMs at 100,000 members
-- (issue 10). Same columns, rows, ids and index; SQLite cannot alter a CHECK, so the table is rebuilt.
CREATE TABLE outbox_rebuilt (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    op         TEXT    NOT NULL DEFAULT 'send'    -- send | role | timeout
               CHECK (op = 'send' OR op = 'role' OR op = 'timeout'),
    target     TEXT    NOT NULL,                  -- 'dm:<platform_id>', 'channel:<name>', 'member:<platform_id>'
    payload    TEXT    NOT NULL,                  -- JSON
    paced      INTEGER NOT NULL DEFAULT 0,
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    key        TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);

INSERT INTO outbox_rebuilt (id, guild_id, kind, op, target, payload, paced, status, attempts, not_before, key,
                            created_at, sent_at)
SELECT id, guild_id, kind, op, target, payload, paced, status, attempts, not_before, key, created_at, sent_at
FROM outbox ORDER BY id;

DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, not_before, id);
