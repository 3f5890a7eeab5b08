//! Expansion snapshots: the code the derives generate for representative inputs, printed
//! with prettyplease and reviewed with insta, so that any change of generated code shows in
//! review (`cargo insta review` after a deliberate change).

use syn::{DeriveInput, parse_quote};

use crate::ast::Derive;

fn expand(input: DeriveInput, derive: Derive) -> String {
    let tokens = crate::derive(&input, derive);
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

#[test]
fn plain_struct() {
    let expanded = expand(
        parse_quote! {
            /// Sent with the update check.
            struct UpdateCheck {
                /// Environments.
                environments: u64,
                /// Whether the server is licensed.
                licensed: bool,
            }
        },
        Derive::Metrics,
    );
    insta::assert_snapshot!(expanded);
}

#[test]
fn gated_struct_with_renames_nesting_and_maps() {
    let expanded = expand(
        parse_quote! {
            /// Usage statistics.
            ///
            /// Sent daily.
            #[metrics(name = "usage", rename_all = "camelCase")]
            pub struct UsageStatistics {
                /// Builds by runner.
                #[since("3.2")]
                pub builds_by_runner: BTreeMap<Runner, u64>,
                /// Disk use, replaced in 2019.1.
                #[since("2.6")]
                #[until("2019.1")]
                pub disk: Option<Disk>,
                /// The memory in use.
                #[metrics(rename = "mem")]
                pub r#memory: Bytes,
            }
        },
        Derive::Metrics,
    );
    insta::assert_snapshot!(expanded);
}

#[test]
fn metric_enum_with_gated_variant() {
    let expanded = expand(
        parse_quote! {
            /// Where jobs run.
            #[metrics(rename_all = "lowercase")]
            enum Runner {
                /// On the host.
                Shell,
                /// In a container.
                #[since("3.4")]
                Docker,
            }
        },
        Derive::MetricEnum,
    );
    insta::assert_snapshot!(expanded);
}

/// Input with errors expands to the errors plus an impl with the right names, so that code
/// using the type reports nothing more.
#[test]
fn errors_and_fallback() {
    let expanded = expand(
        parse_quote! {
            /// Usage statistics.
            struct Usage {
                /// A malformed version.
                #[since("3.x")]
                environments: u64,
                /// Free text.
                name: String,
            }
        },
        Derive::Metrics,
    );
    insta::assert_snapshot!(expanded);
}

/// A field replaced by one of another type under the same JSON key (versions that do not
/// overlap), a declared first release and a version field: the shared key's decoder arm
/// picks the field the release has.
#[test]
fn shared_key_first_release_and_version_field() {
    let expanded = expand(
        parse_quote! {
            /// A heartbeat.
            #[metrics(first_release = "1.0", rename_all = "camelCase")]
            struct Heartbeat {
                /// The product version
                #[metrics(version)]
                product_version: Version,
                /// The number of teams (up to 65535)
                #[until("2.1")]
                #[metrics(rename = "teams")]
                teams_small: u16,
                /// The number of teams
                #[since("2.1")]
                teams: u32,
            }
        },
        Derive::Metrics,
    );
    insta::assert_snapshot!(expanded);
}
