-- PostgreSQL counterpart of migrations/0335_proposal_call.sql: the DMs asking for volunteers for an
-- accepted proposal, counted with help pings and shift calls for fairness and fatigue.
CREATE TABLE proposal_call (
    proposal_id BIGINT NOT NULL REFERENCES proposal(id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, member_id)
);
CREATE INDEX proposal_call_member ON proposal_call(member_id, at);
