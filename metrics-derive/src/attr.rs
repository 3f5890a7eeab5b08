//! Attribute parsing: `#[metrics(...)]`, `#[since("...")]`, `#[until("...")]`, doc comments.

use serde_derive_internals::attr::RenameRule;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, Lit, LitStr, Meta};

use crate::ctxt::Ctxt;
use crate::version::VersionLit;

/// `#[metrics(...)]` on the struct or enum.
#[derive(Default)]
pub struct ContainerAttrs {
    pub name: Option<LitStr>,
    pub rename_all: Option<RenameRule>,
    /// `first_release = "1.0"`: the product's first release (documentation only).
    pub first_release: Option<VersionLit>,
}

/// `#[metrics(...)]`, `#[since]` and `#[until]` on a field or variant.
#[derive(Default)]
pub struct ItemAttrs {
    pub rename: Option<LitStr>,
    pub since: Option<VersionLit>,
    pub until: Option<VersionLit>,
    /// `version`: the field holds the payload's own version (fields only).
    pub version: Option<proc_macro2::Span>,
}

const CONTAINER_KEYS: &[&str] = &["name", "rename_all", "first_release"];
const ITEM_KEYS: &[&str] = &["rename", "version"];

/// The doc comment as text: lines of a paragraph joined with a space, paragraphs separated
/// by a blank line (as rustdoc renders them).
pub fn doc_comment(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            for line in s.value().split('\n') {
                lines.push(line.trim().to_owned());
            }
        }
    }
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    paragraphs.join("\n\n")
}

/// The identifier as written, without a raw identifier's `r#`.
pub fn unraw(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// Runs `each` on every key of every `#[metrics(...)]` in `attrs`, after reporting a key
/// given twice in one list; parse errors are recorded in `cx`.
fn each_metrics_key(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut each: impl FnMut(&str, &syn::meta::ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("metrics")) {
        let mut seen = Vec::new();
        let result = attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta.path);
            if seen.contains(&key) {
                cx.error_spanned_by(
                    &meta.path,
                    format!("duplicate key `{key}` in `#[metrics(...)]`: give it once"),
                );
            }
            seen.push(key.clone());
            each(&key, &meta)
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
}

impl ContainerAttrs {
    /// `what` is "field" or "variant", for messages.
    pub fn parse(cx: &Ctxt, attrs: &[Attribute], what: &str) -> Self {
        let mut out = ContainerAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("since") || attr.path().is_ident("until") {
                cx.error_spanned_by(
                    attr,
                    format!(
                        "`#[{}]` goes on a {what}, not on the type: the type exists as long as one of its {what}s does{}",
                        attr.path().get_ident().map(ToString::to_string).unwrap_or_default(),
                        if what == "field" {
                            "; to say which release the product started with, write `#[metrics(first_release = \"1.0\")]`"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        each_metrics_key(cx, attrs, |key, meta| {
            match key {
                "name" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if !is_name(&lit.value()) {
                        cx.error_spanned_by(
                            &lit,
                            format!(
                                "invalid name `{}`: a payload name is lowercase letters, digits and `-`, starting with a letter (it becomes the schema's file name and `$id`)",
                                lit.value()
                            ),
                        );
                    }
                    out.name = Some(lit);
                }
                "rename_all" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match RenameRule::from_str(&lit.value()) {
                        Ok(rule) => out.rename_all = Some(rule),
                        Err(err) => cx.error_spanned_by(&lit, err),
                    }
                }
                "first_release" if what == "field" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match VersionLit::parse(&lit.value(), lit.span()) {
                        Ok(version) => out.first_release = Some(version),
                        Err(message) => cx.error_at(lit.span(), message),
                    }
                }
                "first_release" => {
                    cx.error_spanned_by(
                        &meta.path,
                        "`first_release` goes on a `#[derive(Metrics)]` struct (the payload), not on an enum",
                    );
                    skip_value(meta)?;
                }
                _ => {
                    cx.error_spanned_by(
                        &meta.path,
                        unknown_key(key, CONTAINER_KEYS, ITEM_KEYS, what),
                    );
                    skip_value(meta)?;
                }
            }
            Ok(())
        });
        out
    }
}

impl ItemAttrs {
    /// `what` is "field" or "variant", for messages.
    pub fn parse(cx: &Ctxt, attrs: &[Attribute], what: &str, name: &str) -> Self {
        let mut out = ItemAttrs::default();
        for attr in attrs {
            if !(attr.path().is_ident("since") || attr.path().is_ident("until")) {
                continue;
            }
            let is_since = attr.path().is_ident("since");
            let which = if is_since { "since" } else { "until" };
            let Some(version) = parse_version_attr(cx, attr, which) else {
                continue;
            };
            let slot = if is_since {
                &mut out.since
            } else {
                &mut out.until
            };
            if slot.is_some() {
                cx.error_spanned_by(
                    attr,
                    format!(
                        "duplicate `#[{which}]` on {what} `{name}`: a {what} is {} once; keep one",
                        if is_since { "added" } else { "removed" }
                    ),
                );
            } else {
                *slot = Some(version);
            }
        }
        each_metrics_key(cx, attrs, |key, meta| {
            match key {
                "rename" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let value = lit.value();
                    if value.is_empty() {
                        cx.error_spanned_by(
                            &lit,
                            format!("empty `rename` on {what} `{name}`: give the JSON name"),
                        );
                    } else if let Some(control) = value.chars().find(|c| *c < ' ') {
                        // The decoder matches names as raw bytes, where serde_json does not
                        // reject an unescaped control character.
                        cx.error_spanned_by(
                            &lit,
                            format!(
                                "`rename` on {what} `{name}` has a control character ({:?}): a JSON name of a metric is printable text; remove it",
                                control
                            ),
                        );
                    }
                    out.rename = Some(lit);
                }
                "version" if what == "field" => {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        cx.error_spanned_by(
                            &meta.path,
                            "`version` takes no value: write `#[metrics(version)]` on the `Version` field that holds the payload's own version",
                        );
                        skip_value(meta)?;
                    }
                    out.version = Some(meta.path.span());
                }
                "version" => {
                    cx.error_spanned_by(
                        &meta.path,
                        "`version` marks the field of a `#[derive(Metrics)]` struct that holds the payload's own version; it does not apply to a variant",
                    );
                    skip_value(meta)?;
                }
                "since" | "until" => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!("`{key}` is an attribute of its own: write `#[{key}(\"3.4\")]` on the {what}"),
                    );
                    skip_value(meta)?;
                }
                _ => {
                    cx.error_spanned_by(
                        &meta.path,
                        unknown_key(key, ITEM_KEYS, CONTAINER_KEYS, what),
                    );
                    skip_value(meta)?;
                }
            }
            Ok(())
        });
        out
    }
}

