//! The storage compiled from the declarations: one table per payload, with envelope columns
//! (document id, installation id, the version as sent and normalized, the received time, the
//! raw body) and one typed column per leaf metric over all versions (nested structs
//! flattened, enum-map keys expanded), plus the indices and views the analytics read. The
//! same layout gives the DDL files that are committed next to the JSON schemas.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::SystemTime;

use metrics_core::{Leaf, Model, Shape};
use serde_json::Value;

/// Which SQL database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (STRICT tables).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// How a leaf is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A count, size or duration: an unsigned 64-bit integer, stored exactly
    /// (PostgreSQL `NUMERIC(20,0)`; SQLite `ANY`: an INTEGER, or decimal TEXT above
    /// `i64::MAX`).
    Count,
    /// A flag (PostgreSQL `BOOLEAN`, SQLite `INTEGER` 0 or 1).
    Flag,
    /// A percentage (`DOUBLE PRECISION` / `REAL`: the 64-bit float that was sent).
    Percent,
    /// Text: an enum value, a digest, a version.
    Text,
    /// A UUID (PostgreSQL `UUID`, SQLite `TEXT`).
    Uuid,
}

impl Kind {
    fn of(shape: Shape) -> Kind {
        match shape {
            Shape::Optional(inner) => Kind::of(inner()),
            Shape::Count { .. } | Shape::Bytes | Shape::Milliseconds => Kind::Count,
            Shape::Flag => Kind::Flag,
            Shape::Percent => Kind::Percent,
            Shape::InstallationId => Kind::Uuid,
            Shape::Sha1 | Shape::Version | Shape::Enum { .. } => Kind::Text,
            // Leaves are never structs or maps.
            Shape::Struct { .. } | Shape::Map { .. } => Kind::Text,
        }
    }

    /// The column type in `dialect`.
    pub fn sql_type_for(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Kind::Count, Dialect::Postgres) => "NUMERIC(20, 0)",
            (Kind::Count, Dialect::Sqlite) => "ANY",
            (Kind::Flag, Dialect::Postgres) => "BOOLEAN",
            (Kind::Flag, Dialect::Sqlite) => "INTEGER",
            (Kind::Percent, Dialect::Postgres) => "DOUBLE PRECISION",
            (Kind::Percent, Dialect::Sqlite) => "REAL",
            (Kind::Text, _) => "TEXT",
            (Kind::Uuid, Dialect::Postgres) => "UUID",
            (Kind::Uuid, Dialect::Sqlite) => "TEXT",
        }
    }

    /// The names as `information_schema` (PostgreSQL) or `PRAGMA table_info` (SQLite)
    /// report the column type, for checking an existing database.
    fn reported_type(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Kind::Count, Dialect::Postgres) => "numeric",
            (Kind::Flag, Dialect::Postgres) => "boolean",
            (Kind::Percent, Dialect::Postgres) => "double precision",
            (Kind::Text, Dialect::Postgres) => "text",
            (Kind::Uuid, Dialect::Postgres) => "uuid",
            (kind, Dialect::Sqlite) => kind.sql_type_for(Dialect::Sqlite),
        }
    }
}

/// One leaf column of a payload table.
#[derive(Clone, Debug)]
pub struct Column {
    /// The SQL column name (`usage_statistics__multi_tenancy__tenants`).
    pub name: String,
    /// The leaf's JSON pointer in the payload.
    pub pointer: String,
    /// How it is stored.
    pub kind: Kind,
    /// Every leaf stored in this column (one, or the fields that share its key), in
    /// declaration order.
    pub leaves: Vec<Leaf>,
}

impl Column {
    /// The leaf; for fields that share a JSON key (in versions that do not overlap) and are
    /// stored alike, the newest one, declared last (its doc, unit and since describe the
    /// column).
    pub fn leaf(&self) -> &Leaf {
        self.leaves.last().expect("a column has a leaf")
    }

    /// Whether a payload sent by `release` carries this column's metric.
    pub fn exists_at(&self, release: metrics_core::Release) -> bool {
        self.leaves.iter().any(|leaf| leaf.exists_at(release))
    }
}

