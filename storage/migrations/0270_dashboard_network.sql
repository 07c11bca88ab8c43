-- A network animator's dashboard sign-in (issue 22, docs/NETWORK.md): the link a network animator gets
-- from `dashboard` opens a session that may see every community of the network (the community
-- selector), not only the one whose command gave it. Everyone else's stays with their own community.
ALTER TABLE dashboard_link ADD COLUMN network INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dashboard_session ADD COLUMN network INTEGER NOT NULL DEFAULT 0;
