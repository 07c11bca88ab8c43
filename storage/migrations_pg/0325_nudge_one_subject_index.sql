-- nudge_request_subject (subject_id) WHERE reason = 'request' (0141) repeated nudge_subject
-- (subject_id, reason) (0100): its one column is the other's first, and its condition the other's second
-- column, so every statement that seeks it (a claimed request taking back its nudges, an erasure finding
-- the nudges about a member's requests) seeks nudge_subject as well, at the same cost (EXPLAIN QUERY PLAN
-- on SQLite, EXPLAIN on PostgreSQL with statistics). The erasure's statement, which PostgreSQL answered
-- by reading the whole partial index (an OR over two reasons), now joins each reason on its own
-- (storage/privacy.py). One index less to write at each weekly nudge.
DROP INDEX IF EXISTS nudge_request_subject;
