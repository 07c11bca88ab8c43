-- Member of the month: what a poll needs beyond 0001.
-- nominations_until: end of the manual nomination window; thanks_from/thanks_until: the month whose
-- thanks made the nominations (kept so the close breaks ties on the same window);
-- votes_cast and nomination.votes: the tally kept once the ballots are counted and destroyed.
ALTER TABLE poll ADD COLUMN nominations_until INTEGER;
ALTER TABLE poll ADD COLUMN thanks_from INTEGER;
ALTER TABLE poll ADD COLUMN thanks_until INTEGER;
ALTER TABLE poll ADD COLUMN votes_cast INTEGER;
ALTER TABLE nomination ADD COLUMN votes INTEGER;
CREATE INDEX poll_unclosed ON poll(guild_id, status, closes_at);
CREATE INDEX vote_by_nominee ON vote(poll_id, nominee_id);
