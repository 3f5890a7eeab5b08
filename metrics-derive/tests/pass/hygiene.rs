//! The generated code names everything by absolute path: it compiles in a crate without the
//! prelude whose scope shadows `Result`, `Option`, `Vec`, `serde`, `core`, the primitive
//! types and the names of the generated functions' parameters, and it emits no warning
//! under `deny(warnings, missing_docs, unsafe_code)` and the pedantic lints.
#![no_implicit_prelude]
#![deny(warnings, missing_docs, unsafe_code, unused_qualifications, unused_results)]
#![deny(non_camel_case_types, non_snake_case, unreachable_pub, trivial_casts)]

/// Shadowing items, all in scope where the derives expand.
#[allow(non_camel_case_types, non_upper_case_globals, dead_code, unreachable_pub)]
pub mod shadows {
    /// Not `core::result::Result`.
    pub struct Result;
    /// Not `core::option::Option`.
    pub struct Option;
    /// Not `Some`.
    pub struct Some;
    /// Not `None`.
    pub struct None;
    /// Not `Ok`.
    pub struct Ok;
    /// Not `Err`.
    pub struct Err;
    /// Not `Vec`.
    pub struct Vec;
    /// Not `String`.
    pub struct String;
    /// Not `Default`.
    pub struct Default;
    /// Not `bool`.
    pub struct bool;
    /// Not `usize`.
    pub struct usize;
    /// Not `str`.
    pub struct str;
    /// Not the serde crate.
    pub mod serde {}
    /// Not the core crate.
    pub mod core {}
    /// Not the std crate.
    pub mod std {}
    /// Not the metrics-core crate.
    pub mod metrics_core {}
    /// Would capture a parameter named `release`.
    pub const release: u8 = 0;
    /// Would capture a parameter named `serializer`.
    pub const serializer: u8 = 0;
    /// Would capture a parameter named `cx`.
    pub const cx: u8 = 0;
    /// Would capture a parameter named `out`.
    pub const out: u8 = 0;
    /// Would capture a generic parameter named `S`.
    pub struct S;
}

#[allow(unused_imports)]
use self::shadows::*;

/// The metrics of the test, with every kind of field.
pub mod model {
    #[allow(unused_imports)]
    use super::shadows::*;

    /// Where jobs run.
    #[derive(
        ::metrics_core::MetricEnum,
        ::core::clone::Clone,
        ::core::marker::Copy,
        ::core::cmp::PartialEq,
        ::core::cmp::Eq,
        ::core::cmp::PartialOrd,
        ::core::cmp::Ord
    )]
    #[metrics(rename_all = "lowercase")]
    pub enum Runner {
        /// On the host.
        Shell,
        /// In a container, since 1.2.
        #[since("1.2")]
        Docker,
    }

    /// Disk use.
    #[derive(::metrics_core::Metrics)]
    pub struct Disk {
        /// Percent used.
        #[since("1.5")]
        pub used: ::metrics_core::Percent,
    }

    /// Usage statistics.
    #[derive(::metrics_core::Metrics)]
    #[metrics(name = "usage", rename_all = "camelCase")]
    pub struct Usage {
        /// Hosts managed.
        pub host_count: u64,
        /// Jobs by runner.
        #[since("1.2")]
        pub jobs: ::std::collections::BTreeMap<Runner, u32>,
        /// Disk use.
        #[since("1.5")]
        #[until("3.0")]
        pub disk: ::core::option::Option<Disk>,
        /// A raw identifier.
        #[metrics(rename = "type")]
        pub r#type: Runner,
        /// A flag.
        pub enabled: ::core::primitive::bool,
    }
}

fn main() {
    let mut jobs = ::std::collections::BTreeMap::new();
    let _ = jobs.insert(model::Runner::Docker, 4);
    let stats = model::Usage {
        host_count: 2,
        jobs,
        disk: ::core::option::Option::Some(model::Disk {
            used: ::metrics_core::Percent::new(12.5).unwrap(),
        }),
        r#type: model::Runner::Shell,
        enabled: true,
    };
    let at = |v: &::core::primitive::str| {
        let version = ::metrics_core::Version::parse(v).unwrap();
        ::serde_json::to_string(&::metrics_core::Metrics::at(&stats, &version)).unwrap()
    };
    ::std::assert_eq!(at("1.0"), r#"{"hostCount":2,"type":"shell","enabled":true}"#);
    ::std::assert_eq!(
        at("2.0"),
        r#"{"hostCount":2,"jobs":{"docker":4},"disk":{"used":12.5},"type":"shell","enabled":true}"#
    );
}
