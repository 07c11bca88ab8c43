-- Privacy: the daily purge finds members who left long ago without scanning the whole community.
CREATE INDEX member_left_at ON member(guild_id, left_at) WHERE erased = 0 AND left_at IS NOT NULL;
