-- PostgreSQL counterpart of migrations/0270_dashboard_network.sql: a network animator's dashboard
-- link and session see every community of the network.
ALTER TABLE dashboard_link ADD COLUMN network BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dashboard_session ADD COLUMN network BIGINT NOT NULL DEFAULT 0;
