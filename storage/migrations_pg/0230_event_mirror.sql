-- PostgreSQL counterpart of storage/migrations/0230_event_mirror.sql: calendar entries the bot put
-- on a platform, and the outbox's `event` op (with 0200's `edit` and `thread` ops and columns).
-- PostgreSQL alters a CHECK in place: no table rebuild.
CREATE TABLE event_mirror (
    event_id     BIGINT  PRIMARY KEY REFERENCES event(id) ON DELETE CASCADE,
    guild_id     TEXT    NOT NULL,
    wanted       TEXT    NOT NULL DEFAULT 'shown' CHECK (wanted = 'shown' OR wanted = 'cancelled'),
    revision     BIGINT  NOT NULL DEFAULT 0,
    applied      BIGINT  NOT NULL DEFAULT 0,
    ref          TEXT,
    attempted_at BIGINT,
    queued_at    BIGINT  NOT NULL
);
CREATE INDEX event_mirror_behind ON event_mirror(guild_id, queued_at) WHERE applied < revision;

ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_op_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_op_check
    CHECK (op = 'send' OR op = 'role' OR op = 'timeout' OR op = 'edit' OR op = 'thread' OR op = 'event');
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS edit_of BIGINT;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS delivered_as TEXT;
CREATE INDEX IF NOT EXISTS outbox_edit_of ON outbox(edit_of) WHERE edit_of IS NOT NULL;
