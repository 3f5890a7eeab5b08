//! Code generation: field and variant tables plus thin calls into `metrics_core`'s runtime.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

use crate::ast::{Body, Container, Derive, Field, Variant};
use crate::version::VersionLit;

mod decode;

fn option_version(version: &Option<VersionLit>) -> TokenStream {
    match version {
        Some(v) => {
            let [major, minor, patch] = v.parts;
            quote!(::core::option::Option::Some(::metrics_core::Version::new(#major, #minor, #patch)))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn availability(since: &Option<VersionLit>, until: &Option<VersionLit>) -> TokenStream {
    let since = option_version(since);
    let until = option_version(until);
    quote!(::metrics_core::Availability::new(#since, #until))
}

/// `in_range(__release, since, until)` of a gated field or variant; `None` when it has
/// neither (it exists at every release).
fn in_range(since: &Option<VersionLit>, until: &Option<VersionLit>) -> Option<TokenStream> {
    if since.is_none() && until.is_none() {
        return None;
    }
    let since = since
        .as_ref()
        .map(release)
        .unwrap_or_else(|| quote!(::metrics_core::Release::new(0, 0, 0)));
    let until = match until {
        Some(until) => {
            let until = release(until);
            quote!(::core::option::Option::Some(#until))
        }
        None => quote!(::core::option::Option::None),
    };
    Some(quote!(::metrics_core::__private::in_range(__release, #since, #until)))
}

fn release(version: &VersionLit) -> TokenStream {
    let [major, minor, patch] = version.parts;
    quote!(::metrics_core::Release::new(#major, #minor, #patch))
}

pub fn expand(container: &Container) -> TokenStream {
    match &container.body {
        Body::Struct(fields) => expand_struct(container, fields),
        Body::Enum(variants) => expand_enum(container, variants),
    }
}

fn expand_struct(container: &Container, fields: &[Field]) -> TokenStream {
    let ident = container.ident;
    let name = &container.name;
    let doc = &container.doc;
    let count = fields.len();
    let table = fields.iter().map(|field| {
        let ty = checked_ty(field);
        let key = &field.key;
        let rust_name = &field.rust_name;
        let doc = &field.doc;
        let availability = availability(&field.attrs.since, &field.attrs.until);
        quote_spanned! {ty_span(field)=>
            ::metrics_core::Field::new::<#ty>(#key, #rust_name, #availability, #doc)
        }
    });

    let gates = Gates::new(fields);
    let gate_lets = gates.lets();
    let len = gates.len();
    let writes = fields.iter().enumerate().map(|(index, field)| {
        let member = field.ident;
        let key = &field.key;
        let ty = checked_ty(field);
        let present = gates.present(index);
        // Only the type carries the field's span (for errors): the locals and `self` keep
        // the derive's own, so that the derive works inside `macro_rules!` too.
        quote!(__writer.field::<#ty>(#key, #present, &self.#member)?;)
    });

    // The earliest `since` inside this struct: its own fields' since, or for fields without
    // one, the earliest inside their type (a primitive holds none). Gated fields that share
    // a since give it once.
    let mut sinces: Vec<[u64; 3]> = fields
        .iter()
        .filter_map(|field| Some(field.attrs.since.as_ref()?.parts))
        .collect();
    sinces.sort_unstable();
    sinces.dedup();
    let earliest_terms = sinces
        .iter()
        .map(|[major, minor, patch]| {
            quote!(::core::option::Option::Some(::metrics_core::Release::new(#major, #minor, #patch)))
        })
        .chain(
            fields
                .iter()
                .filter(|field| field.attrs.since.is_none() && !is_primitive(field.ty))
                .map(|field| {
                    let ty = checked_ty(field);
                    quote!(<#ty as ::metrics_core::MetricValue>::EARLIEST_SINCE)
                }),
        );
    let earliest_terms: Vec<TokenStream> = earliest_terms.collect();
    let earliest = if earliest_terms.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote!(::metrics_core::__private::earliest(&[#(#earliest_terms),*]))
    };

    // A field cannot exist before its parent: check each field with a since against the
    // earliest since inside its type, when the constants are known.
    let nesting_checks = fields.iter().filter_map(|field| {
        let since = field.attrs.since.as_ref()?;
        if is_primitive(field.ty) {
            // A count or flag holds no field.
            return None;
        }
        let checked = checked_ty(field);
        let parent = release(since);
        let ty = field.ty;
        // A trait bound that fails, spanned on the since, with metrics-core's message: the
        // error reads as any other error of the derive, not as a panic in const evaluation.
        Some(quote_spanned! {since.span=>
            const _: () = <::metrics_core::Since<{
                ::metrics_core::__private::starts_before(
                    <#checked as ::metrics_core::MetricValue>::EARLIEST_SINCE,
                    #parent,
                )
            }> as ::metrics_core::SentNoEarlierThanItsFields<#ident, #ty>>::CHECKED;
        })
    });

    let decode_value_items = decode::struct_value_items(fields);
    let decode_impl = decode::struct_decode_impl(container, fields);

    let first_release = container.first_release.as_ref().map(|version| {
        let [major, minor, patch] = version.parts;
        quote! {
            const FIRST_RELEASE: ::core::option::Option<::metrics_core::Version> =
                ::core::option::Option::Some(::metrics_core::Version::new(#major, #minor, #patch));
        }
    });
    let version_field = version_field(fields);
    let version_key = version_field.map(|field| {
        let key = &field.key;
        quote!(const VERSION_KEY: ::core::option::Option<&'static ::core::primitive::str> = ::core::option::Option::Some(#key);)
    });
    // The marked version field must be a `Version`: a bound spanned on its type.
    let version_check = version_field
        .filter(|field| field.attrs.version.is_some())
        .map(|field| {
            let ty = field.ty;
            quote_spanned! {ty_span(field)=>
                const _: fn() = || {
                    fn version_field<__T: ::metrics_core::VersionField>() {}
                    version_field::<#ty>();
                };
            }
        });

    quote! {
        #[automatically_derived]
        impl ::metrics_core::Metrics for #ident {
            const NAME: &'static ::core::primitive::str = #name;
            const DESCRIPTION: &'static ::core::primitive::str = #doc;
            #first_release
            #version_key

            fn fields() -> &'static [::metrics_core::Field] {
                static FIELDS: [::metrics_core::Field; #count] = [#(#table),*];
                &FIELDS
            }
        }

        #[automatically_derived]
        impl ::metrics_core::MetricValue for #ident {
            type Itself = Self;
            const EARLIEST_SINCE: ::core::option::Option<::metrics_core::Release> = #earliest;

            fn metric_schema(__cx: &mut ::metrics_core::SchemaContext) -> ::metrics_core::__private::Schema {
                ::metrics_core::__private::nested_schema::<Self>(__cx)
            }

            fn metric_change_points(__out: &mut ::metrics_core::__private::Vec<::metrics_core::Version>) {
                ::metrics_core::__private::struct_change_points(
                    <Self as ::metrics_core::Metrics>::fields(),
                    __out,
                )
            }

            fn shape() -> ::metrics_core::Shape {
                ::metrics_core::Shape::Struct {
                    name: <Self as ::metrics_core::Metrics>::NAME,
                    fields: <Self as ::metrics_core::Metrics>::fields,
                }
            }

            #[inline]
            fn serialize_metric<__S: ::metrics_core::__private::serde::Serializer>(
                &self,
                __release: ::metrics_core::Release,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #gate_lets
                let mut __writer = ::metrics_core::__private::StructWriter::begin(
                    __serializer,
                    <Self as ::metrics_core::Metrics>::NAME,
                    #len,
                    __release,
                )?;
                #(#writes)*
                __writer.end()
            }

            #decode_value_items
        }

        #decode_impl

        #(#nesting_checks)*

        #version_check
    }
}

/// The field that holds the payload's own version: the one marked `#[metrics(version)]`,
/// else a field named `version` whose type is written `Version`.
fn version_field<'f, 'a>(fields: &'f [Field<'a>]) -> Option<&'f Field<'a>> {
    fields
        .iter()
        .find(|field| field.attrs.version.is_some())
        .or_else(|| {
            fields.iter().find(|field| {
                field.rust_name == "version"
                    && field.attrs.since.is_none()
                    && field.attrs.until.is_none()
                    && matches!(field.ty, syn::Type::Path(path) if path.qself.is_none()
                        && path.path.segments.last().is_some_and(|s| s.ident == "Version" && s.arguments.is_none()))
            })
        })
}

/// A `[since, until)` range, as version parts.
type Range = (Option<[u64; 3]>, Option<[u64; 3]>);

/// The distinct `[since, until)` ranges of a struct's gated fields: each is compared with
/// `__release` once per call (`let __gateN = ...;`), and a field's presence is `true` (for
/// ungated fields, so that the optimizer folds them away) or its range's `__gateN`.
pub struct Gates {
    ranges: Vec<Range>,
    /// The tokens of each range, in `ranges` order.
    tokens: Vec<TokenStream>,
    /// Per field, its range's index in `ranges`.
    of_field: Vec<Option<usize>>,
}

impl Gates {
    pub fn new(fields: &[Field]) -> Self {
        let mut gates = Gates {
            ranges: Vec::new(),
            tokens: Vec::new(),
            of_field: Vec::new(),
        };
        for field in fields {
            let (since, until) = (&field.attrs.since, &field.attrs.until);
            let Some(exists) = in_range(since, until) else {
                gates.of_field.push(None);
                continue;
            };
            let range = (
                since.as_ref().map(|v| v.parts),
                until.as_ref().map(|v| v.parts),
            );
            let index = match gates.ranges.iter().position(|r| *r == range) {
                Some(index) => index,
                None => {
                    gates.ranges.push(range);
                    gates.tokens.push(exists);
                    gates.ranges.len() - 1
                }
            };
            gates.of_field.push(Some(index));
        }
        gates
    }

    fn ident(index: usize) -> Ident {
        quote::format_ident!("__gate{}", index)
    }

    /// `let __gateN = in_range(__release, ...);` for each range.
    pub fn lets(&self) -> TokenStream {
        let lets = self.tokens.iter().enumerate().map(|(index, tokens)| {
            let ident = Self::ident(index);
            quote!(let #ident: ::core::primitive::bool = #tokens;)
        });
        quote!(#(#lets)*)
    }

    /// Whether field `index` exists at `__release`: `true` or its range's gate.
    pub fn present(&self, index: usize) -> TokenStream {
        match self.of_field[index] {
            None => quote!(true),
            Some(gate) => {
                let ident = Self::ident(gate);
                quote!(#ident)
            }
        }
    }

    /// Every field's presence, in order.
    pub fn all_present(&self) -> Vec<TokenStream> {
        (0..self.of_field.len())
            .map(|index| self.present(index))
            .collect()
    }

    /// The number of fields that exist at `__release`.
    pub fn len(&self) -> TokenStream {
        let ungated = self.of_field.iter().filter(|g| g.is_none()).count();
        let terms = (0..self.ranges.len()).map(|gate| {
            let count = self.of_field.iter().filter(|g| **g == Some(gate)).count();
            let ident = Self::ident(gate);
            quote!(+ #count * (#ident as ::core::primitive::usize))
        });
        quote!(#ungated #(#terms)*)
    }
}

/// Whether `ty` is written as a primitive metric (`u8` to `u64`, `usize`, `bool`) or an
/// `Option` of one: a type that holds no field, whose since the derive need not check.
fn is_primitive(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::None => {
            path.path.segments.len() == 1
                && matches!(
                    last.ident.to_string().as_str(),
                    "u8" | "u16" | "u32" | "u64" | "usize" | "bool"
                )
        }
        syn::PathArguments::AngleBracketed(arguments) if last.ident == "Option" => {
            matches!(
                arguments.args.iter().collect::<Vec<_>>().as_slice(),
                [syn::GenericArgument::Type(inner)] if is_primitive(inner)
            )
        }
        _ => false,
    }
}

fn ty_span(field: &Field) -> proc_macro2::Span {
    syn::spanned::Spanned::span(field.ty)
}

/// The field's type as every generated use must name it: through `MetricValue::Itself`,
/// spanned on the type, so that a type that is not a metric gives one error, at the type,
/// not one per use (rustc reports a failed bound once per span). A `BTreeMap` whose key
/// enum lacks `Ord` fails on `MapKey`, whose message names the derives to add.
pub fn checked_ty(field: &Field) -> TokenStream {
    let ty = field.ty;
    quote_spanned!(ty_span(field)=> <#ty as ::metrics_core::MetricValue>::Itself)
}

fn expand_enum(container: &Container, variants: &[Variant]) -> TokenStream {
    let ident = container.ident;
    let name = &container.name;
    let doc = &container.doc;
    let count = variants.len();
    let always = variants
        .iter()
        .all(|v| v.attrs.since.is_none() && v.attrs.until.is_none());

    let table = variants.iter().map(|variant| {
        let serialized = &variant.name;
        let rust_name = &variant.rust_name;
        let doc = &variant.doc;
        let availability = availability(&variant.attrs.since, &variant.attrs.until);
        quote!(::metrics_core::Variant::new(#serialized, #rust_name, #availability, #doc))
    });
    let arms = variants.iter().enumerate().map(|(index, variant)| {
        let variant_ident: &Ident = variant.ident;
        quote!(#ident::#variant_ident => #index)
    });
    // The name each value is sent as at `__release`: the gated variants' ranges are
    // compared with constants, the others fold to `Some(name)`.
    let name_arms = variants.iter().map(|variant| {
        let variant_ident: &Ident = variant.ident;
        let name = &variant.name;
        match in_range(&variant.attrs.since, &variant.attrs.until) {
            None => quote!(#ident::#variant_ident => ::core::option::Option::Some(#name)),
            Some(exists) => quote! {
                #ident::#variant_ident => if #exists {
                    ::core::option::Option::Some(#name)
                } else {
                    ::core::option::Option::None
                }
            },
        }
    });
    // A map's keys that are not sent at `__release`: only gated variants are looked up.
    let unsent = variants.iter().filter_map(|variant| {
        let variant_ident: &Ident = variant.ident;
        let exists = in_range(&variant.attrs.since, &variant.attrs.until)?;
        Some(quote! {
            + <::core::primitive::usize as ::core::convert::From<::core::primitive::bool>>::from(!#exists && __contains(&#ident::#variant_ident))
        })
    });

    let decode_value_items = decode::enum_value_items(variants);
    let decode_trait_items = decode::enum_trait_items(variants);

    quote! {
        #[automatically_derived]
        impl ::metrics_core::MetricEnum for #ident {
            const NAME: &'static ::core::primitive::str = #name;
            const DESCRIPTION: &'static ::core::primitive::str = #doc;
            const ALWAYS: ::core::primitive::bool = #always;

            fn variants() -> &'static [::metrics_core::Variant] {
                static VARIANTS: [::metrics_core::Variant; #count] = [#(#table),*];
                &VARIANTS
            }

            fn variant_index(&self) -> ::core::primitive::usize {
                match *self {
                    #(#arms,)*
                }
            }

            #[inline]
            fn name_at(&self, __release: ::metrics_core::Release) -> ::core::option::Option<&'static ::core::primitive::str> {
                match *self {
                    #(#name_arms,)*
                }
            }

            #[inline]
            fn unsent_keys(
                __release: ::metrics_core::Release,
                mut __contains: impl ::core::ops::FnMut(&Self) -> ::core::primitive::bool,
            ) -> ::core::primitive::usize {
                0 #(#unsent)*
            }

            #decode_trait_items
        }

        #[automatically_derived]
        impl ::metrics_core::MetricValue for #ident {
            type Itself = Self;

            fn metric_schema(__cx: &mut ::metrics_core::SchemaContext) -> ::metrics_core::__private::Schema {
                ::metrics_core::__private::enum_schema::<Self>(__cx)
            }

            fn metric_change_points(__out: &mut ::metrics_core::__private::Vec<::metrics_core::Version>) {
                ::metrics_core::__private::enum_change_points::<Self>(__out)
            }

            fn shape() -> ::metrics_core::Shape {
                ::metrics_core::Shape::Enum {
                    name: <Self as ::metrics_core::MetricEnum>::NAME,
                    variants: <Self as ::metrics_core::MetricEnum>::variants,
                }
            }

            #[inline]
            fn serialize_metric<__S: ::metrics_core::__private::serde::Serializer>(
                &self,
                __release: ::metrics_core::Release,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                ::metrics_core::__private::serialize_enum(self, __release, __serializer)
            }

            #decode_value_items
        }
    }
}

/// What is emitted when the input has errors: the errors, plus impls with the right
/// names so that code using the type reports no follow-on errors.
pub fn fallback(ident: &Ident, derive: Derive, name: &str) -> TokenStream {
    let value_impl = quote! {
        #[automatically_derived]
        impl ::metrics_core::MetricValue for #ident {
            type Itself = Self;

            fn metric_schema(_: &mut ::metrics_core::SchemaContext) -> ::metrics_core::__private::Schema {
                ::core::unimplemented!()
            }

            fn serialize_metric<__S: ::metrics_core::__private::serde::Serializer>(
                &self,
                _: ::metrics_core::Release,
                _: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                ::core::unimplemented!()
            }

            fn shape() -> ::metrics_core::Shape {
                ::core::unimplemented!()
            }
        }
    };
    let trait_impl = match derive {
        Derive::MetricEnum => quote! {
            #[automatically_derived]
            impl ::metrics_core::MetricEnum for #ident {
                const NAME: &'static ::core::primitive::str = #name;
                const DESCRIPTION: &'static ::core::primitive::str = "";
                fn variants() -> &'static [::metrics_core::Variant] { &[] }
                fn variant_index(&self) -> ::core::primitive::usize { ::core::unimplemented!() }
            }
        },
        Derive::Metrics => quote! {
            #[automatically_derived]
            impl ::metrics_core::Metrics for #ident {
                const NAME: &'static ::core::primitive::str = #name;
                const DESCRIPTION: &'static ::core::primitive::str = "";
                fn fields() -> &'static [::metrics_core::Field] { &[] }
            }
        },
    };
    quote!(#value_impl #trait_impl)
}