/// Reads `#[since("3.4")]`; reports a spanned error and returns `None` on anything else.
fn parse_version_attr(cx: &Ctxt, attr: &Attribute, which: &str) -> Option<VersionLit> {
    let usage = format!("write `#[{which}(\"MAJOR.MINOR[.PATCH]\")]`, e.g. `#[{which}(\"3.4\")]`");
    let list = match &attr.meta {
        Meta::List(list) => list,
        Meta::Path(_) => {
            cx.error_spanned_by(attr, format!("`#[{which}]` needs a version: {usage}"));
            return None;
        }
        Meta::NameValue(nv) => {
            cx.error_spanned_by(nv, format!("`#[{which} = ...]` is not the form: {usage}"));
            return None;
        }
    };
    if list.tokens.is_empty() {
        cx.error_spanned_by(attr, format!("`#[{which}()]` needs a version: {usage}"));
        return None;
    }
    let lit = match syn::parse2::<Lit>(list.tokens.clone()) {
        Ok(Lit::Str(lit)) => lit,
        Ok(other) => {
            let written = quote::quote!(#other).to_string();
            let mut suggestion = written
                .trim_matches(|c: char| !c.is_ascii_digit())
                .to_owned();
            if !suggestion.contains('.') {
                suggestion.push_str(".0");
            }
            cx.error_spanned_by(
                &other,
                format!(
                    "the version must be a string literal: write `#[{which}(\"{suggestion}\")]`, as MAJOR.MINOR[.PATCH]"
                ),
            );
            return None;
        }
        Err(_) => {
            cx.error_spanned_by(
                &list.tokens,
                format!("expected one version string: {usage}"),
            );
            return None;
        }
    };
    match VersionLit::parse(&lit.value(), lit.span()) {
        Ok(version) => Some(version),
        Err(message) => {
            cx.error_at(lit.span(), message);
            None
        }
    }
}

fn meta_key(path: &syn::Path) -> String {
    path.get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""))
}

/// Consumes `= value` or `(...)` after an unknown key so that parsing can go on.
fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// The message for an unknown key: suggests the closest known key, or says where a key
/// of the other kind belongs.
fn unknown_key(key: &str, known: &[&str], other_level: &[&str], what: &str) -> String {
    let expected = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(best) = known.iter().find(|k| edit_distance(key, k) <= 2) {
        return format!("unknown key `{key}` in `#[metrics(...)]`: did you mean `{best}`?");
    }
    if other_level.contains(&key) {
        let place = if known == CONTAINER_KEYS {
            format!("on a {what}")
        } else {
            "on the struct or enum".to_owned()
        };
        return format!(
            "`{key}` is not allowed here: it goes {place}; here the keys are {expected}"
        );
    }
    format!("unknown key `{key}` in `#[metrics(...)]`: expected {expected}")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
