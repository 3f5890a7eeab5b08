//! Versions written in `#[since("...")]` / `#[until("...")]`: checked here, at compile time.

use proc_macro2::Span;

/// A release `MAJOR.MINOR[.PATCH]` as written in an attribute.
#[derive(Clone, Debug)]
pub struct VersionLit {
    pub parts: [u64; 3],
    pub text: String,
    pub span: Span,
}

impl VersionLit {
    /// Parses the text of `#[since("...")]`; the error says what is wrong and how to write it.
    pub fn parse(text: &str, span: Span) -> Result<Self, String> {
        let example = "write it as MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. `#[since(\"3.4\")]` or `#[since(\"2018.2.2\")]`";
        if text.trim().is_empty() {
            return Err(format!("empty version: {example}"));
        }
        if let Some(rest) = text.strip_prefix(['v', 'V']) {
            return Err(format!(
                "invalid version `{text}`: remove the `v` prefix, write `\"{rest}\"`"
            ));
        }
        if text.contains(['-', '+']) {
            return Err(format!(
                "invalid version `{text}`: pre-release and build metadata are not allowed here; gate on the release (`3.4`): a `3.4.0-beta` client is gated as 3.4.0 and already sends the field"
            ));
        }
        let components: Vec<&str> = text.split('.').collect();
        if components.len() < 2 || components.len() > 3 {
            return Err(format!(
                "invalid version `{text}`: it has {} component{}; {example}",
                components.len(),
                if components.len() == 1 { "" } else { "s" }
            ));
        }
        let mut parts = [0u64; 3];
        for (slot, component) in parts.iter_mut().zip(&components) {
            if component.is_empty() || !component.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "invalid version `{text}`: `{component}` is not a number; {example}"
                ));
            }
            if component.len() > 1 && component.starts_with('0') {
                return Err(format!(
                    "invalid version `{text}`: leading zero in `{component}`; write `{}`",
                    component.trim_start_matches('0')
                ));
            }
            *slot = component
                .parse()
                .map_err(|_| format!("invalid version `{text}`: `{component}` is too large"))?;
        }
        Ok(VersionLit {
            parts,
            text: text.to_owned(),
            span,
        })
    }
}
