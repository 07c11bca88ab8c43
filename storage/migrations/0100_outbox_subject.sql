-- Which members a message names (their handle, their words, a mention), by id (issue 15): an
-- erasure finds the messages carrying a member's data through this table, never by searching the
-- text for their name. Rows go with their message (ON DELETE CASCADE: the 30-day purge).
CREATE TABLE outbox_subject (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, outbox_id)
) WITHOUT ROWID;
CREATE INDEX outbox_subject_outbox ON outbox_subject(outbox_id);

-- The nudges about a request or a godchild, found by it (an erasure withdraws them).
CREATE INDEX nudge_subject ON nudge(subject_id, reason);
