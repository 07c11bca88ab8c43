-- Routing in one round trip on PostgreSQL (issue 24): its counterpart in storage/migrations_pg
-- installs the function `entraide_route` (storage/routing_pg.py). SQLite runs the routing
-- statements in-process, where a statement costs no round trip: nothing changes here.
SELECT 1;
