-- Onboarding: how many times each member joined (to welcome returning members as such) and the
-- queue of newcomers waiting for a godparent; indexes for the godparent pool and the daily check-ins.

CREATE TABLE onboarding_state (
    member_id      INTEGER PRIMARY KEY REFERENCES member(id) ON DELETE CASCADE,
    joins          INTEGER NOT NULL DEFAULT 1,
    waiting_since  INTEGER            -- waiting for a godparent since (NULL = not waiting)
);
CREATE INDEX onboarding_waiting ON onboarding_state(waiting_since, member_id);

CREATE INDEX member_godparent_volunteers ON member(guild_id, godparent_volunteer, active, charter_accepted_at);
CREATE INDEX member_charter_accepted ON member(guild_id, charter_accepted_at);
CREATE INDEX member_godparent_since ON member(guild_id, godparent_since);
-- Counting a godparent's current godchildren without touching the member rows.
CREATE INDEX member_godchildren ON member(godparent_id, godparent_since, left_at, erased);