/// The table of one payload.
#[derive(Clone, Debug)]
pub struct Table {
    /// The payload's name.
    pub payload: &'static str,
    /// The SQL table name (`update_check`).
    pub name: String,
    /// The model.
    pub model: Model,
    /// The key of the top-level installation id, when the payload has one: the analytics
    /// count installations by it.
    pub installation: Option<String>,
    /// The leaf columns, in declaration order.
    pub columns: Vec<Column>,
}

/// The envelope columns every payload table has, besides its leaf columns.
pub const ENVELOPE: [&str; 10] = [
    "document_id",
    "installation_id",
    "version_sent",
    "version",
    "version_major",
    "version_minor",
    "version_patch",
    "version_pre",
    "received_at",
    "resends",
];

/// The table of rejected submissions.
pub const REJECTED: &str = "collector_rejected";
/// The rules broken by each rejected submission, one row per rule.
pub const REJECTED_RULES: &str = "collector_rejected_rules";
/// Counters the collector keeps (`rejected_dropped`: old rejections removed to bound the
/// table; `pre_release_order`, present once every stored pre-release is in the sortable
/// form of [`pre_release_order`]).
pub const COUNTERS: &str = "collector_counters";

/// `multiTenancy.tenantTags` as a column name: `multi_tenancy__tenant_tags`.
fn snake(label: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in label.chars() {
        match c {
            '.' => {
                out.push_str("__");
                previous_lower = false;
            }
            c if c.is_ascii_uppercase() => {
                if previous_lower {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
                previous_lower = false;
            }
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            }
            _ => {
                out.push('_');
                previous_lower = false;
            }
        }
    }
    out
}

/// PostgreSQL truncates identifiers at 63 bytes: longer names are cut, with a hash of the
/// whole name appended so that two long names stay apart.
fn fit(name: String) -> String {
    if name.len() <= 63 {
        return name;
    }
    let digest = metrics_core::Sha1Digest::of(&name).to_string();
    format!("{}_{}", &name[..54], &digest[..8])
}

impl Table {
    /// The table of each installation's newest version per calendar week, which a
    /// trigger keeps as rows arrive (for a payload with an installation id).
    pub fn weeks_table(&self) -> String {
        fit(format!("{}_weeks", self.name))
    }

    /// The table of `model`: its columns over all versions.
    pub fn of(model: Model) -> Table {
        let leaves = model.leaves();
        // The installation id: a top-level field every version sends (an id that some
        // versions lack cannot count installations).
        let installation = leaves
            .iter()
            .find(|leaf| {
                leaf.keys.len() == 1
                    && matches!(leaf.shape, Shape::InstallationId)
                    && leaf.availability.since().is_none()
                    && leaf.availability.until().is_none()
            })
            .map(|leaf| leaf.keys[0].to_owned());
        let mut taken: BTreeSet<String> = ENVELOPE.iter().map(|s| (*s).to_owned()).collect();
        taken.insert("body".to_owned());
        let mut columns: Vec<Column> = Vec::new();
        for leaf in leaves {
            // The version and the installation id are envelope columns.
            let top_level = |key: Option<&str>| leaf.keys.len() == 1 && key == Some(leaf.keys[0]);
            if top_level(model.version_key()) || top_level(installation.as_deref()) {
                continue;
            }
            let kind = Kind::of(leaf.shape);
            // Two fields sharing a JSON key (in versions that do not overlap) share a column
            // when they are stored alike.
            if let Some(column) = columns
                .iter_mut()
                .find(|c| c.pointer == leaf.pointer && c.kind == kind)
            {
                column.leaves.push(leaf);
                continue;
            }
            // A name taken already gets a suffix from its pointer, the same whatever the
            // order of declaration.
            let mut name = fit(snake(&leaf.label()));
            if taken.contains(&name) {
                let digest = metrics_core::Sha1Digest::of(format!("{}:{kind:?}", leaf.pointer));
                name = fit(format!(
                    "{}_{}",
                    snake(&leaf.label()),
                    &digest.to_string()[..6]
                ));
            }
            taken.insert(name.clone());
            columns.push(Column {
                name,
                pointer: leaf.pointer.clone(),
                kind,
                leaves: vec![leaf],
            });
        }
        Table {
            payload: model.name(),
            name: fit(snake(model.name())),
            model,
            installation,
            columns,
        }
    }

