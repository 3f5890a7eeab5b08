-- The collector's storage for update-check, usage-statistics (sqlite), generated from the metric declarations:
-- `collector ddl` writes this file and `collector ddl --check` checks it. The
-- collector creates these at start, and adds the columns a newer model declares
-- (never dropping or retyping one). Counts are exact unsigned 64-bit integers: STRICT tables, ANY columns holding an INTEGER (or decimal TEXT above i64::MAX).

CREATE TABLE IF NOT EXISTS "update_check" (
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
    "usage_statistics__environments" ANY,
    "usage_statistics__machines" ANY,
    "usage_statistics__projects" ANY,
    "usage_statistics__deployment_steps__deploy_package" ANY,
    "usage_statistics__deployment_steps__run_script" ANY,
    "usage_statistics__deployment_steps__manual_intervention" ANY,
    "usage_statistics__deployment_steps__send_email" ANY,
    "usage_statistics__deployment_steps__deploy_to_iis" ANY,
    "usage_statistics__deployment_steps__deploy_windows_service" ANY,
    "usage_statistics__deployment_steps__azure_web_app" ANY,
    "usage_statistics__deployment_steps__azure_cloud_service" ANY,
    "usage_statistics__deployment_steps__other" ANY,
    "usage_statistics__releases_and_deployments__releases" ANY,
    "usage_statistics__releases_and_deployments__deployments" ANY,
    "usage_statistics__users" ANY,
    "usage_statistics__license_serial_hash" TEXT,
    "usage_statistics__memory" ANY,
    "usage_statistics__cpu" REAL,
    "usage_statistics__channels" ANY,
    "usage_statistics__multi_tenancy__tenants" ANY,
    "usage_statistics__multi_tenancy__tenant_tags" ANY,
    "usage_statistics__certificates" ANY,
    "usage_statistics__time_to_first_deployment" ANY,
    "usage_statistics__uses_lets_encrypt" INTEGER,
    "usage_statistics__uses_guest_account" INTEGER,
    "usage_statistics__community_steps__notification" ANY,
    "usage_statistics__community_steps__database" ANY,
    "usage_statistics__community_steps__web_server" ANY,
    "usage_statistics__community_steps__cloud" ANY,
    "usage_statistics__community_steps__other" ANY,
    "usage_statistics__cloud_accounts__azure_accounts" ANY,
    "usage_statistics__cloud_accounts__aws_accounts" ANY,
    "usage_statistics__built_in_worker_custom_account" INTEGER,
    "usage_statistics__workers" ANY
) STRICT;

CREATE INDEX IF NOT EXISTS "update_check_window" ON "update_check" (received_at, installation_id, version_major, version_minor, version_patch, version_pre, version, document_id);

DROP INDEX IF EXISTS "update_check_received_at";

DROP INDEX IF EXISTS "update_check_installation_received_at";

CREATE TABLE IF NOT EXISTS "update_check_weeks" (
    week TEXT NOT NULL,
    installation_id TEXT NOT NULL,
    version TEXT NOT NULL,
    version_major INTEGER NOT NULL,
    version_minor INTEGER NOT NULL,
    version_patch INTEGER NOT NULL,
    version_pre TEXT,
    PRIMARY KEY (week, installation_id)
) STRICT, WITHOUT ROWID;

DROP TRIGGER IF EXISTS "update_check_weeks_insert";
-- Each installation's newest version per week, kept as rows arrive.
CREATE TRIGGER "update_check_weeks_insert" AFTER INSERT ON "update_check" WHEN NEW.installation_id IS NOT NULL BEGIN
    INSERT INTO "update_check_weeks" (week, installation_id, version, version_major, version_minor, version_patch, version_pre)
    VALUES (date(NEW.received_at, '-6 days', 'weekday 1'), NEW.installation_id, NEW.version, NEW.version_major, NEW.version_minor, NEW.version_patch, NEW.version_pre)
    ON CONFLICT (week, installation_id) DO UPDATE SET version = excluded.version, version_major = excluded.version_major, version_minor = excluded.version_minor, version_patch = excluded.version_patch, version_pre = excluded.version_pre
    WHERE (excluded.version_major, excluded.version_minor, excluded.version_patch, excluded.version_pre IS NULL, coalesce(excluded.version_pre, '')) > ("update_check_weeks".version_major, "update_check_weeks".version_minor, "update_check_weeks".version_patch, "update_check_weeks".version_pre IS NULL, coalesce("update_check_weeks".version_pre, ''));
