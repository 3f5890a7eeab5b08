//! The derive's contract with its users: every misuse is a spanned compile error with a
//! message that says what is wrong and how to fix it (`tests/ui/*.rs` + reviewed `.stderr`),
//! and correct input compiles warning-free in a hostile scope (`tests/pass/*.rs`).
//!
//! Regenerate the `.stderr` files after a deliberate change of a message with
//! `TRYBUILD=overwrite cargo test -p metrics-derive --test ui`, then read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/pass/*.rs");
}
