//! The derive input as a model: a struct's fields or an enum's variants, with their attributes.

use serde_derive_internals::attr::RenameRule;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{ContainerAttrs, ItemAttrs, doc_comment, unraw};
use crate::ctxt::Ctxt;
use crate::version::VersionLit;

/// What the derive was asked for; messages differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Metrics,
    MetricEnum,
}

pub struct Container<'a> {
    pub ident: &'a Ident,
    pub name: String,
    pub doc: String,
    pub first_release: Option<VersionLit>,
    pub body: Body<'a>,
}

pub enum Body<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The name as written, without `r#`.
    pub rust_name: String,
    pub ty: &'a Type,
    pub key: String,
    /// The tokens the key came from (the `rename` literal, or the field name).
    pub key_span: proc_macro2::Span,
    pub doc: String,
    pub attrs: ItemAttrs,
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// The name as written, without `r#`.
    pub rust_name: String,
    pub name: String,
    pub name_span: proc_macro2::Span,
    pub doc: String,
    pub attrs: ItemAttrs,
    pub original: &'a syn::Variant,
}

impl<'a> Container<'a> {
    /// Reads the input; `None` when its shape is not supported at all (the error is in `cx`).
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput, derive: Derive) -> Option<Self> {
        let ident = &input.ident;
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                format!(
                    "`#[derive({})]` does not support generic parameters or lifetimes: a payload is a concrete type whose schema is fixed per version; use concrete field types",
                    derive_name(derive)
                ),
            );
        }
        let what = match derive {
            Derive::Metrics => "field",
            Derive::MetricEnum => "variant",
        };
        let attrs = ContainerAttrs::parse(cx, &input.attrs, what);
        let rule = attrs.rename_all.unwrap_or(RenameRule::None);
        let name = attrs
            .name
            .as_ref()
            .map(syn::LitStr::value)
            .unwrap_or_else(|| RenameRule::KebabCase.apply_to_variant(&ident.to_string()));
        let doc = doc_comment(&input.attrs);
        let body = match (&input.data, derive) {
            (Data::Struct(data), Derive::Metrics) => match &data.fields {
                Fields::Named(named) => Body::Struct(
                    named
                        .named
                        .iter()
                        .filter_map(|field| Field::from_ast(cx, field, rule))
                        .collect(),
                ),
                Fields::Unnamed(_) => {
                    cx.error_spanned_by(
                        ident,
                        "`#[derive(Metrics)]` needs named fields: a tuple struct has no JSON keys; write `struct Name { count: u64 }`",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        ident,
                        "`#[derive(Metrics)]` needs named fields: a unit struct has nothing to send; add fields such as `count: u64`",
                    );
                    return None;
                }
            },
            (Data::Enum(data), Derive::MetricEnum) => {
                if data.variants.is_empty() {
                    cx.error_spanned_by(
                        ident,
                        "`#[derive(MetricEnum)]` needs at least one variant: an empty enum has no value to send",
                    );
                    return None;
                }
                Body::Enum(
                    data.variants
                        .iter()
                        .map(|variant| Variant::from_ast(cx, variant, rule))
                        .collect(),
                )
            }
            (Data::Enum(_), Derive::Metrics) => {
                cx.error_spanned_by(
                    ident,
                    "`#[derive(Metrics)]` is for structs with named fields; for a closed set of values use `#[derive(MetricEnum)]` on a fieldless enum",
                );
                return None;
            }
            (Data::Struct(_), Derive::MetricEnum) => {
                cx.error_spanned_by(
                    ident,
                    "`#[derive(MetricEnum)]` is for fieldless enums; for a struct of metrics use `#[derive(Metrics)]`",
                );
                return None;
            }
            (Data::Union(_), _) => {
                cx.error_spanned_by(
                    ident,
                    format!(
                        "`#[derive({})]` does not support unions: {}",
                        derive_name(derive),
                        match derive {
                            Derive::Metrics => "use a struct with named fields",
                            Derive::MetricEnum => "use a fieldless enum",
                        }
                    ),
                );
                return None;
            }
        };
        Some(Container {
            ident,
            name,
            doc,
            first_release: attrs.first_release,
            body,
        })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field, rule: RenameRule) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        let rust_name = unraw(ident);
        let attrs = ItemAttrs::parse(cx, &field.attrs, "field", &rust_name);
        let (key, key_span) = match &attrs.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (rule.apply_to_field(&rust_name), ident.span()),
        };
        Some(Field {
            ident,
            rust_name,
            ty: &field.ty,
            key,
            key_span,
            doc: doc_comment(&field.attrs),
            attrs,
        })
    }
}

impl<'a> Variant<'a> {
    fn from_ast(cx: &Ctxt, variant: &'a syn::Variant, rule: RenameRule) -> Self {
        let rust_name = unraw(&variant.ident);
        let attrs = ItemAttrs::parse(cx, &variant.attrs, "variant", &rust_name);
        let (name, name_span) = match &attrs.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (rule.apply_to_variant(&rust_name), variant.ident.span()),
        };
        Variant {
            ident: &variant.ident,
            rust_name,
            name,
            name_span,
            doc: doc_comment(&variant.attrs),
            attrs,
            original: variant,
        }
    }
}

pub fn derive_name(derive: Derive) -> &'static str {
    match derive {
        Derive::Metrics => "Metrics",
        Derive::MetricEnum => "MetricEnum",
    }
}
