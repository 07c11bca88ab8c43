-- The DMs asking for volunteers for an accepted proposal, one row per member asked (issue 21: "an
-- accepted proposal asks for volunteers by skill like a shift"). Counted with help pings and shift calls
-- (event_call) for fairness and fatigue, so the members a proposal asked are not the next shift's first
-- choice; never asked twice for one proposal. Exported and erased with the member (storage/privacy.py).
CREATE TABLE proposal_call (
    proposal_id INTEGER NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, member_id)
);
CREATE INDEX proposal_call_member ON proposal_call(member_id, at);