    /// The envelope and leaf columns with their SQL types, in table order.
    pub fn column_types(&self, dialect: Dialect) -> Vec<(String, String)> {
        let pg = dialect == Dialect::Postgres;
        let mut out = vec![(
            "document_id".to_owned(),
            if pg {
                "UUID PRIMARY KEY"
            } else {
                "TEXT PRIMARY KEY"
            }
            .to_owned(),
        )];
        if self.installation.is_some() {
            out.push((
                "installation_id".to_owned(),
                if pg { "UUID" } else { "TEXT" }.to_owned(),
            ));
        }
        let integer = if pg { "BIGINT" } else { "INTEGER" };
        for (name, ty) in [
            ("version_sent", "TEXT NOT NULL".to_owned()),
            ("version", "TEXT NOT NULL".to_owned()),
            ("version_major", format!("{integer} NOT NULL")),
            ("version_minor", format!("{integer} NOT NULL")),
            ("version_patch", format!("{integer} NOT NULL")),
            ("version_pre", "TEXT".to_owned()),
            (
                "received_at",
                if pg {
                    "TIMESTAMPTZ NOT NULL"
                } else {
                    "TEXT NOT NULL"
                }
                .to_owned(),
            ),
            ("resends", format!("{integer} NOT NULL DEFAULT 0")),
            ("body", "TEXT NOT NULL".to_owned()),
        ] {
            out.push((name.to_owned(), ty));
        }
        for column in &self.columns {
            out.push((
                column.name.clone(),
                column.kind.sql_type_for(dialect).to_owned(),
            ));
        }
        out
    }

    /// The type an existing leaf column must have, as the database reports it.
    pub fn reported_type(&self, column: &Column, dialect: Dialect) -> &'static str {
        column.kind.reported_type(dialect)
    }

    /// Each leaf column's value in an accepted payload (`None`: the version lacks the
    /// leaf, or sent `null`, or a map did not send the key).
    pub fn values<'v>(
        &self,
        payload: &'v Value,
        release: metrics_core::Release,
    ) -> Vec<Option<&'v Value>> {
        self.columns
            .iter()
            .map(|column| {
                if !column.exists_at(release) {
                    return None;
                }
                lookup(payload, &column.leaf().keys).filter(|v| !v.is_null())
            })
            .collect()
    }

    /// The installation id an accepted payload carries, when the table has one.
    pub fn installation_id<'v>(&self, payload: &'v Value) -> Option<&'v str> {
        payload.get(self.installation.as_deref()?)?.as_str()
    }
}

/// The value at `keys` (unescaped, from the root): what `Value::pointer` finds, without
/// splitting and unescaping a pointer per lookup.
fn lookup<'v>(payload: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(payload, |value, key| value.get(key))
}

/// An identifier quoted for SQL (both databases).
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The DDL of a fresh database for `tables`: the tables, their indices and the views the
/// analytics read, in `dialect`. Deterministic: committed next to the JSON schemas.
pub fn ddl(tables: &[Table], dialect: Dialect) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- The collector's storage for {} ({}), generated from the metric declarations:\n\
         -- `collector ddl` writes this file and `collector ddl --check` checks it. The\n\
         -- collector creates these at start, and adds the columns a newer model declares\n\
         -- (never dropping or retyping one). Counts are exact unsigned 64-bit integers: {}.\n",
        tables
            .iter()
            .map(|t| t.payload)
            .collect::<Vec<_>>()
            .join(", "),
        dialect.name(),
        match dialect {
            Dialect::Postgres => "NUMERIC(20, 0)",
            Dialect::Sqlite =>
                "STRICT tables, ANY columns holding an INTEGER (or decimal TEXT above i64::MAX)",
        }
    );
    for statement in statements(tables, dialect) {
        let _ = writeln!(out, "{statement};\n");
    }
    out
}

/// Every statement that creates the storage (tables, indices, views), in order.
pub fn statements(tables: &[Table], dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    for table in tables {
        out.push(create_table(table, dialect));
        out.extend(indices(table, dialect));
        out.extend(weeks(table, dialect));
    }
    out.extend(rejected_tables(dialect));
    out.extend(views(tables, dialect));
    out
}

/// `CREATE TABLE IF NOT EXISTS` of a payload table.
pub fn create_table(table: &Table, dialect: Dialect) -> String {
    let columns: Vec<String> = table
        .column_types(dialect)
        .into_iter()
        .map(|(name, ty)| format!("    {} {ty}", quoted(&name)))
        .collect();
    let strict = if dialect == Dialect::Sqlite {
        " STRICT"
    } else {
        ""
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n{}\n){strict}",
        quoted(&table.name),
        columns.join(",\n")
    )
}

