-- Indexes for the vitality indicators (issue 8): windows over joins, activity and requests.
CREATE INDEX IF NOT EXISTS member_joined ON member(guild_id, joined_at);
CREATE INDEX IF NOT EXISTS member_last_active ON member(guild_id, last_active_at);
CREATE INDEX IF NOT EXISTS request_created ON request(guild_id, created_at);
CREATE INDEX IF NOT EXISTS request_resolved ON request(guild_id, resolved_at);
CREATE INDEX IF NOT EXISTS request_helper_claimed ON request_helper(claimed_at, request_id);
