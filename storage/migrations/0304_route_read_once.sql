-- Routing on PostgreSQL reads once what its walks share, and ranks by the keys they carry (issue
-- 24): its counterpart in storage/migrations_pg replaces the functions `entraide_route` and
-- `entraide_route_request` (storage/routing_pg.py). SQLite runs the routing statements in-process:
-- nothing changes here.
SELECT 1;
