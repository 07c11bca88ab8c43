-- PostgreSQL counterpart of migrations/0250_network.sql: the network profile flag, widened requests,
-- and network_offer (the offers of routable network-visible members, by skill key) kept by triggers.
ALTER TABLE member ADD COLUMN network BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request ADD COLUMN widened_at BIGINT;
ALTER TABLE request ADD COLUMN network_rounds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request ADD COLUMN network_round_at BIGINT;
CREATE INDEX skill_by_key ON skill(key);
CREATE INDEX event_network ON event(network, start_at) WHERE network = 1;
CREATE INDEX request_widened ON request(status, widened_at) WHERE widened_at IS NOT NULL;

CREATE TABLE network_offer (
    skill_id   BIGINT NOT NULL REFERENCES skill(id) ON DELETE CASCADE,
    member_id  BIGINT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
    skill_key  TEXT   NOT NULL,
    guild_id   TEXT   NOT NULL,
    pinged_at  BIGINT,
    joined_at  BIGINT NOT NULL,
    PRIMARY KEY (skill_id, member_id)
);
CREATE INDEX network_offer_walk ON network_offer(skill_key, pinged_at, joined_at, member_id);
CREATE INDEX network_offer_by_member ON network_offer(member_id, skill_key);

CREATE FUNCTION network_offer_refresh(p_member bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM network_offer WHERE member_id = p_member;
    INSERT INTO network_offer (skill_id, member_id, skill_key, guild_id, pinged_at, joined_at)
    SELECT ms.skill_id, m.id, s.key, m.guild_id, m.last_pinged_at, m.joined_at
    FROM member m JOIN member_skill ms ON ms.member_id = m.id AND ms.kind = 'offer' JOIN skill s ON s.id = ms.skill_id
    WHERE m.id = p_member AND m.network = 1 AND member_routable(m) = 1;
END $$;

CREATE FUNCTION network_offer_skill_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM network_offer_refresh(OLD.member_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM network_offer_refresh(NEW.member_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER network_offer_skill_changed AFTER INSERT OR DELETE OR UPDATE OF member_id, skill_id, kind
    ON member_skill FOR EACH ROW EXECUTE FUNCTION network_offer_skill_changed();

CREATE FUNCTION network_offer_member_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM network_offer_refresh(NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER network_offer_member_changed AFTER UPDATE OF network, last_pinged_at, joined_at, left_at, erased,
    active, available, charter_accepted_at ON member FOR EACH ROW
    WHEN (OLD.network = 1 OR NEW.network = 1)
    EXECUTE FUNCTION network_offer_member_changed();

CREATE FUNCTION network_offer_skill_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE network_offer SET skill_key = NEW.key WHERE skill_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER network_offer_skill_key AFTER UPDATE OF key ON skill FOR EACH ROW
    EXECUTE FUNCTION network_offer_skill_key();
