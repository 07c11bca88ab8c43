-- entraide schema v1. Instants are UTC epoch seconds (INTEGER); calendar maths happen in Python.
-- Every top-level table carries guild_id so one database can serve many communities.

CREATE TABLE member (
    id                   INTEGER PRIMARY KEY,
    guild_id             TEXT    NOT NULL,
    platform_id          TEXT    NOT NULL,
    handle               TEXT    NOT NULL,
    locale               TEXT,
    timezone             TEXT,
    joined_at            INTEGER NOT NULL,
    left_at              INTEGER,
    active               INTEGER NOT NULL DEFAULT 1,
    charter_accepted_at  INTEGER,
    godparent_id         INTEGER REFERENCES member(id) ON DELETE SET NULL,
    godparent_since      INTEGER,
    godparent_volunteer  INTEGER NOT NULL DEFAULT 0,
    last_godchild_at     INTEGER,
    bio                  TEXT,
    languages            TEXT    NOT NULL DEFAULT '',   -- comma list of language codes
    quiet_start          INTEGER,                       -- hour 0-23, NULL = no quiet hours
    quiet_end            INTEGER,
    available            INTEGER NOT NULL DEFAULT 1,
    nudges               INTEGER NOT NULL DEFAULT 1,
    visible              INTEGER NOT NULL DEFAULT 1,
    dms_closed           INTEGER NOT NULL DEFAULT 0,
    profile_updated_at   INTEGER,
    last_active_at       INTEGER,
    erased               INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, platform_id)
);
CREATE INDEX member_handle ON member(guild_id, handle);
CREATE INDEX member_godparent ON member(godparent_id);

-- Platform roles as the bot last saw them (the console's simulated server keeps its roles here).
CREATE TABLE member_role (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    role      TEXT    NOT NULL,
    PRIMARY KEY (member_id, role)
);

CREATE TABLE skill (
    id       INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    key      TEXT NOT NULL,      -- normalized: case-folded, no accents
    display  TEXT NOT NULL,
    UNIQUE (guild_id, key)
);

CREATE TABLE member_skill (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    skill_id  INTEGER NOT NULL REFERENCES skill(id),
    kind      TEXT    NOT NULL CHECK (kind IN ('offer', 'need')),
    PRIMARY KEY (member_id, skill_id, kind)
);
CREATE INDEX member_skill_by_skill ON member_skill(skill_id, kind, member_id);

CREATE TABLE request (
    id               INTEGER PRIMARY KEY,
    guild_id         TEXT    NOT NULL,
    requester_id     INTEGER REFERENCES member(id) ON DELETE SET NULL,
    title            TEXT    NOT NULL,
    details          TEXT    NOT NULL DEFAULT '',
    urgent           INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'claimed', 'resolved', 'cancelled', 'closed')),
    rounds           INTEGER NOT NULL DEFAULT 0,
    escalated_at     INTEGER,
    created_at       INTEGER NOT NULL,
    first_ping_at    INTEGER,
    last_round_at    INTEGER,
    claimed_at       INTEGER,
    resolved_at      INTEGER,
    followup_at      INTEGER,
    thread_ref       TEXT
);
CREATE INDEX request_status ON request(guild_id, status, created_at);
CREATE INDEX request_requester ON request(requester_id, status);

CREATE TABLE request_skill (
    request_id INTEGER NOT NULL REFERENCES request(id) ON DELETE CASCADE,
    skill_id   INTEGER NOT NULL REFERENCES skill(id),
    PRIMARY KEY (request_id, skill_id)
);
CREATE INDEX request_skill_by_skill ON request_skill(skill_id, request_id);

