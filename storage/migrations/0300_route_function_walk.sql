-- Routing's statements changed (storage/routing_group.py, storage/routing_filters.py: the walks carry
-- their ranking keys, quiet hours in one expression, fatigue counted up to the cap): the PostgreSQL
-- counterpart installs entraide_route generated from them again. SQLite runs the statements
-- in-process: nothing changes here.
SELECT 1;
