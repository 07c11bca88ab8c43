-- Skills that stay tidy (issue 18): the matching key reads hyphens (and _ / . ·) as spaces, so
-- "aide-aux-devoirs" and "aide aux devoirs" are one skill (bot.services.skills.skill_key).
-- Existing keys are rewritten the same way; skills that now share a key are merged into the
-- oldest one (profiles and requests keep one copy), by insert-then-delete so the routing triggers
-- (offer counts, offer pairs, walk copies) stay exact.
CREATE TEMP TABLE skill_norm AS
SELECT id, guild_id,
       TRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
           key, '-', ' '), '_', ' '), '/', ' '), '.', ' '), '·', ' '), '–', ' '), '—', ' '), '‐', ' '), '‑', ' '),
           '    ', ' '), '  ', ' '), '  ', ' ')) AS norm
FROM skill;

CREATE TEMP TABLE skill_merge AS
SELECT n.id AS from_id, (SELECT MIN(o.id) FROM skill_norm o WHERE o.guild_id = n.guild_id AND o.norm = n.norm) AS to_id
FROM skill_norm n;

DELETE FROM skill_merge WHERE from_id = to_id;

INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind)
SELECT ms.member_id, sm.to_id, ms.kind FROM member_skill ms JOIN skill_merge sm ON sm.from_id = ms.skill_id;

DELETE FROM member_skill WHERE skill_id IN (SELECT from_id FROM skill_merge);

INSERT OR IGNORE INTO request_skill (request_id, skill_id)
SELECT rs.request_id, sm.to_id FROM request_skill rs JOIN skill_merge sm ON sm.from_id = rs.skill_id;

DELETE FROM request_skill WHERE skill_id IN (SELECT from_id FROM skill_merge);

DELETE FROM skill WHERE id IN (SELECT from_id FROM skill_merge);

UPDATE skill SET key = (SELECT n.norm FROM skill_norm n WHERE n.id = skill.id)
WHERE key <> (SELECT n.norm FROM skill_norm n WHERE n.id = skill.id);

DROP TABLE skill_merge;

DROP TABLE skill_norm;
