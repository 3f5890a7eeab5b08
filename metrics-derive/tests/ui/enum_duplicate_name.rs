use metrics_core::MetricEnum;

/// The operating system.
#[derive(MetricEnum)]
#[metrics(rename_all = "lowercase")]
pub enum Os {
    /// macOS.
    MacOs,
    /// The same name after renaming.
    #[metrics(rename = "macos")]
    Darwin,
}

fn main() {}