END;

CREATE TABLE IF NOT EXISTS "usage_statistics" (
    "document_id" TEXT PRIMARY KEY,
    "version_sent" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "version_major" INTEGER NOT NULL,
    "version_minor" INTEGER NOT NULL,
    "version_patch" INTEGER NOT NULL,
    "version_pre" TEXT,
    "received_at" TEXT NOT NULL,
    "resends" INTEGER NOT NULL DEFAULT 0,
    "body" TEXT NOT NULL,
    "environments" ANY,
    "machines" ANY,
    "projects" ANY,
    "deployment_steps__deploy_package" ANY,
    "deployment_steps__run_script" ANY,
    "deployment_steps__manual_intervention" ANY,
    "deployment_steps__send_email" ANY,
    "deployment_steps__deploy_to_iis" ANY,
    "deployment_steps__deploy_windows_service" ANY,
    "deployment_steps__azure_web_app" ANY,
    "deployment_steps__azure_cloud_service" ANY,
    "deployment_steps__other" ANY,
    "releases_and_deployments__releases" ANY,
    "releases_and_deployments__deployments" ANY,
    "users" ANY,
    "license_serial_hash" TEXT,
    "memory" ANY,
    "cpu" REAL,
    "channels" ANY,
    "multi_tenancy__tenants" ANY,
    "multi_tenancy__tenant_tags" ANY,
    "certificates" ANY,
    "time_to_first_deployment" ANY,
    "uses_lets_encrypt" INTEGER,
    "uses_guest_account" INTEGER,
    "community_steps__notification" ANY,
    "community_steps__database" ANY,
    "community_steps__web_server" ANY,
    "community_steps__cloud" ANY,
    "community_steps__other" ANY,
    "cloud_accounts__azure_accounts" ANY,
    "cloud_accounts__aws_accounts" ANY,
    "built_in_worker_custom_account" INTEGER,
    "workers" ANY
) STRICT;

CREATE INDEX IF NOT EXISTS "usage_statistics_window" ON "usage_statistics" (received_at, version_major, version_minor, version_patch, version_pre, version, document_id);

DROP INDEX IF EXISTS "usage_statistics_received_at";

DROP INDEX IF EXISTS "usage_statistics_installation_received_at";

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

DROP VIEW IF EXISTS "update_check_latest_7d";
CREATE VIEW "update_check_latest_7d" AS
-- Each installation active in the last 7 days, with its latest report.
SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY received_at DESC, document_id) AS latest
    FROM "update_check" WHERE received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
) AS reports WHERE latest = 1;

DROP VIEW IF EXISTS "update_check_versions_7d";
CREATE VIEW "update_check_versions_7d" AS
-- Installations active in the last 7 days per version, each counted once, at the
-- newest version it reported.
SELECT version, version_major, version_minor, version_patch, COUNT(*) AS installations
FROM (
    SELECT installation_id, version, version_major, version_minor, version_patch, version_pre,
        ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY version_major DESC, version_minor DESC, version_patch DESC, (version_pre IS NULL) DESC, version_pre DESC, received_at DESC) AS newest
    FROM "update_check" WHERE received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
) AS installations WHERE newest = 1
GROUP BY version, version_major, version_minor, version_patch, version_pre;

DROP VIEW IF EXISTS "update_check_weekly";
CREATE VIEW "update_check_weekly" AS
-- Active installations per calendar week (Monday, UTC) and version, each counted
-- once per week, at the newest version it reported that week.
SELECT week, version, version_major, version_minor, COUNT(*) AS installations
FROM "update_check_weeks"
GROUP BY week, version, version_major, version_minor;

DROP VIEW IF EXISTS collector_rejected_7d;
CREATE VIEW collector_rejected_7d AS
-- Rejected submissions of the last 7 days per payload, claimed version and rule.
SELECT r.payload, r.claimed_version, rr.rule, COUNT(*) AS submissions
FROM collector_rejected AS r JOIN collector_rejected_rules AS rr ON rr.rejected_id = r.id
WHERE r.received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
GROUP BY r.payload, r.claimed_version, rr.rule;

