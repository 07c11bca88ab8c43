-- A network of communities (issue 22), what members and requests share across it.
-- member.network: the member shares their profile (skills, languages, bio, communities) with the
-- whole network (off by default); event.network (0150) puts an event in the network programme.
-- request.widened_at / network_rounds: the request was offered to the other communities.
ALTER TABLE member ADD COLUMN network INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request ADD COLUMN widened_at INTEGER;
ALTER TABLE request ADD COLUMN network_rounds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request ADD COLUMN network_round_at INTEGER;
CREATE INDEX skill_by_key ON skill(key);
CREATE INDEX event_network ON event(network, start_at) WHERE network = 1;
CREATE INDEX request_widened ON request(status, widened_at) WHERE widened_at IS NOT NULL;

-- Derived, never written by code: one row per offer of a routable, network-visible member, keyed
-- by the skill's matching key (each community has its own skill rows), in the fairness order local
-- routing walks (never pinged by seniority, then least recently pinged). A widened request walks
-- these rows only: members who did not opt in are never read, whatever the network's size.
CREATE TABLE network_offer (
    skill_id   INTEGER NOT NULL REFERENCES skill(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    skill_key  TEXT    NOT NULL,
    guild_id   TEXT    NOT NULL,
    pinged_at  INTEGER,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (skill_id, member_id)
);
CREATE INDEX network_offer_walk ON network_offer(skill_key, pinged_at, joined_at, member_id);
CREATE INDEX network_offer_by_member ON network_offer(member_id, skill_key);

CREATE TRIGGER network_offer_insert AFTER INSERT ON member_skill WHEN NEW.kind = 'offer'
BEGIN
    INSERT OR REPLACE INTO network_offer (skill_id, member_id, skill_key, guild_id, pinged_at, joined_at)
    SELECT NEW.skill_id, m.id, s.key, m.guild_id, m.last_pinged_at, m.joined_at
    FROM member m JOIN skill s ON s.id = NEW.skill_id
    WHERE m.id = NEW.member_id AND m.network = 1 AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1
      AND m.available = 1 AND m.charter_accepted_at IS NOT NULL;
END;

CREATE TRIGGER network_offer_delete AFTER DELETE ON member_skill WHEN OLD.kind = 'offer'
BEGIN
    DELETE FROM network_offer WHERE skill_id = OLD.skill_id AND member_id = OLD.member_id;
END;

CREATE TRIGGER network_offer_move AFTER UPDATE OF member_id, skill_id, kind ON member_skill
BEGIN
    DELETE FROM network_offer WHERE skill_id = OLD.skill_id AND member_id = OLD.member_id;
    INSERT OR REPLACE INTO network_offer (skill_id, member_id, skill_key, guild_id, pinged_at, joined_at)
    SELECT NEW.skill_id, m.id, s.key, m.guild_id, m.last_pinged_at, m.joined_at
    FROM member m JOIN skill s ON s.id = NEW.skill_id
    WHERE NEW.kind = 'offer' AND m.id = NEW.member_id AND m.network = 1 AND m.left_at IS NULL AND m.erased = 0
      AND m.active = 1 AND m.available = 1 AND m.charter_accepted_at IS NOT NULL;
END;

CREATE TRIGGER network_offer_member AFTER UPDATE OF network, last_pinged_at, joined_at, left_at, erased, active,
    available, charter_accepted_at ON member
    WHEN OLD.network = 1 OR NEW.network = 1
BEGIN
    DELETE FROM network_offer WHERE member_id = NEW.id;
    INSERT INTO network_offer (skill_id, member_id, skill_key, guild_id, pinged_at, joined_at)
    SELECT ms.skill_id, NEW.id, s.key, NEW.guild_id, NEW.last_pinged_at, NEW.joined_at
    FROM member_skill ms JOIN skill s ON s.id = ms.skill_id
    WHERE ms.member_id = NEW.id AND ms.kind = 'offer' AND NEW.network = 1 AND NEW.left_at IS NULL
      AND NEW.erased = 0 AND NEW.active = 1 AND NEW.available = 1 AND NEW.charter_accepted_at IS NOT NULL;
END;

CREATE TRIGGER network_offer_skill_key AFTER UPDATE OF key ON skill
BEGIN
    UPDATE network_offer SET skill_key = NEW.key WHERE skill_id = NEW.id;
END;

CREATE TRIGGER network_offer_skill_gone AFTER DELETE ON skill
BEGIN
    DELETE FROM network_offer WHERE skill_id = OLD.id;
END;
