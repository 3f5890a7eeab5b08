//! Code generation for decoding: a small visitor per struct that calls into
//! `metrics_core`'s decode runtime, and the variant lookup of enums.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::{Container, Field, Variant};

/// The items added to a struct's `impl MetricValue`.
pub fn struct_value_items(fields: &[Field]) -> TokenStream {
    let members = fields.iter().map(|field| {
        let member = field.ident;
        let ty = super::checked_ty(field);
        quote_spanned!(super::ty_span(field)=> #member: <#ty as ::metrics_core::MetricValue>::absent_value()?)
    });
    quote! {
        #[inline]
        fn decode_metric<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            __deserializer: __D,
        ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
            ::metrics_core::__private::decode_struct::<__D, Self>(__cx, __deserializer)
        }

        #[inline]
        fn decode_accept<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            __deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error> {
            ::metrics_core::__private::accept_struct::<__D, Self>(__cx, __deserializer)
        }

        #[inline]
        fn decode_accept_into<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            __deserializer: __D,
            __slot: &mut ::core::option::Option<Self>,
        ) -> ::core::result::Result<(), __D::Error> {
            ::metrics_core::__private::accept_struct_into::<__D, Self>(__cx, __deserializer, __slot)
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
    let gates = super::Gates::new(fields);
    let gate_lets = gates.lets();
    let present = gates.all_present();
    // Each slot carries its field type's span, in its declaration and every use alike (so
    // hygiene, also inside `macro_rules!`, resolves it): rustc then reports a type that is
    // not a metric once, at the type, not once more at the slot.
    let slots: Vec<_> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            quote::format_ident!("__field{}", index, span = super::ty_span(field))
        })
        .collect();
    let declarations = fields.iter().zip(&slots).map(|(field, slot)| {
        let ty = super::checked_ty(field);
        quote!(let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;)
    });
    // The value's type is named through the checked projection, so that a field type that
    // is not a metric reports one error (at the type), not one more here.
    let arms = fields
        .iter()
        .zip(&slots)
        .enumerate()
        .map(|(index, (field, slot))| {
            let ty = super::checked_ty(field);
            let read = quote_spanned!(super::ty_span(field)=> value::<_, #ty>);
            quote!(#index => __reader.#read(__cx, &mut __map, #index, &mut #slot)?,)
        });
    // Each initializer is spanned on the field's type, like every other use of it, so that
    // a type that is not a metric reports one error (identical errors at one span merge).
    // The locals are interpolated idents with the derive's own span, so that the derive
    // still works inside `macro_rules!`.
    let value = quote::format_ident!("__value");
    let members = fields.iter().zip(&slots).map(|(field, slot)| {
        let member = field.ident;
        let ty = super::checked_ty(field);
        quote_spanned! {super::ty_span(field)=>
            #member: match #slot.or_else(<#ty as ::metrics_core::MetricValue>::absent_value) {
                ::core::option::Option::Some(#value) => #value,
                ::core::option::Option::None => return ::core::result::Result::Ok(::core::option::Option::None),
            }
        }
    });
    // One arm per key; two fields that share a key (in versions that do not overlap) are
    // told apart by which one the release has.
    let mut keys: Vec<(&String, Vec<usize>)> = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        match keys.iter_mut().find(|(key, _)| **key == field.key) {
            Some((_, indices)) => indices.push(index),
            None => keys.push((&field.key, vec![index])),
        }
    }
    // Keys are matched as bytes: the accepting read takes them without checking UTF-8 (a
    // byte string equal to a key is that key).
    let key_arms = keys.iter().map(|(key, indices)| {
        let key = syn::LitByteStr::new(key.as_bytes(), proc_macro2::Span::call_site());
        match indices.as_slice() {
            [index] => quote!(#key => ::core::option::Option::Some(#index),),
            [first, rest @ ..] => {
                let rest = rest.iter().rev().fold(
                    quote!(#first),
                    |otherwise, index| quote!(if __present[#index] { #index } else { #otherwise }),
                );
                quote!(#key => ::core::option::Option::Some(#rest),)
            }
            [] => quote!(),
        }
    });
    quote! {
        #[automatically_derived]
        impl ::metrics_core::__private::DecodeFields for #ident {
            #[inline(always)]
            fn decode_fields<'de, __A: ::metrics_core::__private::serde::de::MapAccess<'de>, __M: ::metrics_core::__private::ReadMode>(
                __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
                mut __map: __A,
            ) -> ::core::result::Result<::core::option::Option<Self>, __A::Error> {
                let __release = __cx.release();
                #gate_lets
                let mut __reader = ::metrics_core::__private::FieldReader::<Self, #count, __M>::new(
                    __cx,
                    [#(#present),*],
                );
                #(#declarations)*
                while let ::core::option::Option::Some(__index) = __reader.next(__cx, &mut __map)? {
                    match __index {
                        #(#arms)*
                        _ => {}
                    }
                }
                if !__reader.finish(__cx) {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                }
                ::core::result::Result::Ok(::core::option::Option::Some(Self { #(#members),* }))
            }

            #[inline(always)]
            fn field_index(
                __key: &[::core::primitive::u8],
                __present: &[::core::primitive::bool],
            ) -> ::core::option::Option<::core::primitive::usize> {
                match __key {
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
            __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            __deserializer: __D,
        ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
            ::metrics_core::__private::decode_enum::<__D, Self>(__cx, __deserializer)
        }

        #[inline]
        fn decode_accept<'de, __D: ::metrics_core::__private::serde::Deserializer<'de>>(
            __cx: &mut ::metrics_core::__private::DecodeCx<'_>,
            __deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error> {
            ::metrics_core::__private::accept_enum::<__D, Self>(__cx, __deserializer)
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
        let name = syn::LitByteStr::new(variant.name.as_bytes(), proc_macro2::Span::call_site());
        quote!(#name => ::core::option::Option::Some(#index),)
    });
    quote! {
        #[inline]
        fn variant_by_name(__name: &::core::primitive::str) -> ::core::option::Option<::core::primitive::usize> {
            Self::variant_by_raw_name(__name.as_bytes())
        }

        #[inline]
        fn variant_by_raw_name(__name: &[::core::primitive::u8]) -> ::core::option::Option<::core::primitive::usize> {
            match __name {
                #(#name_arms)*
                _ => ::core::option::Option::None,
            }
        }

        fn from_variant_index(__index: ::core::primitive::usize) -> ::core::option::Option<Self> {
            match __index {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}
