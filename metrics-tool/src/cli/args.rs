//! The command line's arguments (clap): what each command takes and its help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    about = "Generate and check the schema files, release records and disclosure page of usage-metrics payloads"
)]
pub(super) struct Cli {
    /// The directory of the generated files (default: the model crate's `generated/`).
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Write one schema file per version (plus the baseline), the index and the disclosure
    /// page. Drafts (versions after the newest released one) are written, rewritten and
    /// deleted freely; released versions are frozen.
    Generate {
        /// Rewrite or delete released version files anyway, and say which.
        #[arg(long)]
        allow_history_change: bool,
    },
    /// Regenerate in memory and compare with the files on disk; fail when they differ
    /// (naming each file), when a released version's payload would change, or when a
    /// released file is damaged.
    Check {
        /// Also fail unless this version is recorded as released (for a release pipeline).
        #[arg(long, value_name = "VERSION")]
        released_through: Option<String>,
        /// Output format (`json`: the findings as a JSON document, for CI annotations).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Record in the index that every version up to VERSION is released: their schema
    /// files become frozen history (writes the files first, as `generate` does).
    Release {
        /// The product version being released (`3.4`, `2018.2.2`).
        version: String,
        /// Lower the released version (take a release back), or release over history
        /// changes; says what it overwrote.
        #[arg(long)]
        allow_history_change: bool,
    },
    /// The fields added, removed and changed from version A to version B, as declared. Any
    /// product version (each resolved to the schema in force at it), or `baseline`.
    Diff {
        /// The older version.
        a: String,
        /// The newer version.
        b: String,
        /// Only this payload (default: every payload).
        #[arg(long)]
        payload: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write the disclosure page (Markdown) generated from the declarations.
    Docs {
        /// Where to write it (default: `DISCLOSURE.md` in the generated directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}
