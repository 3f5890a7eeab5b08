//! The tables the derives emit: one `Field` per struct field, one `Variant` per enum variant.

use schemars::Schema;

use crate::schema::SchemaContext;
use crate::value::MetricValue;
use crate::version::{Release, Version};

/// The versions a field or variant exists at: `since <= release < until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    since: Option<Version>,
    until: Option<Version>,
    // The gate keys of `since` and `until`, read by `exists_at` (enum variants are gated per
    // value; fields are gated by constants the derive emits, through the same `in_range`).
    from: Release,
    to: Option<Release>,
}

impl Availability {
    /// Exists from `since` (or from the start) up to, not including, `until` (or forever).
    pub const fn new(since: Option<Version>, until: Option<Version>) -> Self {
        let from = match &since {
            Some(v) => v.release(),
            None => Release::new(0, 0, 0),
        };
        let to = match &until {
            Some(v) => Some(v.release()),
            None => None,
        };
        Availability {
            since,
            until,
            from,
            to,
        }
    }

    /// Whether it exists at every version (no since, no until).
    pub const fn is_always(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// The version it was added in; `None` when it exists from the start (the baseline).
    pub fn since(&self) -> Option<&Version> {
        self.since.as_ref()
    }

    /// The version it was removed in; `None` when it was never removed.
    pub fn until(&self) -> Option<&Version> {
        self.until.as_ref()
    }

    /// Whether it exists at `release`.
    #[inline]
    pub const fn exists_at(&self, release: Release) -> bool {
        crate::metrics::in_range(release, self.from, self.to)
    }

    pub(crate) fn push_bounds(&self, out: &mut Vec<Version>) {
        out.extend(self.since.iter().chain(self.until.iter()).cloned());
    }
}

/// How to get the schema and change points of a field's value type, without knowing it.
#[derive(Clone, Copy)]
pub(crate) struct ValueKind {
    pub(crate) schema: fn(&mut SchemaContext) -> Schema,
    pub(crate) change_points: fn(&mut Vec<Version>),
    pub(crate) nested_fields: fn() -> Option<&'static [Field]>,
    pub(crate) shape: fn() -> crate::shape::Shape,
}

/// One field of a `#[derive(Metrics)]` struct, in declaration order.
#[derive(Clone)]
pub struct Field {
    key: &'static str,
    rust_name: &'static str,
    availability: Availability,
    description: &'static str,
    pub(crate) value: ValueKind,
}

impl Field {
    #[doc(hidden)]
    pub const fn new<T: MetricValue>(
        key: &'static str,
        rust_name: &'static str,
        availability: Availability,
        description: &'static str,
    ) -> Self {
        Field {
            key,
            rust_name,
            availability,
            description,
            value: ValueKind {
                schema: T::metric_schema,
                change_points: T::metric_change_points,
                nested_fields: T::nested_fields,
                shape: T::shape,
            },
        }
    }

    /// The JSON key (after `rename` / `rename_all`).
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The Rust field name.
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The version the field was added in (`#[since]`); `None` for baseline fields.
    pub fn since(&self) -> Option<&Version> {
        self.availability.since()
    }

    /// The version the field was removed in (`#[until]`).
    pub fn until(&self) -> Option<&Version> {
        self.availability.until()
    }

    /// Since and until together.
    pub fn availability(&self) -> &Availability {
        &self.availability
    }

    /// The doc comment: the lines of a paragraph joined with a space, paragraphs separated
    /// by a blank line.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The first paragraph of the doc comment (the derive joins the lines of a paragraph).
    pub fn summary(&self) -> &'static str {
        first_paragraph(self.description)
    }

    /// What the field's type is, as data.
    pub fn shape(&self) -> crate::shape::Shape {
        (self.value.shape)()
    }

    /// Whether the field is sent at `version`.
    pub fn exists_at(&self, version: &Version) -> bool {
        self.availability.exists_at(version.release())
    }

    /// The schema of the field's value at `version`, without the field's description.
    pub fn value_schema(&self, version: &Version) -> Schema {
        let mut cx = SchemaContext::new(version.release());
        (self.value.schema)(&mut cx)
    }
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("since", &self.availability.since)
            .field("until", &self.availability.until)
            .field("description", &self.description)
            .finish()
    }
}

/// One variant of a `#[derive(MetricEnum)]` enum, in declaration order.
#[derive(Clone, Debug)]
pub struct Variant {
    name: &'static str,
    rust_name: &'static str,
    availability: Availability,
    description: &'static str,
}

impl Variant {
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        rust_name: &'static str,
        availability: Availability,
        description: &'static str,
    ) -> Self {
        Variant {
            name,
            rust_name,
            availability,
            description,
        }
    }

    /// The serialized name (after `rename` / `rename_all`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust variant name.
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The version the variant was added in.
    pub fn since(&self) -> Option<&Version> {
        self.availability.since()
    }

    /// The version the variant was removed in.
    pub fn until(&self) -> Option<&Version> {
        self.availability.until()
    }

    /// Since and until together.
    pub fn availability(&self) -> &Availability {
        &self.availability
    }

    /// The doc comment: the lines of a paragraph joined with a space, paragraphs separated
    /// by a blank line.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The first paragraph of the doc comment.
    pub fn summary(&self) -> &'static str {
        first_paragraph(self.description)
    }
}

/// The first paragraph of a doc comment as the derives store it (one line per paragraph,
/// paragraphs separated by a blank line).
pub(crate) fn first_paragraph(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}
