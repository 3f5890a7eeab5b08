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
                fields.iter().map(|f| (&f.key, f.key_span)),
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
                variants.iter().map(|v| (&v.name, v.name_span)),
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
    names: impl Iterator<Item = (&'a String, proc_macro2::Span)>,
    what: &str,
    kind: &str,
) {
    let mut seen: BTreeMap<&String, usize> = BTreeMap::new();
    for (index, (name, span)) in names.enumerate() {
        if let Some(first) = seen.get(name) {
            cx.error_at(
                span,
                format!(
                    "two {what}s have the {kind} `{name}` (this one and {what} number {}): give one of them `#[metrics(rename = \"...\")]`",
                    first + 1
                ),
            );
        } else {
            seen.insert(name, index);
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
/// says what to send instead. Types not caught here still fail on the `MetricValue` bound.
fn check_type(cx: &Ctxt, field: &Field, ty: &Type) {
    if let Some(reason) = forbidden(ty) {
        cx.error_spanned_by(
            ty,
            format!(
                "field `{}`: {reason}; only aggregates may be metrics: {ALLOWED}",
                field.ident
            ),
        );
    }
}

fn forbidden(ty: &Type) -> Option<String> {
    let text = || quote::quote!(#ty).to_string().replace(' ', "");
    match ty {
        Type::Reference(_) | Type::Slice(_) | Type::Array(_) | Type::Tuple(_) | Type::Ptr(_) => {
            Some(format!(
                "`{}` cannot be a usage metric (a reference, slice, array, tuple or pointer may carry free text or one entry per item)",
                text()
            ))
        }
        Type::Group(group) => forbidden(&group.elem),
        Type::Paren(paren) => forbidden(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            let reason = match name.as_str() {
                "String" | "str" | "Cow" | "OsString" | "OsStr" | "PathBuf" | "Path" | "Url" | "Uri"
                | "char" => Some(format!(
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
                "HashMap" => Some(format!(
                    "`{}` cannot be a usage metric: use a `BTreeMap` keyed by a `#[derive(MetricEnum)]` enum (map keys must be a closed set)",
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
                && let Some(key_reason) = forbidden(key)
            {
                return Some(format!(
                    "map keys must be a closed `#[derive(MetricEnum)]` enum, not `{}` ({key_reason})",
                    quote::quote!(#key).to_string().replace(' ', "")
                ));
            }
            types.into_iter().find_map(forbidden)
        }
        _ => None,
    }
}
