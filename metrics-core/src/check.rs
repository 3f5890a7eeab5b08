//! The compile-time check of nested sinces, named at the crate root so that its error
//! names no private module. Not a public API.

/// Implemented when a field's `#[since]` is not later than any `#[since]` inside its type.
/// For each field with a since whose type may be a nested struct, the derive emits
/// `<Since<{inner before parent}> as SentNoEarlierThanItsFields<Parent, Inner>>::CHECKED`,
/// spanned on the since: it does not compile, with this message, when a field inside
/// `Inner` has an earlier since. (It lives here, not in the generated code, because
/// `#[diagnostic]` attributes do not resolve in a `#![no_implicit_prelude]` crate.)
#[diagnostic::on_unimplemented(
    message = "a field of `{Parent}` has a `#[since]` later than a field inside its type `{Inner}`: a field cannot be sent before the field that holds it",
    label = "`{Inner}` holds a field with an earlier `#[since]`",
    note = "give the field inside `{Inner}` this since or a later one, or give this field of `{Parent}` a since no later than the field inside"
)]
pub trait SentNoEarlierThanItsFields<Parent, Inner> {
    /// Names the check, so that it is evaluated.
    const CHECKED: ();
}

/// Whether a field's type holds a field with an earlier since than the field's own.
pub struct Since<const BEFORE_A_FIELD_INSIDE: bool>;

impl<Parent, Inner> SentNoEarlierThanItsFields<Parent, Inner> for Since<false> {
    const CHECKED: () = ();
}
