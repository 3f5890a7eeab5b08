//! A small model in several states of its evolution, for the CLI tests: `EVOLVING_MODEL`
//! names the state (`v1` is the released one), the arguments are the CLI's. Each state is
//! written out in full, so that a reader sees exactly what changed between two of them.

// The states are declared for their schemas; their values are never built.
#![allow(dead_code)]

use std::process::ExitCode;

use metrics_core::Model;

mod v1 {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

// Legitimate evolution: a new field with a new since.
mod added {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
        /// Whether foo is on
        #[since("2.0")]
        pub foo: bool,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

// Legitimate evolution: a field retired from a new version on.
mod retired {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        #[until("2.0")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

// Only a doc comment changes: the payloads do not.
mod reworded {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects you have
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

// History changes.
mod since_later {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.3")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod since_earlier {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.1")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod deleted {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod renamed {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub streams: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod retyped {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u64,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod nested_deleted {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

mod new_in_old {
    use metrics_core::{Metrics, Model};

    /// Multi-tenant features in use.
    #[derive(Metrics)]
    #[metrics(rename_all = "camelCase")]
    pub struct Tenancy {
        /// The number of tenants
        pub tenants: u64,
        /// The number of tags
        pub tags: u64,
    }

    /// Statistics of a test product.
    #[derive(Metrics)]
    #[metrics(name = "stats", rename_all = "camelCase")]
    pub struct Stats {
        /// The number of projects
        pub projects: u32,
        /// The number of channels
        #[since("1.2")]
        pub channels: u32,
        /// Multi-tenancy
        #[since("1.4")]
        pub tenancy: Tenancy,
        /// Whether foo is on
        #[since("1.2")]
        pub foo: bool,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Stats>()]
    }
}

// A payload keyed by a closed enum, released with variant `c` from 1.2.
mod enum_v1 {
    use std::collections::BTreeMap;

    use metrics_core::{MetricEnum, Metrics, Model};

    /// Kinds of step.
    #[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    #[metrics(rename_all = "kebab-case")]
    pub enum Kind {
        /// A
        A,
        /// B
        B,
        /// C
        #[since("1.2")]
        C,
    }

    /// Steps of a test product.
    #[derive(Metrics)]
    #[metrics(name = "steps")]
    pub struct Steps {
        /// The number of steps of each kind
        pub steps: BTreeMap<Kind, u32>,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Steps>()]
    }
}

// Legitimate evolution: a new variant with a new since.
mod enum_new_variant {
    use std::collections::BTreeMap;

    use metrics_core::{MetricEnum, Metrics, Model};

    /// Kinds of step.
    #[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    #[metrics(rename_all = "kebab-case")]
    pub enum Kind {
        /// A
        A,
        /// B
        B,
        /// C
        #[since("1.2")]
        C,
        /// D
        #[since("2.0")]
        D,
    }

    /// Steps of a test product.
    #[derive(Metrics)]
    #[metrics(name = "steps")]
    pub struct Steps {
        /// The number of steps of each kind
        pub steps: BTreeMap<Kind, u32>,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Steps>()]
    }
}

// History change: a new variant dated inside the released history.
mod enum_backdated {
    use std::collections::BTreeMap;

    use metrics_core::{MetricEnum, Metrics, Model};

    /// Kinds of step.
    #[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    #[metrics(rename_all = "kebab-case")]
    pub enum Kind {
        /// A
        A,
        /// B
        B,
        /// C
        #[since("1.2")]
        C,
        /// D
        #[since("1.2")]
        D,
    }

    /// Steps of a test product.
    #[derive(Metrics)]
    #[metrics(name = "steps")]
    pub struct Steps {
        /// The number of steps of each kind
        pub steps: BTreeMap<Kind, u32>,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Steps>()]
    }
}

// History change: a released variant deleted.
mod enum_removed {
    use std::collections::BTreeMap;

    use metrics_core::{MetricEnum, Metrics, Model};

    /// Kinds of step.
    #[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    #[metrics(rename_all = "kebab-case")]
    pub enum Kind {
        /// A
        A,
        /// C
        #[since("1.2")]
        C,
    }

    /// Steps of a test product.
    #[derive(Metrics)]
    #[metrics(name = "steps")]
    pub struct Steps {
        /// The number of steps of each kind
        pub steps: BTreeMap<Kind, u32>,
    }

    pub fn models() -> Vec<Model> {
        vec![Model::of::<Steps>()]
    }
}

fn main() -> ExitCode {
    let state = std::env::var("EVOLVING_MODEL").unwrap_or_default();
    let models: Vec<Model> = match state.as_str() {
        "v1" => v1::models(),
        // The same payload declared twice: the CLI must refuse (one directory, two models).
        "twins" => [v1::models(), v1::models()].concat(),
        "added" => added::models(),
        "retired" => retired::models(),
        "reworded" => reworded::models(),
        "since-later" => since_later::models(),
        "since-earlier" => since_earlier::models(),
        "deleted" => deleted::models(),
        "renamed" => renamed::models(),
        "retyped" => retyped::models(),
        "nested-deleted" => nested_deleted::models(),
        "new-in-old" => new_in_old::models(),
        "enum-v1" => enum_v1::models(),
        "enum-new-variant" => enum_new_variant::models(),
        "enum-backdated" => enum_backdated::models(),
        "enum-removed" => enum_removed::models(),
        other => {
            eprintln!("EVOLVING_MODEL must name a state of the test model, not `{other}`");
            return ExitCode::from(2);
        }
    };
    metrics_core::cli::run("generated", &models)
}