CREATE TABLE request_helper (
    request_id INTEGER NOT NULL REFERENCES request(id) ON DELETE CASCADE,
    helper_id  INTEGER REFERENCES member(id) ON DELETE SET NULL,
    claimed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX request_helper_once ON request_helper(request_id, helper_id);
CREATE INDEX request_helper_by_helper ON request_helper(helper_id);

CREATE TABLE request_ping (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES request(id) ON DELETE CASCADE,
    helper_id  INTEGER REFERENCES member(id) ON DELETE SET NULL,
    round      INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX request_ping_by_helper ON request_ping(helper_id, at);
CREATE INDEX request_ping_by_request ON request_ping(request_id, helper_id);

CREATE TABLE kudos (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    from_id    INTEGER REFERENCES member(id) ON DELETE SET NULL,
    to_id      INTEGER REFERENCES member(id) ON DELETE SET NULL,
    reason     TEXT,
    request_id INTEGER REFERENCES request(id) ON DELETE SET NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX kudos_to ON kudos(guild_id, at, to_id);
CREATE INDEX kudos_from ON kudos(from_id, at);

CREATE TABLE activity_day (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    day       TEXT    NOT NULL,   -- YYYY-MM-DD in community time
    messages  INTEGER NOT NULL DEFAULT 0,
    actions   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, day)
) WITHOUT ROWID;
CREATE INDEX activity_day_by_day ON activity_day(day, member_id);

CREATE TABLE checkin (
    member_id   INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    offset_days INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (member_id, offset_days)
);

CREATE TABLE nudge (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    week      TEXT    NOT NULL,    -- ISO week, e.g. 2026-W49
    reason    TEXT    NOT NULL,    -- request | godchild | profile | hello
    at        INTEGER NOT NULL,
    UNIQUE (member_id, week)
);

CREATE TABLE poll (
    id          INTEGER PRIMARY KEY,
    guild_id    TEXT    NOT NULL,
    month       TEXT    NOT NULL,   -- YYYY-MM
    status      TEXT    NOT NULL DEFAULT 'nominating'
                CHECK (status IN ('nominating', 'open', 'closed')),
    opened_at   INTEGER,
    closes_at   INTEGER,
    closed_at   INTEGER,
    winner_id   INTEGER REFERENCES member(id) ON DELETE SET NULL,
    UNIQUE (guild_id, month)
);

CREATE TABLE nomination (
    poll_id      INTEGER NOT NULL REFERENCES poll(id) ON DELETE CASCADE,
    nominee_id   INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    nominated_by INTEGER REFERENCES member(id) ON DELETE SET NULL,
    source       TEXT    NOT NULL CHECK (source IN ('thanks', 'manual')),
    at           INTEGER NOT NULL,
    PRIMARY KEY (poll_id, nominee_id)
);

CREATE TABLE vote (
    poll_id    INTEGER NOT NULL REFERENCES poll(id) ON DELETE CASCADE,
    voter_id   INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    nominee_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    PRIMARY KEY (poll_id, voter_id)
);

CREATE TABLE reminder (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    created_by INTEGER REFERENCES member(id) ON DELETE SET NULL,
    spec       TEXT    NOT NULL,    -- ISO date-time or 5-field cron
    recurring  INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    channel    TEXT,
    next_at    INTEGER,             -- NULL when done
    created_at INTEGER NOT NULL
);
CREATE INDEX reminder_due ON reminder(guild_id, next_at);

CREATE TABLE mod_case (
    id        INTEGER PRIMARY KEY,
    guild_id  TEXT    NOT NULL,
    actor_id  INTEGER REFERENCES member(id) ON DELETE SET NULL,
    action    TEXT    NOT NULL,
    target_id INTEGER REFERENCES member(id) ON DELETE SET NULL,
    reason    TEXT,
    at        INTEGER NOT NULL,
    until_at  INTEGER
);
CREATE INDEX mod_case_target ON mod_case(target_id, at);
CREATE INDEX mod_case_at ON mod_case(guild_id, at);

-- Action counters for per-member rate limits (request, thanks, nomination).
CREATE TABLE rate_event (
    member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    action    TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX rate_event_lookup ON rate_event(member_id, action, at);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    op         TEXT    NOT NULL DEFAULT 'send'    -- send | role | timeout
               CHECK (op IN ('send', 'role', 'timeout')),
    target     TEXT    NOT NULL,                  -- 'dm:<platform_id>', 'channel:<name>', 'member:<platform_id>'
    payload    TEXT    NOT NULL,                  -- JSON
    paced      INTEGER NOT NULL DEFAULT 0,
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,
    key        TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX outbox_pending ON outbox(status, not_before, id);

CREATE TABLE job_run (
    key    TEXT PRIMARY KEY,
    job    TEXT NOT NULL,
    ran_at INTEGER NOT NULL
);

CREATE TABLE settings (
    guild_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- Transport-side references (a Discord thread id for a request, etc.).
CREATE TABLE platform_ref (
    guild_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- The console's simulated server: who has closed DMs (roles live in member_role).
CREATE TABLE console_user (
    guild_id   TEXT NOT NULL,
    user       TEXT NOT NULL,
    dms_closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user)
);
