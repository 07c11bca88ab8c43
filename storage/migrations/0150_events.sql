-- Gatherings, volunteer shifts and member proposals (issue 21).
-- An event row is one occurrence: a recurring event ("le premier samedi du mois à 10h") is a series of
-- rows sharing `series_id` (the first occurrence's id) and `repeat_rule` (a crontab, bot/when.py); the
-- next occurrence is written when the latest one starts, so each occurrence has its own sign-ups.
CREATE TABLE event (
    id            INTEGER PRIMARY KEY,
    guild_id      TEXT    NOT NULL,
    series_id     INTEGER,
    repeat_rule   TEXT,
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL
                  CHECK (kind = 'session' OR kind = 'deepening' OR kind = 'gathering' OR kind = 'shift'),
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    place         TEXT    NOT NULL DEFAULT '',
    languages     TEXT    NOT NULL DEFAULT '',   -- comma-separated codes, '' = any
    skills        TEXT    NOT NULL DEFAULT '',   -- comma-separated skill keys whose offerers a call targets
    capacity      INTEGER,
    network       INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL DEFAULT 'scheduled'
                  CHECK (status = 'scheduled' OR status = 'cancelled'),
    series_ended  INTEGER NOT NULL DEFAULT 0,   -- on a series' rows: no further occurrence
    created_by    INTEGER REFERENCES member(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    -- what the `events` job has done for this occurrence (each done once, in its own transaction)
    day_reminded  INTEGER NOT NULL DEFAULT 0,
    hour_reminded INTEGER NOT NULL DEFAULT 0,
    late_called   INTEGER NOT NULL DEFAULT 0,
    next_written  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_coming ON event(guild_id, status, start_at);

-- A shift's slots: "accueil:2, caisse:1".
CREATE TABLE event_slot (
    event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    places   INTEGER NOT NULL CHECK (places > 0),
    position INTEGER NOT NULL,
    PRIMARY KEY (event_id, name)
);

CREATE TABLE event_signup (
    event_id  INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    slot      TEXT    NOT NULL DEFAULT '',
    at        INTEGER NOT NULL,
    joined    INTEGER NOT NULL DEFAULT 1,   -- 0: came without signing up (recorded by `event attended`)
    attended  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, member_id)
);
CREATE INDEX event_signup_member ON event_signup(member_id);

-- Targeted DMs of a call for volunteers: counted with help pings for fairness and fatigue, and
-- never sent twice to one member for one event.
CREATE TABLE event_call (
    event_id  INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    PRIMARY KEY (event_id, member_id)
);
CREATE INDEX event_call_member ON event_call(member_id, at);

-- Invitations to an information session (newcomers) or a deepening session (six months): once each.
CREATE TABLE event_invite (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL CHECK (kind = 'session' OR kind = 'deepening'),
    event_id  INTEGER REFERENCES event(id) ON DELETE SET NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (member_id, kind)
);

-- Proposals: a member proposes, others support; at the threshold (or an animator's decision) a
-- secret vote opens; ballots are counted and destroyed at the close, only the tally stays.
CREATE TABLE proposal (
    id           INTEGER PRIMARY KEY,
    guild_id     TEXT    NOT NULL,
    author_id    INTEGER REFERENCES member(id) ON DELETE SET NULL,
    title        TEXT    NOT NULL,
    details      TEXT    NOT NULL DEFAULT '',
    needs        TEXT    NOT NULL DEFAULT '',   -- comma-separated skill keys it asks volunteers for
    status       TEXT    NOT NULL DEFAULT 'open'
                 CHECK (status = 'open' OR status = 'voting' OR status = 'accepted' OR status = 'rejected'
                        OR status = 'withdrawn'),
    created_at   INTEGER NOT NULL,
    voting_at    INTEGER,
    closes_at    INTEGER,
    closed_at    INTEGER,
    votes_for     INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER
);
CREATE INDEX proposal_state ON proposal(guild_id, status, closes_at);

CREATE TABLE proposal_support (
    proposal_id INTEGER NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, member_id)
);

CREATE TABLE proposal_ballot (
    proposal_id INTEGER NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
    voter_id    INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    choice      TEXT    NOT NULL CHECK (choice = 'for' OR choice = 'against' OR choice = 'abstain'),
    at          INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, voter_id)
);
