-- The animators' dashboard (issue 23): one-time sign-in links and the sessions they open.
-- A link is signed (HMAC, secret in `settings` under 'dashboard.secret'); its nonce is recorded
-- when issued and marked used on first visit, so a replayed link is refused. Sessions keep only
-- the SHA-256 of their cookie, never the cookie itself.
CREATE TABLE dashboard_link (
    nonce      TEXT    PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX dashboard_link_member ON dashboard_link(member_id);
CREATE INDEX dashboard_link_expiry ON dashboard_link(expires_at);

CREATE TABLE dashboard_session (
    token_hash TEXT    PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    locale     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dashboard_session_member ON dashboard_session(member_id);
CREATE INDEX dashboard_session_expiry ON dashboard_session(expires_at);
