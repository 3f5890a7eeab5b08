//! A small model in several states of its evolution, for the CLI tests: `EVOLVING_MODEL`
//! names the state (`v1` is the released one), the arguments are the CLI's. Each state
//! spells out its fields in full (the surrounding declarations come from a macro), so that
//! a reader sees exactly what changed between two of them.

// The states are declared for their schemas; their values are never built.
#![allow(dead_code)]

use std::process::ExitCode;

use metrics_core::Model;

/// A state of the `stats` payload: its `Tenancy` fields, then its `Stats` fields.
macro_rules! stats_state {
    ($state:ident, { $($tenancy:tt)* }, { $($stats:tt)* }) => {
        stats_state!($state, #[metrics(name = "stats")], { $($tenancy)* }, { $($stats)* });
    };
    ($state:ident, #[$container:meta], { $($tenancy:tt)* }, { $($stats:tt)* }) => {
        mod $state {
            use metrics_core::{Metrics, Model};

            /// Multi-tenant features in use.
            #[derive(Metrics)]
            #[metrics(rename_all = "camelCase")]
            pub struct Tenancy { $($tenancy)* }

            /// Statistics of a test product.
            #[derive(Metrics)]
            #[$container]
            #[metrics(rename_all = "camelCase")]
            pub struct Stats { $($stats)* }

            pub fn models() -> Vec<Model> {
                vec![Model::of::<Stats>()]
            }
        }
    };
}

/// A state of the `steps` payload (counts keyed by a closed enum): the variants of `Kind`.
macro_rules! steps_state {
    ($state:ident, { $($variants:tt)* }) => {
        mod $state {
            use std::collections::BTreeMap;

            use metrics_core::{MetricEnum, Metrics, Model};

            /// Kinds of step.
            #[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
            #[metrics(rename_all = "kebab-case")]
            pub enum Kind { $($variants)* }

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
    };
}

stats_state!(v1, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// Legitimate evolution: a new field with a new since.
stats_state!(added, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
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
});

// Legitimate evolution: a field retired from a new version on.
stats_state!(retired, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    #[until("2.0")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// Only a doc comment changes: the payloads do not.
stats_state!(reworded, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects you have
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// History changes.
stats_state!(since_later, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.3")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(since_earlier, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.1")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(deleted, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(renamed, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub streams: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(retyped, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u64,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(nested_deleted, {
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

stats_state!(new_in_old, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
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
});

// A release cycle: 1.4 is released; two pull requests add fields to the draft 2.0, then a
// third after 2.0 was released, and one for the next draft, 2.1.
stats_state!(draft_a, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
    /// Whether feature A is on
    #[since("2.0")]
    pub feature_a: bool,
});

stats_state!(draft_ab, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
    /// Whether feature A is on
    #[since("2.0")]
    pub feature_a: bool,
    /// Whether feature B is on
    #[since("2.0")]
    pub feature_b: bool,
});

stats_state!(draft_abc, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
    /// Whether feature A is on
    #[since("2.0")]
    pub feature_a: bool,
    /// Whether feature B is on
    #[since("2.0")]
    pub feature_b: bool,
    /// Whether feature C is on
    #[since("2.0")]
    pub feature_c: bool,
});

stats_state!(draft_next, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
    /// Whether feature A is on
    #[since("2.0")]
    pub feature_a: bool,
    /// Whether feature B is on
    #[since("2.0")]
    pub feature_b: bool,
    /// Whether feature D is on
    #[since("2.1")]
    pub feature_d: bool,
});

// A since moved from 1.2 to 1.10 (a later version, though "1.10" < "1.2" as text).
stats_state!(since_1_10, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.10")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// The migration a type change needs: the released field retired, a wider one under the
// same JSON key from the next version on.
stats_state!(retyped_migrated, {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    #[until("2.0")]
    pub channels: u32,
    /// The number of channels
    #[since("2.0")]
    #[metrics(rename = "channels")]
    pub channels_wide: u64,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// The first release declared: fields sent from the start show it on the page.
stats_state!(first_release, #[metrics(name = "stats", first_release = "1.0")], {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tags
    pub tags: u64,
}, {
    /// The number of projects
    pub projects: u32,
    /// The number of channels
    #[since("1.2")]
    pub channels: u32,
    /// Multi-tenancy
    #[since("1.4")]
    pub tenancy: Tenancy,
});

// A payload keyed by a closed enum, released with variant `c` from 1.2.
steps_state!(enum_v1, {
    /// A
    A,
    /// B
    B,
    /// C
    #[since("1.2")]
    C,
});

// Legitimate evolution: a new variant with a new since.
steps_state!(enum_new_variant, {
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
});

// History change: a new variant dated inside the released history.
steps_state!(enum_backdated, {
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
});

// History change: a released variant deleted.
steps_state!(enum_removed, {
    /// A
    A,
    /// C
    #[since("1.2")]
    C,
});

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
        "draft-a" => draft_a::models(),
        "draft-ab" => draft_ab::models(),
        "draft-abc" => draft_abc::models(),
        "draft-next" => draft_next::models(),
        "since-1.10" => since_1_10::models(),
        "retyped-migrated" => retyped_migrated::models(),
        "first-release" => first_release::models(),
        "enum-v1" => enum_v1::models(),
        "enum-new-variant" => enum_new_variant::models(),
        "enum-backdated" => enum_backdated::models(),
        "enum-removed" => enum_removed::models(),
        other => {
            eprintln!("EVOLVING_MODEL must name a state of the test model, not `{other}`");
            return ExitCode::from(2);
        }
    };
    metrics_tool::cli::run("generated", &models)
}