/// The index the report reads a window through: by time, holding what it counts
/// installations and versions by, so that those queries never read the rows themselves.
/// (It replaces two indices of earlier collectors, named as they named them: in full, which
/// PostgreSQL cut to 63 bytes.)
fn indices(table: &Table, dialect: Dialect) -> Vec<String> {
    let earlier = |name: String| match dialect {
        Dialect::Postgres if name.len() > 63 => name[..63].to_owned(),
        _ => name,
    };
    let t = &table.name;
    let who = if table.installation.is_some() {
        "installation_id, "
    } else {
        ""
    };
    vec![
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} (received_at, {who}version_major, version_minor, version_patch, version_pre, version, document_id)",
            quoted(&fit(format!("{t}_window"))),
            quoted(t)
        ),
        format!(
            "DROP INDEX IF EXISTS {}",
            quoted(&earlier(format!("{t}_received_at")))
        ),
        format!(
            "DROP INDEX IF EXISTS {}",
            quoted(&earlier(format!("{t}_installation_received_at")))
        ),
    ]
}

/// For a payload with an installation id: the table of each installation's newest version
/// per calendar week (Monday, UTC), and the trigger that keeps it as rows are inserted (a
/// resend inserts nothing, and changes nothing). The weekly trend reads it instead of
/// ranking every submission of every week.
fn weeks(table: &Table, dialect: Dialect) -> Vec<String> {
    if table.installation.is_none() {
        return Vec::new();
    }
    let (t, w) = (quoted(&table.name), quoted(&table.weeks_table()));
    let pg = dialect == Dialect::Postgres;
    let (week_type, id_type, integer) = if pg {
        ("DATE", "UUID", "BIGINT")
    } else {
        ("TEXT", "TEXT", "INTEGER")
    };
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {w} (\n    week {week_type} NOT NULL,\n    installation_id {id_type} NOT NULL,\n    version TEXT NOT NULL,\n    version_major {integer} NOT NULL,\n    version_minor {integer} NOT NULL,\n    version_patch {integer} NOT NULL,\n    version_pre TEXT,\n    PRIMARY KEY (week, installation_id)\n){}",
        if pg { "" } else { " STRICT, WITHOUT ROWID" }
    );
    // The version sent is newer: a release after its pre-releases, which compare byte by
    // byte in their stored form (`pre_release_order`), as `newest_version_first` orders them.
    let c = if pg { " COLLATE \"C\"" } else { "" };
    let newer = format!(
        "(excluded.version_major, excluded.version_minor, excluded.version_patch, excluded.version_pre IS NULL, coalesce(excluded.version_pre, ''){c}) > ({w}.version_major, {w}.version_minor, {w}.version_patch, {w}.version_pre IS NULL, coalesce({w}.version_pre, ''){c})"
    );
    let columns =
        "week, installation_id, version, version_major, version_minor, version_patch, version_pre";
    let update = format!(
        "ON CONFLICT (week, installation_id) DO UPDATE SET version = excluded.version, version_major = excluded.version_major, version_minor = excluded.version_minor, version_patch = excluded.version_patch, version_pre = excluded.version_pre\n    WHERE {newer}"
    );
    let trigger = quoted(&fit(format!("{}_weeks_insert", table.name)));
    let comment = "-- Each installation's newest version per week, kept as rows arrive.";
    match dialect {
        // Once per statement (a multi-row insert of the writer), over the rows it inserted
        // (a resend inserts none), in the order of the key: concurrent writers take the
        // rows' locks in the same order.
        Dialect::Postgres => vec![
            create,
            format!(
                "{comment}\nCREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO {w} ({columns})\n    SELECT DISTINCT ON (week, installation_id) {columns} FROM (\n      SELECT {} AS week, installation_id, version, version_major, version_minor, version_patch, version_pre, received_at\n      FROM inserted WHERE installation_id IS NOT NULL) AS n\n    ORDER BY week, installation_id, {}\n    {update};\n  RETURN NULL;\nEND\n$$",
                week_of(dialect, "received_at"),
                newest_version_first(dialect),
            ),
            // Replaced in place (PostgreSQL 14+): a lock that readers pass, where dropping
            // it first would wait for every running report and hold back everything after.
            format!(
                "CREATE OR REPLACE TRIGGER {trigger} AFTER INSERT ON {t} REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
            ),
        ],
        Dialect::Sqlite => vec![
            create,
            format!(
                "DROP TRIGGER IF EXISTS {trigger};\n{comment}\nCREATE TRIGGER {trigger} AFTER INSERT ON {t} WHEN NEW.installation_id IS NOT NULL BEGIN\n    INSERT INTO {w} ({columns})\n    VALUES ({}, NEW.installation_id, NEW.version, NEW.version_major, NEW.version_minor, NEW.version_patch, NEW.version_pre)\n    {update};\nEND",
                week_of(dialect, "NEW.received_at")
            ),
        ],
    }
}

