-- Events shown in a platform's own calendar (Discord Scheduled Events, issue 21): one row per event
-- occurrence the bot put there. Changes reach the platform through the outbox (`event` op), each
-- under the key `event-mirror:<event>:<revision>`; the transport records what it applied, so an
-- older change retried late never undoes a newer one.
-- Crash safety: `attempted_at` is written (and committed) before the platform is asked to create
-- the entry; a retry that finds it set but no `ref` first looks for the entry by the marker its
-- description ends with, so a restart never creates a second entry.
CREATE TABLE event_mirror (
    event_id     INTEGER PRIMARY KEY REFERENCES event(id) ON DELETE CASCADE,
    guild_id     TEXT    NOT NULL,
    wanted       TEXT    NOT NULL DEFAULT 'shown' CHECK (wanted = 'shown' OR wanted = 'cancelled'),
    revision     INTEGER NOT NULL DEFAULT 0,   -- the latest change queued
    applied      INTEGER NOT NULL DEFAULT 0,   -- the latest change the platform has
    ref          TEXT,                         -- the platform's id for the entry, once known
    attempted_at INTEGER,                      -- a create call was made (or about to be) at this time
    queued_at    INTEGER NOT NULL
);
CREATE INDEX event_mirror_behind ON event_mirror(guild_id, queued_at) WHERE applied < revision;

-- The outbox learns the `event` op (create, edit or cancel a calendar entry). SQLite cannot alter a
-- CHECK, so the table is rebuilt (same rows, ids and indexes); outbox_subject's rows are kept aside
-- meanwhile (dropping the table with foreign keys on would delete them through ON DELETE CASCADE).
-- The same rebuild carries the `edit` and `thread` ops and the `edit_of` and `delivered_as` columns of
-- posts that live (issue 17), which use this schema.
CREATE TEMP TABLE outbox_subject_kept AS SELECT member_id, outbox_id FROM outbox_subject;

CREATE TABLE outbox_rebuilt (
    id           INTEGER PRIMARY KEY,
    guild_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    op           TEXT    NOT NULL DEFAULT 'send'    -- send | role | timeout | edit | thread | event
                 CHECK (op = 'send' OR op = 'role' OR op = 'timeout' OR op = 'edit' OR op = 'thread'
                        OR op = 'event'),
    target       TEXT    NOT NULL,                  -- 'dm:<id>', 'channel:<name>', 'member:<id>', 'event:<event id>'
    payload      TEXT    NOT NULL,                  -- JSON
    paced        INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   INTEGER NOT NULL,
    key          TEXT UNIQUE,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    edit_of      INTEGER,                           -- op 'edit': the outbox row whose message it changes
    delivered_as TEXT                               -- the platform's id of the delivered message
);

INSERT INTO outbox_rebuilt (id, guild_id, kind, op, target, payload, paced, status, attempts, not_before, key,
                            created_at, sent_at)
SELECT id, guild_id, kind, op, target, payload, paced, status, attempts, not_before, key, created_at, sent_at
FROM outbox ORDER BY id;

DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, not_before, id);
CREATE INDEX outbox_edit_of ON outbox(edit_of) WHERE edit_of IS NOT NULL;

INSERT OR IGNORE INTO outbox_subject (member_id, outbox_id)
SELECT member_id, outbox_id FROM outbox_subject_kept WHERE outbox_id IN (SELECT id FROM outbox);
DROP TABLE outbox_subject_kept;
