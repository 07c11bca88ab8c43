-- The console matches a typed handle to its member whatever the case (`Nina` is `nina`).
CREATE INDEX IF NOT EXISTS member_platform_nocase ON member(guild_id, platform_id COLLATE NOCASE);