/// Fills the weeks table of `table` from its rows (for a database whose rows predate it).
pub fn backfill_weeks(table: &Table, dialect: Dialect) -> Option<String> {
    table.installation.as_ref()?;
    let week = week_of(dialect, "received_at");
    Some(format!(
        "INSERT INTO {} (week, installation_id, version, version_major, version_minor, version_patch, version_pre) \
         SELECT week, installation_id, version, version_major, version_minor, version_patch, version_pre FROM (\
            SELECT {week} AS week, installation_id, version, version_major, version_minor, version_patch, version_pre, \
                ROW_NUMBER() OVER (PARTITION BY installation_id, {week} ORDER BY {}) AS newest \
            FROM {} WHERE installation_id IS NOT NULL) AS x WHERE newest = 1 \
         ON CONFLICT DO NOTHING",
        quoted(&table.weeks_table()),
        newest_version_first(dialect),
        quoted(&table.name),
    ))
}

fn rejected_tables(dialect: Dialect) -> Vec<String> {
    let (id, received, body, integer) = match dialect {
        Dialect::Postgres => (
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "TIMESTAMPTZ NOT NULL",
            "BYTEA NOT NULL",
            "BIGINT",
        ),
        Dialect::Sqlite => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "TEXT NOT NULL",
            "BLOB NOT NULL",
            "INTEGER",
        ),
    };
    let strict = if dialect == Dialect::Sqlite {
        " STRICT"
    } else {
        ""
    };
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {REJECTED} (\n    id {id},\n    payload TEXT NOT NULL,\n    claimed_version TEXT NOT NULL,\n    document_id TEXT NOT NULL,\n    received_at {received},\n    body {body},\n    violations {integer} NOT NULL,\n    errors TEXT NOT NULL\n){strict}"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {REJECTED_RULES} (\n    rejected_id {integer} NOT NULL REFERENCES {REJECTED} (id) ON DELETE CASCADE,\n    rule TEXT NOT NULL,\n    PRIMARY KEY (rejected_id, rule)\n){strict}"
        ),
        format!("CREATE INDEX IF NOT EXISTS {REJECTED}_received_at ON {REJECTED} (received_at)"),
        format!(
            "CREATE TABLE IF NOT EXISTS {COUNTERS} (\n    name TEXT PRIMARY KEY,\n    value {integer} NOT NULL\n){strict}"
        ),
        format!(
            "INSERT INTO {COUNTERS} (name, value) VALUES ('rejected_dropped', 0) ON CONFLICT DO NOTHING"
        ),
    ]
}

/// `received_at` of the last 7 days, in `dialect`.
fn last_week(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "received_at >= now() - interval '7 days'",
        Dialect::Sqlite => "received_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')",
    }
}

/// The calendar week (Monday to Sunday, UTC) of `time`, numbered from the epoch's week:
/// the order of the weeks table's keys.
pub fn calendar_week(time: SystemTime) -> u64 {
    let days = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 86_400;
    // 1970-01-01 was a Thursday: day 4 is the first Monday.
    (days + 3) / 7
}

/// The Monday (UTC) of the week of the time `expression`, as a date.
pub fn week_of(dialect: Dialect, expression: &str) -> String {
    match dialect {
        Dialect::Postgres => {
            format!("CAST(date_trunc('week', {expression} AT TIME ZONE 'UTC') AS DATE)")
        }
        Dialect::Sqlite => format!("date({expression}, '-6 days', 'weekday 1')"),
    }
}

