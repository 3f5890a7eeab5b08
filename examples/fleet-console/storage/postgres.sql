-- The collector's storage for heartbeat (postgres), generated from the metric declarations:
-- `collector ddl` writes this file and `collector ddl --check` checks it. The
-- collector creates these at start, and adds the columns a newer model declares
-- (never dropping or retyping one). Counts are exact unsigned 64-bit integers: NUMERIC(20, 0).

CREATE TABLE IF NOT EXISTS "heartbeat" (
    "document_id" UUID PRIMARY KEY,
    "installation_id" UUID,
    "version_sent" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "version_major" BIGINT NOT NULL,
    "version_minor" BIGINT NOT NULL,
    "version_patch" BIGINT NOT NULL,
    "version_pre" TEXT,
    "received_at" TIMESTAMPTZ NOT NULL,
    "resends" BIGINT NOT NULL DEFAULT 0,
    "body" TEXT NOT NULL,
    "usage__agents" NUMERIC(20, 0),
    "usage__dashboards__overview" NUMERIC(20, 0),
    "usage__dashboards__alerts" NUMERIC(20, 0),
    "usage__dashboards__capacity" NUMERIC(20, 0),
    "usage__storage__bytes" NUMERIC(20, 0),
    "usage__storage__retention_set" BOOLEAN,
    "usage__alert_rules" NUMERIC(20, 0)
);

CREATE INDEX IF NOT EXISTS "heartbeat_window" ON "heartbeat" (received_at, installation_id, version_major, version_minor, version_patch, version_pre, version, document_id);

DROP INDEX IF EXISTS "heartbeat_received_at";

DROP INDEX IF EXISTS "heartbeat_installation_received_at";

CREATE TABLE IF NOT EXISTS "heartbeat_weeks" (
    week DATE NOT NULL,
    installation_id UUID NOT NULL,
    version TEXT NOT NULL,
    version_major BIGINT NOT NULL,
    version_minor BIGINT NOT NULL,
    version_patch BIGINT NOT NULL,
    version_pre TEXT,
    PRIMARY KEY (week, installation_id)
);

-- Each installation's newest version per week, kept as rows arrive.
CREATE OR REPLACE FUNCTION "heartbeat_weeks_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "heartbeat_weeks" (week, installation_id, version, version_major, version_minor, version_patch, version_pre)
    SELECT DISTINCT ON (week, installation_id) week, installation_id, version, version_major, version_minor, version_patch, version_pre FROM (
      SELECT CAST(date_trunc('week', received_at AT TIME ZONE 'UTC') AS DATE) AS week, installation_id, version, version_major, version_minor, version_patch, version_pre, received_at
      FROM inserted WHERE installation_id IS NOT NULL) AS n
    ORDER BY week, installation_id, version_major DESC, version_minor DESC, version_patch DESC, (version_pre IS NULL) DESC, version_pre COLLATE "C" DESC, received_at DESC
    ON CONFLICT (week, installation_id) DO UPDATE SET version = excluded.version, version_major = excluded.version_major, version_minor = excluded.version_minor, version_patch = excluded.version_patch, version_pre = excluded.version_pre
    WHERE (excluded.version_major, excluded.version_minor, excluded.version_patch, excluded.version_pre IS NULL, coalesce(excluded.version_pre, '') COLLATE "C") > ("heartbeat_weeks".version_major, "heartbeat_weeks".version_minor, "heartbeat_weeks".version_patch, "heartbeat_weeks".version_pre IS NULL, coalesce("heartbeat_weeks".version_pre, '') COLLATE "C");
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER "heartbeat_weeks_insert" AFTER INSERT ON "heartbeat" REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "heartbeat_weeks_insert"();

CREATE TABLE IF NOT EXISTS collector_rejected (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload TEXT NOT NULL,
    claimed_version TEXT NOT NULL,
    document_id TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    body BYTEA NOT NULL,
    violations BIGINT NOT NULL,
    errors TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS collector_rejected_rules (
    rejected_id BIGINT NOT NULL REFERENCES collector_rejected (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    PRIMARY KEY (rejected_id, rule)
);

CREATE INDEX IF NOT EXISTS collector_rejected_received_at ON collector_rejected (received_at);

CREATE TABLE IF NOT EXISTS collector_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO collector_counters (name, value) VALUES ('rejected_dropped', 0) ON CONFLICT DO NOTHING;

DROP VIEW IF EXISTS "heartbeat_latest_7d";
CREATE VIEW "heartbeat_latest_7d" AS
-- Each installation active in the last 7 days, with its latest report.
SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY received_at DESC, document_id) AS latest
    FROM "heartbeat" WHERE received_at >= now() - interval '7 days'
) AS reports WHERE latest = 1;

DROP VIEW IF EXISTS "heartbeat_versions_7d";
CREATE VIEW "heartbeat_versions_7d" AS
-- Installations active in the last 7 days per version, each counted once, at the
-- newest version it reported.
SELECT version, version_major, version_minor, version_patch, COUNT(*) AS installations
FROM (
    SELECT installation_id, version, version_major, version_minor, version_patch, version_pre,
        ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY version_major DESC, version_minor DESC, version_patch DESC, (version_pre IS NULL) DESC, version_pre COLLATE "C" DESC, received_at DESC) AS newest
    FROM "heartbeat" WHERE received_at >= now() - interval '7 days'
) AS installations WHERE newest = 1
GROUP BY version, version_major, version_minor, version_patch, version_pre;

DROP VIEW IF EXISTS "heartbeat_weekly";
CREATE VIEW "heartbeat_weekly" AS
-- Active installations per calendar week (Monday, UTC) and version, each counted
-- once per week, at the newest version it reported that week.
SELECT week, version, version_major, version_minor, COUNT(*) AS installations
FROM "heartbeat_weeks"
GROUP BY week, version, version_major, version_minor;

DROP VIEW IF EXISTS collector_rejected_7d;
CREATE VIEW collector_rejected_7d AS
-- Rejected submissions of the last 7 days per payload, claimed version and rule.
SELECT r.payload, r.claimed_version, rr.rule, COUNT(*) AS submissions
FROM collector_rejected AS r JOIN collector_rejected_rules AS rr ON rr.rejected_id = r.id
WHERE r.received_at >= now() - interval '7 days'
GROUP BY r.payload, r.claimed_version, rr.rule;

