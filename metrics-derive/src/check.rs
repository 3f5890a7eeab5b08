//! Cross-field rules: version ranges, unique JSON names, fieldless variants, aggregate types.

use std::collections::BTreeMap;

use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Body, Container, Field, Variant};
use crate::attr::ItemAttrs;
use crate::ctxt::Ctxt;

const ALLOWED: &str = "counts (u8, u16, u32, u64, usize), flags (bool), `Percent`, `Bytes`, `std::time::Duration`, `Sha1Digest`, `Option<_>` of these, nested `#[derive(Metrics)]` structs, `#[derive(MetricEnum)]` enums, and `BTreeMap<_, _>` keyed by such an enum";

pub fn check(cx: &Ctxt, container: &Container) {
    match &container.body {
        Body::Struct(fields) => {
            for field in fields {
                check_range(cx, &field.attrs, "field", &field.ident.to_string());
                check_type(cx, field, field.ty);
            }
            check_unique(
                cx,
                fields
                    .iter()
                    .map(|f| (f.ident.to_string(), &f.key, f.key_span)),
                "field",
                "JSON key",
            );
        }
        Body::Enum(variants) => {
            for variant in variants {
                check_range(cx, &variant.attrs, "variant", &variant.ident.to_string());
                check_fieldless(cx, variant);
            }
            check_unique(
                cx,
                variants
                    .iter()
                    .map(|v| (v.ident.to_string(), &v.name, v.name_span)),
                "variant",
                "serialized name",
            );
        }
    }
}

/// `until` must come after `since`.
fn check_range(cx: &Ctxt, attrs: &ItemAttrs, what: &str, name: &str) {
    let (Some(since), Some(until)) = (&attrs.since, &attrs.until) else {
        return;
    };
    if until.parts == since.parts {
        cx.error_at(
            until.span,
            format!(
                "`#[until(\"{}\")]` equals `#[since(\"{}\")]`: {what} `{name}` would never be sent; remove the {what}, or give `until` a later version",
                until.text, since.text
            ),
        );
    } else if until.parts < since.parts {
        cx.error_at(
            until.span,
            format!(
                "`#[until(\"{}\")]` is before `#[since(\"{}\")]` on {what} `{name}`: `until` is the first version without it and must come after `since`",
                until.text, since.text
            ),
        );
    }
}

fn check_unique<'a>(
    cx: &Ctxt,
    names: impl Iterator<Item = (String, &'a String, proc_macro2::Span)>,
    what: &str,
    kind: &str,
) {
    let mut seen: BTreeMap<&String, String> = BTreeMap::new();
    for (rust_name, name, span) in names {
        if let Some(first) = seen.get(name) {
            cx.error_at(
                span,
                format!(
                    "{what}s `{first}` and `{rust_name}` both have the {kind} `{name}`: give one of them another name with `#[metrics(rename = \"...\")]`"
                ),
            );
        } else {
            seen.insert(name, rust_name);
        }
    }
}

fn check_fieldless(cx: &Ctxt, variant: &Variant) {
    if !matches!(variant.original.fields, syn::Fields::Unit) {
        cx.error_spanned_by(
            &variant.original.fields,
            format!(
                "variant `{}` has fields: a `MetricEnum` is a closed set of names, sent as a string; remove the fields (count them in a separate metric instead)",
                variant.ident
            ),
        );
    }
}

/// Rejects, by their written name, types that can never be metrics, with a message that
/// says what to send instead. Types not caught here (behind an alias, say) still fail, once,
/// on the `MetricValue` bound at the same span.
fn check_type(cx: &Ctxt, field: &Field, ty: &Type) {
    if let Some(reason) = forbidden(ty) {
        cx.error_spanned_by(
            ty,
            format!(
                "field `{}`: {reason}\nonly aggregates may be metrics: {ALLOWED}",
                field.ident
            ),
        );
    }
}

/// A type as written, spaced as rustfmt would (`HashMap<String, u64>`, `&'static str`).
pub fn type_text(ty: &Type) -> String {
    let mut text = quote::quote!(#ty).to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        ("[ ", "["),
        (" ]", "]"),
        ("( ", "("),
        (" )", ")"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

fn forbidden(ty: &Type) -> Option<String> {
    let text = || type_text(ty);
    match ty {
        Type::Reference(reference) => Some(forbidden(&reference.elem).unwrap_or_else(|| {
            format!(
                "`{}` cannot be a usage metric: a payload owns its values; use `{}`",
                text(),
                type_text(&reference.elem)
            )
        })),
        Type::Slice(_) | Type::Array(_) => Some(format!(
            "`{}` cannot be a usage metric: a list may carry one entry per item; send a count, or a `BTreeMap` of counts keyed by a `#[derive(MetricEnum)]` enum",
            text()
        )),
        Type::Tuple(tuple) if tuple.elems.is_empty() => {
            Some("`()` cannot be a usage metric: it carries nothing; remove the field".to_owned())
        }
        Type::Tuple(_) => Some(format!(
            "`{}` cannot be a usage metric: a tuple has no names for its parts; use a nested `#[derive(Metrics)]` struct",
            text()
        )),
        Type::Ptr(_) => Some(format!(
            "`{}` cannot be a usage metric: use the value type",
            text()
        )),
        Type::Group(group) => forbidden(&group.elem),
        Type::Paren(paren) => forbidden(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            let reason = match name.as_str() {
                "String" | "str" | "Cow" | "OsString" | "OsStr" | "PathBuf" | "Path" | "Url"
                | "Uri" | "char" => Some(format!(
                    "`{}` cannot be a usage metric: free text (names, paths, URLs) must never be sent; send a count of the items instead",
                    text()
                )),
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => Some(format!(
                    "`{}` cannot be a usage metric: counts are never negative; use `u{}`",
                    text(),
                    &name[1..]
                )),
                "u128" => Some(
                    "`u128` cannot be a usage metric: JSON consumers cannot read it exactly; use `u64`"
                        .to_owned(),
                ),
                "f32" | "f64" => Some(format!(
                    "`{}` cannot be a usage metric: use `Percent` for a percentage, `Duration` for a time, `Bytes` for a size",
                    text()
                )),
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "LinkedList" => Some(format!(
                    "`{}` cannot be a usage metric: a list may carry one entry per item; send a count, or a `BTreeMap` of counts keyed by a `#[derive(MetricEnum)]` enum",
                    text()
                )),
                "HashMap" | "IndexMap" => Some(format!(
                    "`{}` cannot be a usage metric: use a `BTreeMap` keyed by a `#[derive(MetricEnum)]` enum (map keys must be a closed set, and the order of keys fixed)",
                    text()
                )),
                _ => None,
            };
            if reason.is_some() {
                return reason;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let types: Vec<&Type> = args
                .args
                .iter()
                .filter_map(|arg| match arg {
                    GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect();
            if name == "BTreeMap"
                && let Some(key) = types.first()
                && forbidden(key).is_some()
            {
                return Some(format!(
                    "`{}` cannot be a usage metric: map keys must be a closed set, and `{}` keys may carry names, paths or one entry per item; declare the keys as a fieldless `#[derive(MetricEnum)]` enum and use `BTreeMap<ThatEnum, {}>`",
                    text(),
                    type_text(key),
                    types
                        .get(1)
                        .map_or_else(|| "u64".to_owned(), |v| type_text(v)),
                ));
            }
            types.into_iter().find_map(forbidden)
        }
        _ => None,
    }
}