/// The marker that starts every stored `version_pre`: a character no pre-release has, so
/// that a value stored by an earlier collector (the pre-release as written) is told apart.
pub const PRE_RELEASE_ORDER: char = '!';

/// The pre-release of a version (`rc.10`) as stored in `version_pre`: a text whose byte
/// order is semver's precedence, so that both databases compare versions by plain text
/// comparison. Each identifier, after a `!`: a numeric one as `0`, the number of digits of
/// its length, its length and its digits (`0` `1` `2` `10`: numbers compare by value, however
/// long), an alphanumeric one as `1` and its text (after every numeric one, by ASCII order);
/// a version with more identifiers is newer than one it starts with. `rc.10` is
/// `!1rc!01210`, newer than `rc.2`, `!1rc!0112`.
pub fn pre_release_order(pre: &str) -> String {
    let mut out = String::with_capacity(pre.len() + 8);
    for identifier in pre.split('.') {
        out.push(PRE_RELEASE_ORDER);
        if !identifier.is_empty() && identifier.bytes().all(|b| b.is_ascii_digit()) {
            let length = identifier.len().to_string();
            out.push('0');
            out.push_str(&length.len().to_string());
            out.push_str(&length);
        } else {
            out.push('1');
        }
        out.push_str(identifier);
    }
    out
}

/// Newest version first (a release after its pre-releases), then latest first. Pre-release
/// labels compare byte by byte on both databases (PostgreSQL's `C` collation, SQLite's
/// default), so that both pick the same newest version.
pub fn newest_version_first(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => {
            "version_major DESC, version_minor DESC, version_patch DESC, \
             (version_pre IS NULL) DESC, version_pre COLLATE \"C\" DESC, received_at DESC"
        }
        Dialect::Sqlite => {
            "version_major DESC, version_minor DESC, version_patch DESC, \
             (version_pre IS NULL) DESC, version_pre DESC, received_at DESC"
        }
    }
}

