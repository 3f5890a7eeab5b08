//! The derives of `metrics-core`: `#[derive(Metrics)]` and `#[derive(MetricEnum)]`.
//!
//! Three rooms, as in serde_derive: `ast` reads the input into a model (with `attr`
//! parsing the attributes), `check` applies the cross-field rules, `expand` generates
//! the code. Errors are collected in a `ctxt::Ctxt` and reported together; on error a
//! fallback impl is emitted so that no follow-on errors appear.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod version;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use crate::ast::{Container, Derive};
use crate::ctxt::Ctxt;

/// Derives `metrics_core::Metrics` for a struct with named fields.
///
/// Attributes: `#[metrics(name = "...", rename_all = "...")]` on the struct;
/// `#[since("3.4")]`, `#[until("2019.1")]` and `#[metrics(rename = "...")]` on fields.
#[proc_macro_derive(Metrics, attributes(metrics, since, until))]
pub fn derive_metrics(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input, Derive::Metrics).into()
}

/// Derives `metrics_core::MetricEnum` for a fieldless enum.
///
/// Attributes: `#[metrics(name = "...", rename_all = "...")]` on the enum;
/// `#[since]`, `#[until]` and `#[metrics(rename = "...")]` on variants.
#[proc_macro_derive(MetricEnum, attributes(metrics, since, until))]
pub fn derive_metric_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input, Derive::MetricEnum).into()
}

/// The whole derive as a function of tokens, so that tests can snapshot its expansion.
pub(crate) fn derive(input: &DeriveInput, derive: Derive) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input, derive);
    if let Some(container) = &container {
        check::check(&cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => expand::expand(&container),
        (Err(errors), container) => {
            let mut out = errors.to_compile_error();
            // A generic type cannot get a fallback impl without its parameters: its error
            // stands alone.
            if input.generics.params.is_empty() {
                let name = container.map(|c| c.name).unwrap_or_default();
                out.extend(expand::fallback(&input.ident, derive, &name));
            }
            out
        }
        (Ok(()), None) => unreachable!("a rejected input always records an error"),
    }
}
