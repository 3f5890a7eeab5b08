use metrics_core::MetricEnum;

/// The database in use.
#[derive(MetricEnum)]
pub enum Database {
    /// The bundled database.
    Embedded,
    /// An external PostgreSQL server.
    Postgres { major: u32 },
    /// An external MySQL server.
    MySql(u32),
}

fn main() {}