/// The views: per payload with an installation id, the last week's latest report per
/// installation, the installations per version, and the installations per version per
/// week; the rejections of the last week per claimed version and rule.
fn views(tables: &[Table], dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    let replace = |name: &str, query: String| {
        format!("DROP VIEW IF EXISTS {name};\nCREATE VIEW {name} AS\n{query}")
    };
    let newest = newest_version_first(dialect);
    for table in tables.iter().filter(|t| t.installation.is_some()) {
        let t = quoted(&table.name);
        let since = last_week(dialect);
        out.push(replace(
            &quoted(&format!("{}_latest_7d", table.name)),
            format!(
                "-- Each installation active in the last 7 days, with its latest report.\n\
                 SELECT * FROM (\n    SELECT *, ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY received_at DESC, document_id) AS latest\n    FROM {t} WHERE {since}\n) AS reports WHERE latest = 1"
            ),
        ));
        out.push(replace(
            &quoted(&format!("{}_versions_7d", table.name)),
            format!(
                "-- Installations active in the last 7 days per version, each counted once, at the\n\
                 -- newest version it reported.\n\
                 SELECT version, version_major, version_minor, version_patch, COUNT(*) AS installations\n\
                 FROM (\n    SELECT installation_id, version, version_major, version_minor, version_patch, version_pre,\n        ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY {newest}) AS newest\n    FROM {t} WHERE {since}\n) AS installations WHERE newest = 1\n\
                 GROUP BY version, version_major, version_minor, version_patch, version_pre"
            ),
        ));
        out.push(replace(
            &quoted(&format!("{}_weekly", table.name)),
            format!(
                "-- Active installations per calendar week (Monday, UTC) and version, each counted\n\
                 -- once per week, at the newest version it reported that week.\n\
                 SELECT week, version, version_major, version_minor, COUNT(*) AS installations\n\
                 FROM {}\n\
                 GROUP BY week, version, version_major, version_minor",
                quoted(&table.weeks_table())
            ),
        ));
    }
    out.push(replace(
        &format!("{REJECTED}_7d"),
        format!(
            "-- Rejected submissions of the last 7 days per payload, claimed version and rule.\n\
             SELECT r.payload, r.claimed_version, rr.rule, COUNT(*) AS submissions\n\
             FROM {REJECTED} AS r JOIN {REJECTED_RULES} AS rr ON rr.rejected_id = r.id\n\
             WHERE r.{}\n\
             GROUP BY r.payload, r.claimed_version, rr.rule",
            last_week(dialect)
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_weeks_run_from_monday_to_sunday_in_utc() {
        let week = |text: &str| calendar_week(humantime::parse_rfc3339(text).unwrap());
        // 2026-11-30 is a Monday.
        assert_eq!(
            week("2026-11-29T23:59:59.999Z") + 1,
            week("2026-11-30T00:00:00Z")
        );
        assert_eq!(week("2026-11-30T00:00:00Z"), week("2026-12-06T23:59:59Z"));
        assert_eq!(week("1970-01-04T12:00:00Z"), 0);
        assert_eq!(week("1970-01-05T00:00:00Z"), 1);
    }

    #[test]
    fn stored_pre_releases_sort_as_semver_orders_them() {
        // The semver specification's example, and numbers of different lengths, leading
        // digits in alphanumeric identifiers, hyphens and prefixes.
        let pres = [
            "alpha",
            "alpha.1",
            "alpha.beta",
            "beta",
            "beta.2",
            "beta.11",
            "rc.1",
            "rc.2",
            "rc.10",
            "rc.10.1",
            "rc.10.a",
            "rc-1",
            "rc-a",
            "rc0",
            "0",
            "1",
            "2",
            "10",
            "99",
            "100",
            "0a",
            "1a",
            "a-b",
            "a.b",
            "a",
            "A",
            "Z.1",
            "z",
            "x-y-z.--",
            "9999999999999999999999",
            "10000000000000000000000",
        ];
        // Numbers of ten thousand digits and more.
        let long: Vec<String> = [(9_999, '9'), (10_000, '2'), (10_001, '1')]
            .iter()
            .map(|&(n, digit)| std::iter::repeat_n(digit, n).collect())
            .collect();
        let pres: Vec<&str> = pres
            .iter()
            .copied()
            .chain(long.iter().map(String::as_str))
            .collect();
        let mut by_semver: Vec<&str> = pres.clone();
        by_semver.sort_by_key(|pre| semver::Prerelease::new(pre).unwrap());
        let mut by_text: Vec<&str> = pres.clone();
        by_text.sort_by_key(|pre| pre_release_order(pre));
        assert_eq!(by_text, by_semver);
        assert_eq!(pre_release_order("rc.10"), "!1rc!01210");
        assert!(pre_release_order("x").starts_with(PRE_RELEASE_ORDER));
    }

    #[test]
    fn column_names_are_snake_case_paths() {
        assert_eq!(
            snake("usageStatistics.multiTenancy.tenantTags"),
            "usage_statistics__multi_tenancy__tenant_tags"
        );
        assert_eq!(
            snake("deploymentSteps.deploy-to-iis"),
            "deployment_steps__deploy_to_iis"
        );
        assert_eq!(snake("update-check"), "update_check");
        let long = fit("a".repeat(80));
        assert_eq!(long.len(), 63);
        assert_ne!(fit("a".repeat(80)), fit(format!("{}b", "a".repeat(79))));
    }

    #[test]
    fn the_reference_update_check_has_a_column_per_leaf_metric() {
        let table = Table::of(schema::models()[0]);
        assert_eq!(table.name, "update_check");
        assert_eq!(table.installation.as_deref(), Some("installationId"));
        // Every leaf but the version and installation id (envelope columns): 19 fields, of
        // which two maps (9 + 5 keys) and three nested structs of two fields each.
        assert_eq!(table.columns.len(), 19 - 5 + 9 + 5 + 3 * 2);
        let kinds: Vec<(&str, Kind)> = table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .filter(|(name, _)| {
                [
                    "usage_statistics__machines",
                    "usage_statistics__uses_lets_encrypt",
                    "usage_statistics__cpu",
                    "usage_statistics__license_serial_hash",
                    "usage_statistics__deployment_steps__run_script",
                ]
                .contains(name)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("usage_statistics__machines", Kind::Count),
                (
                    "usage_statistics__deployment_steps__run_script",
                    Kind::Count
                ),
                ("usage_statistics__license_serial_hash", Kind::Text),
                ("usage_statistics__cpu", Kind::Percent),
                ("usage_statistics__uses_lets_encrypt", Kind::Flag),
            ]
        );
    }
}
