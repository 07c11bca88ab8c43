-- Rounds timed by reachability: when every candidate is asleep, a request's next round waits until
-- the first of them wakes (instead of the next fixed round). NULL: the fixed schedule applies.
ALTER TABLE request ADD COLUMN next_round_at INTEGER;
