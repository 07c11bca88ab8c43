-- A network (docs/NETWORK.md): the weekly nudges of each community skip members with a recent check-in;
-- by time, that set is a short range of this index instead of a scan of every community's check-ins.
CREATE INDEX IF NOT EXISTS checkin_at ON checkin(at);
