-- Vitality at scale (issue 10): the request windows read their status and first claim from the
-- index instead of one table lookup per request (request rows carry titles and details), and each
-- request's first claim is the first entry of (request_id, claimed_at). These replace the narrower
-- window indexes of 0060, which are prefixes of them.
DROP INDEX IF EXISTS request_created;
DROP INDEX IF EXISTS request_resolved;
CREATE INDEX request_created_window ON request(guild_id, created_at, status, claimed_at);
CREATE INDEX request_resolved_window ON request(guild_id, resolved_at, status);
CREATE INDEX request_helper_first_claim ON request_helper(request_id, claimed_at);
