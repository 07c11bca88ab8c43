-- Routing on PostgreSQL without a function called from a query (issue 24): its counterpart in
-- storage/migrations_pg replaces the function `entraide_route_request` (storage/routing_pg.py).
-- SQLite runs the routing statements in-process: nothing changes here.
SELECT 1;
