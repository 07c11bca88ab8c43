-- Routing on PostgreSQL sets up only what a decision runs (issue 24): its counterpart in
-- storage/migrations_pg replaces the function `entraide_route` (storage/routing_pg.py). SQLite runs
-- the routing statements in-process: nothing changes here.
SELECT 1;
