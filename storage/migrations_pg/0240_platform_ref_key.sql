-- A network (docs/NETWORK.md): a DM click carries no server, so the community that sent the DM is
-- found by its platform_ref key alone (`dm-message:<id>`).
CREATE INDEX IF NOT EXISTS platform_ref_key ON platform_ref (key);
