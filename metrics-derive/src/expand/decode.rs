//! Code generation for decoding: a small visitor per struct that calls into
//! `metrics_core`'s decode runtime, and the variant lookup of enums.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::{Container, Field, Variant};

use super::release;

/// The items added to a struct's `impl MetricValue`.
pub fn struct_value_items(fields: &[Field]) -> TokenStream {
    let members = fields.iter().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        quote_spanned!(super::ty_span(field)=> #member: <#ty as ::metrics_core::MetricValue>::absent_value()?)
    });
    quote! {
        #[inline]
        fn decode_metric<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            deserializer: __D,
        ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
            ::metrics_core::__private::decode_struct::<__D, Self>(cx, deserializer)
        }

        fn absent_value() -> ::core::option::Option<Self> {
            ::core::option::Option::Some(Self { #(#members),* })
        }

        fn nested_fields() -> ::core::option::Option<&'static [::metrics_core::Field]> {
            ::core::option::Option::Some(<Self as ::metrics_core::Metrics>::fields())
        }
    }
}

/// The `impl DecodeFields` of a struct: reads its object's entries in one pass.
pub fn struct_decode_impl(container: &Container, fields: &[Field]) -> TokenStream {
    let ident = container.ident;
    let count = fields.len();
    let present = fields
        .iter()
        .map(|field| match (&field.attrs.since, &field.attrs.until) {
            (None, None) => quote!(true),
            (since, until) => {
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
                quote!(::metrics_core::__private::in_range(__release, #since, #until))
            }
        });
    let slots: Vec<_> = (0..count)
        .map(|index| quote::format_ident!("__field{}", index))
        .collect();
    let declarations = fields.iter().zip(&slots).map(|(field, slot)| {
        let ty = field.ty;
        quote!(let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;)
    });
    let arms = slots
        .iter()
        .enumerate()
        .map(|(index, slot)| quote!(#index => #slot = __reader.value(cx, &mut map)?,));
    let members = fields.iter().zip(&slots).map(|(field, slot)| {
        let member = field.ident;
        let ty = field.ty;
        quote! {
            #member: match #slot.or_else(<#ty as ::metrics_core::MetricValue>::absent_value) {
                ::core::option::Option::Some(value) => value,
                ::core::option::Option::None => return ::core::result::Result::Ok(::core::option::Option::None),
            }
        }
    });
    let key_arms = fields.iter().enumerate().map(|(index, field)| {
        let key = &field.key;
        quote!(#key => ::core::option::Option::Some(#index),)
    });
    quote! {
        #[automatically_derived]
        impl ::metrics_core::__private::DecodeFields for #ident {
            fn decode_fields<'de, __A: ::metrics_core::__private::serde::de::MapAccess<'de>>(
                cx: &mut ::metrics_core::__private::DecodeCx<'_>,
                mut map: __A,
            ) -> ::core::result::Result<::core::option::Option<Self>, __A::Error> {
                let __release = cx.release();
                let mut __reader = ::metrics_core::__private::FieldReader::<Self, #count>::new(
                    cx,
                    [#(#present),*],
                );
                #(#declarations)*
                while let ::core::option::Option::Some(__index) = __reader.next(cx, &mut map)? {
                    match __index {
                        #(#arms)*
                        _ => {}
                    }
                }
                if !__reader.finish(cx) {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                }
                ::core::result::Result::Ok(::core::option::Option::Some(Self { #(#members),* }))
            }

            #[inline]
            fn field_index(key: &str) -> ::core::option::Option<usize> {
                match key {
                    #(#key_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// The items added to an enum's `impl MetricValue`.
pub fn enum_value_items(variants: &[Variant]) -> TokenStream {
    let first = variants.first().map(|variant| {
        let variant = variant.ident;
        quote! {
            fn absent_value() -> ::core::option::Option<Self> {
                ::core::option::Option::Some(Self::#variant)
            }
        }
    });
    quote! {
        #[inline]
        fn decode_metric<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            deserializer: __D,
        ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
            ::metrics_core::__private::decode_enum::<__D, Self>(cx, deserializer)
        }

        #first
    }
}

/// The items added to an enum's `impl MetricEnum`.
pub fn enum_trait_items(variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().enumerate().map(|(index, variant)| {
        let variant = variant.ident;
        quote!(#index => ::core::option::Option::Some(Self::#variant),)
    });
    let name_arms = variants.iter().enumerate().map(|(index, variant)| {
        let name = &variant.name;
        quote!(#name => ::core::option::Option::Some(#index),)
    });
    quote! {
        #[inline]
        fn variant_by_name(name: &str) -> ::core::option::Option<usize> {
            match name {
                #(#name_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn from_variant_index(index: usize) -> ::core::option::Option<Self> {
            match index {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}
