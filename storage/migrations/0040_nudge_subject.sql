-- Nudges remember what they were about (a request, a godchild), so the same one is not repeated,
-- and are looked up per member and reason (the last hello, the last "still true?").
ALTER TABLE nudge ADD COLUMN subject_id INTEGER;
CREATE INDEX nudge_by_reason ON nudge(member_id, reason, at);
