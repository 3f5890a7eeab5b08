//! Cross-field rules: version ranges, unique JSON names, fieldless variants, aggregate types.

use std::collections::BTreeMap;

use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Body, Container, Field, Variant};
use crate::attr::ItemAttrs;
use crate::ctxt::Ctxt;

const ALLOWED: &str = "counts (u8, u16, u32, u64, usize), flags (bool), `Percent`, `Bytes`, `std::time::Duration`, `Sha1Digest`, `InstallationId`, `Version`, `Option<_>` of these, nested `#[derive(Metrics)]` structs, `#[derive(MetricEnum)]` enums, and `BTreeMap<_, _>` keyed by such an enum";

pub fn check(cx: &Ctxt, container: &Container) {
    match &container.body {
        Body::Struct(fields) => {
            for field in fields {
                check_range(cx, &field.attrs, "field", &field.rust_name);
                check_type(cx, field, field.ty);
                check_doc(cx, field);
                check_first_release(cx, container, field);
            }
            check_shared_keys(cx, fields);
            check_version_field(cx, fields);
        }
        Body::Enum(variants) => {
            for variant in variants {
                check_range(cx, &variant.attrs, "variant", &variant.rust_name);
                check_fieldless(cx, variant);
            }
            check_unique(cx, variants);
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

/// Two variants cannot share a serialized name.
fn check_unique(cx: &Ctxt, variants: &[Variant]) {
    let mut seen: BTreeMap<&String, &String> = BTreeMap::new();
    for variant in variants {
        if let Some(first) = seen.get(&variant.name) {
            cx.error_at(
                variant.name_span,
                format!(
                    "variants `{first}` and `{}` both have the serialized name `{}`: give one of them another name with `#[metrics(rename = \"...\")]`",
                    variant.rust_name, variant.name
                ),
            );
        } else {
            seen.insert(&variant.name, &variant.rust_name);
        }
    }
}

/// The versions a field is sent at, `[since, until)`, as comparable parts.
fn range(attrs: &ItemAttrs) -> ([u64; 3], Option<[u64; 3]>) {
    (
        attrs.since.as_ref().map_or([0, 0, 0], |v| v.parts),
        attrs.until.as_ref().map(|v| v.parts),
    )
}

fn describe_range(attrs: &ItemAttrs) -> String {
    match (&attrs.since, &attrs.until) {
        (None, None) => "at every version".to_owned(),
        (Some(since), None) => format!("from {}", since.text),
        (None, Some(until)) => format!("from the start until {}", until.text),
        (Some(since), Some(until)) => format!("from {} until {}", since.text, until.text),
    }
}

/// Two fields may share a JSON key only when no version sends both: their `[since, until)`
/// ranges do not overlap (the migration of a released field to a new type).
fn check_shared_keys(cx: &Ctxt, fields: &[Field]) {
    for (index, field) in fields.iter().enumerate() {
        let Some(first) = fields[..index].iter().find(|earlier| {
            earlier.key == field.key && overlap(range(&earlier.attrs), range(&field.attrs))
        }) else {
            continue;
        };
        cx.error_at(
            field.key_span,
            format!(
                "fields `{}` and `{}` both have the JSON key `{}` and a version that sends both (`{}` is sent {}, `{}` {}): give one of them another name with `#[metrics(rename = \"...\")]`, or, to replace a field with one of another type, retire the old one with `#[until(\"X.Y\")]` and give the new one `#[since(\"X.Y\")]`",
                first.rust_name,
                field.rust_name,
                field.key,
                first.rust_name,
                describe_range(&first.attrs),
                field.rust_name,
                describe_range(&field.attrs),
            ),
        );
    }
}

fn overlap(a: ([u64; 3], Option<[u64; 3]>), b: ([u64; 3], Option<[u64; 3]>)) -> bool {
    let before = |end: Option<[u64; 3]>, start: [u64; 3]| end.is_some_and(|end| end <= start);
    !(before(a.1, b.0) || before(b.1, a.0))
}

/// A field's doc comment is the text of the public disclosure page.
fn check_doc(cx: &Ctxt, field: &Field) {
    if field.doc.trim().is_empty() {
        cx.error_spanned_by(
            field.ident,
            format!(
                "field `{}` has no doc comment: a metric's doc comment is the text of the public disclosure page, which tells users what is sent; write one, e.g. `/// The number of projects you have`",
                field.rust_name
            ),
        );
    }
}

/// No field can be added before the product's first release.
fn check_first_release(cx: &Ctxt, container: &Container, field: &Field) {
    let (Some(first), Some(since)) = (&container.first_release, &field.attrs.since) else {
        return;
    };
    if since.parts < first.parts {
        cx.error_at(
            since.span,
            format!(
                "field `{}` has `#[since(\"{}\")]`, before the first release `{}` declared on `{}`: a field sent from the first release needs no since; remove it, or correct `first_release`",
                field.rust_name, since.text, first.text, container.ident
            ),
        );
    }
}

/// At most one field holds the payload's own version, and it exists at every version.
fn check_version_field(cx: &Ctxt, fields: &[Field]) {
    let mut marked = fields.iter().filter_map(|f| Some((f, f.attrs.version?)));
    let first = marked.next();
    for (field, span) in marked {
        cx.error_at(
            span,
            format!(
                "`#[metrics(version)]` is already on field `{}`: a payload has one version field; remove it from `{}`",
                first.map(|(f, _)| f.rust_name.as_str()).unwrap_or_default(),
                field.rust_name
            ),
        );
    }
    if let Some((field, span)) = first
        && (field.attrs.since.is_some() || field.attrs.until.is_some())
    {
        cx.error_at(
            span,
            format!(
                "the version field `{}` has `#[since]` or `#[until]`: the payload's version must be sent at every version, since it decides which schema applies; remove them",
                field.rust_name
            ),
        );
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
                field.rust_name
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
