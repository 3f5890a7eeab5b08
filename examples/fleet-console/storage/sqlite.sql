-- The collector's storage for heartbeat (sqlite), generated from the metric declarations:
-- `collector ddl` writes this file and `collector ddl --check` checks it. The
-- collector creates these at start, and adds the columns a newer model declares
-- (never dropping or retyping one). Counts are exact unsigned 64-bit integers: STRICT tables, ANY columns holding an INTEGER (or decimal TEXT above i64::MAX).

CREATE TABLE IF NOT EXISTS "heartbeat" (
    "document_id" TEXT PRIMARY KEY,
    "installation_id" TEXT,
    "version_sent" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "version_major" INTEGER NOT NULL,
    "version_minor" INTEGER NOT NULL,
    "version_patch" INTEGER NOT NULL,
    "version_pre" TEXT,
    "received_at" TEXT NOT NULL,
    "resends" INTEGER NOT NULL DEFAULT 0,
    "body" TEXT NOT NULL,
    "usage__agents" ANY,
    "usage__dashboards__overview" ANY,
    "usage__dashboards__alerts" ANY,
    "usage__dashboards__capacity" ANY,
    "usage__storage__bytes" ANY,
    "usage__storage__retention_set" INTEGER,
    "usage__alert_rules" ANY
) STRICT;

CREATE INDEX IF NOT EXISTS "heartbeat_window" ON "heartbeat" (received_at, installation_id, version_major, version_minor, version_patch, version_pre, version, document_id);

DROP INDEX IF EXISTS "heartbeat_received_at";

DROP INDEX IF EXISTS "heartbeat_installation_received_at";

CREATE TABLE IF NOT EXISTS "heartbeat_weeks" (
    week TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    version TEXT NOT NULL,
    version_major INTEGER NOT NULL,
    version_minor INTEGER NOT NULL,
    version_patch INTEGER NOT NULL,
    version_pre TEXT,
    PRIMARY KEY (week, installation_id)
) STRICT, WITHOUT ROWID;

DROP TRIGGER IF EXISTS "heartbeat_weeks_insert";
-- Each installation's newest version per week, kept as rows arrive.
CREATE TRIGGER "heartbeat_weeks_insert" AFTER INSERT ON "heartbeat" WHEN NEW.installation_id IS NOT NULL BEGIN
    INSERT INTO "heartbeat_weeks" (week, installation_id, version, version_major, version_minor, version_patch, version_pre)
    VALUES (date(NEW.received_at, '-6 days', 'weekday 1'), NEW.installation_id, NEW.version, NEW.version_major, NEW.version_minor, NEW.version_patch, NEW.version_pre)
    ON CONFLICT (week, installation_id) DO UPDATE SET version = excluded.version, version_major = excluded.version_major, version_minor = excluded.version_minor, version_patch = excluded.version_patch, version_pre = excluded.version_pre
    WHERE (excluded.version_major, excluded.version_minor, excluded.version_patch, excluded.version_pre IS NULL, coalesce(excluded.version_pre, '')) > ("heartbeat_weeks".version_major, "heartbeat_weeks".version_minor, "heartbeat_weeks".version_patch, "heartbeat_weeks".version_pre IS NULL, coalesce("heartbeat_weeks".version_pre, ''));
END;

CREATE TABLE IF NOT EXISTS collector_rejected (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    claimed_version TEXT NOT NULL,
    document_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body BLOB NOT NULL,
    violations INTEGER NOT NULL,
    errors TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS collector_rejected_rules (
    rejected_id INTEGER NOT NULL REFERENCES collector_rejected (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    PRIMARY KEY (rejected_id, rule)
) STRICT;

CREATE INDEX IF NOT EXISTS collector_rejected_received_at ON collector_rejected (received_at);

CREATE TABLE IF NOT EXISTS collector_counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

INSERT INTO collector_counters (name, value) VALUES ('rejected_dropped', 0) ON CONFLICT DO NOTHING;

DROP VIEW IF EXISTS "heartbeat_latest_7d";
CREATE VIEW "heartbeat_latest_7d" AS
-- Each installation active in the last 7 days, with its latest report.
SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY received_at DESC, document_id) AS latest
    FROM "heartbeat" WHERE received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
) AS reports WHERE latest = 1;

DROP VIEW IF EXISTS "heartbeat_versions_7d";
CREATE VIEW "heartbeat_versions_7d" AS
-- Installations active in the last 7 days per version, each counted once, at the
-- newest version it reported.
SELECT version, version_major, version_minor, version_patch, COUNT(*) AS installations
FROM (
    SELECT installation_id, version, version_major, version_minor, version_patch, version_pre,
        ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY version_major DESC, version_minor DESC, version_patch DESC, (version_pre IS NULL) DESC, version_pre DESC, received_at DESC) AS newest
    FROM "heartbeat" WHERE received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
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
WHERE r.received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
GROUP BY r.payload, r.claimed_version, rr.rule;

