-- A claimed request takes back its weekly nudges not delivered yet: the members nudged about a request
-- are found by subject (few rows per request: nudges about one request are capped).
CREATE INDEX nudge_request_subject ON nudge(subject_id) WHERE reason = 'request';
