//! What a metric type is, as data ([`Shape`]), and the leaf metrics of a payload ([`Leaf`]):
//! every value a payload can carry, nested structs flattened and enum-map keys expanded.
//! The disclosure page and the collector's storage both read the leaves.

use std::fmt;

use crate::field::{Availability, Field, Variant};
use crate::version::{Release, Version};

/// The kind of a metric type: a scalar with its unit, or how it is built from others.
#[derive(Clone, Copy)]
pub enum Shape {
    /// A count (`u8` .. `u64`, `usize`), from 0 to `max`.
    Count {
        /// The largest value the type holds.
        max: u64,
    },
    /// A flag (`bool`).
    Flag,
    /// A percentage from 0 to 100 ([`crate::Percent`]).
    Percent,
    /// A size in bytes ([`crate::Bytes`]).
    Bytes,
    /// A duration, sent in whole milliseconds (`std::time::Duration`).
    Milliseconds,
    /// A SHA-1 digest ([`crate::Sha1Digest`]).
    Sha1,
    /// A random installation id ([`crate::InstallationId`]).
    InstallationId,
    /// A product version ([`crate::Version`]).
    Version,
    /// A value of a `#[derive(MetricEnum)]` enum.
    Enum {
        /// The enum's name.
        name: &'static str,
        /// Its variants.
        variants: fn() -> &'static [Variant],
    },
    /// `Option<T>`: a value, or `null`.
    Optional(fn() -> Shape),
    /// A nested `#[derive(Metrics)]` struct.
    Struct {
        /// The struct's payload name.
        name: &'static str,
        /// Its fields.
        fields: fn() -> &'static [Field],
    },
    /// A `BTreeMap` keyed by a `#[derive(MetricEnum)]` enum.
    Map {
        /// The key enum's name.
        key: &'static str,
        /// The key enum's variants.
        keys: fn() -> &'static [Variant],
        /// The values' shape.
        values: fn() -> Shape,
    },
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Count { max } => write!(f, "Count {{ max: {max} }}"),
            Shape::Flag => f.write_str("Flag"),
            Shape::Percent => f.write_str("Percent"),
            Shape::Bytes => f.write_str("Bytes"),
            Shape::Milliseconds => f.write_str("Milliseconds"),
            Shape::Sha1 => f.write_str("Sha1"),
            Shape::InstallationId => f.write_str("InstallationId"),
            Shape::Version => f.write_str("Version"),
            Shape::Enum { name, .. } => write!(f, "Enum({name})"),
            Shape::Optional(inner) => write!(f, "Optional({:?})", inner()),
            Shape::Struct { name, .. } => write!(f, "Struct({name})"),
            Shape::Map { key, values, .. } => write!(f, "Map({key} => {:?})", values()),
        }
    }
}

impl Shape {
    /// The unit of a scalar or enum value in plain words, as the disclosure page shows it:
    /// `count`, `bytes`, `percent (0 to 100)`, `milliseconds`, `yes/no`, `one of: a, b`.
    /// `None` for structs and maps (their leaves have units).
    pub fn unit_in_words(&self) -> Option<String> {
        Some(match self {
            Shape::Count { .. } => "count".to_owned(),
            Shape::Flag => "yes/no".to_owned(),
            Shape::Percent => "percent (0 to 100)".to_owned(),
            Shape::Bytes => "bytes".to_owned(),
            Shape::Milliseconds => "milliseconds".to_owned(),
            Shape::Sha1 => "SHA-1 hash (the value itself is not sent)".to_owned(),
            Shape::InstallationId => "random identifier (UUID)".to_owned(),
            Shape::Version => "version number".to_owned(),
            Shape::Enum { variants, .. } => {
                let names: Vec<&str> = variants().iter().map(Variant::name).collect();
                format!("one of: {}", names.join(", "))
            }
            Shape::Optional(inner) => {
                return inner()
                    .unit_in_words()
                    .map(|unit| format!("{unit}, or empty"));
            }
            Shape::Struct { .. } | Shape::Map { .. } => return None,
        })
    }
}

/// One value a payload can carry, at some version: a scalar or enum field (nested struct
/// fields flattened), or one key of an enum-keyed map.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// Where it is in the payload: a JSON pointer (`/multiTenancy/tenants`).
    pub pointer: String,
    /// The JSON keys from the root (`["multiTenancy", "tenants"]`), map keys included.
    pub keys: Vec<&'static str>,
    /// The value's shape: a scalar or an enum, or an `Option` of one (never a struct or map).
    pub shape: Shape,
    /// Whether it can be `null` (it is, or is inside, an `Option`).
    pub nullable: bool,
    /// Its own doc comment: the field's, or for a map key, the key variant's (empty when the
    /// variant has none).
    pub description: &'static str,
    /// The doc comments of the fields it is inside of, outermost first (for a map key: the
    /// map field's doc is the last one).
    pub context: Vec<&'static str>,
    /// The variant, when the leaf is one key of an enum-keyed map.
    pub map_key: Option<&'static Variant>,
    /// The versions it is sent at: from the latest since on its path to the earliest until.
    pub availability: Availability,
}

impl Leaf {
    /// The path as people read it: keys joined with `.` (`multiTenancy.tenants`).
    pub fn label(&self) -> String {
        self.keys.join(".")
    }

    /// Whether a payload sent by `release` carries it.
    pub fn exists_at(&self, release: Release) -> bool {
        self.availability.exists_at(release)
    }
}

/// The leaves of a struct's `fields`, in declaration order, over all versions. A leaf whose
/// path never exists at any one version (a nested field retired before its parent was
/// added) is left out.
pub fn leaves(fields: &'static [Field]) -> Vec<Leaf> {
    let mut out = Vec::new();
    let path = Path {
        keys: Vec::new(),
        context: Vec::new(),
        since: None,
        until: None,
        nullable: false,
    };
    walk_fields(fields, &path, &mut out, 0);
    out
}

/// Nesting deeper than this is a recursive type; it is not followed further.
const MAX_DEPTH: usize = 32;

#[derive(Clone)]
struct Path {
    keys: Vec<&'static str>,
    context: Vec<&'static str>,
    since: Option<Version>,
    until: Option<Version>,
    nullable: bool,
}

impl Path {
    /// This path narrowed by an item's availability; `None` when nothing is left.
    fn within(&self, availability: &Availability) -> Option<Path> {
        let mut next = self.clone();
        if let Some(since) = availability.since()
            && next.since.as_ref().is_none_or(|s| since > s)
        {
            next.since = Some(since.clone());
        }
        if let Some(until) = availability.until()
            && next.until.as_ref().is_none_or(|u| until < u)
        {
            next.until = Some(until.clone());
        }
        match (&next.since, &next.until) {
            (Some(since), Some(until)) if since.release() >= until.release() => None,
            _ => Some(next),
        }
    }
}

fn walk_fields(fields: &'static [Field], path: &Path, out: &mut Vec<Leaf>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for field in fields {
        let Some(mut here) = path.within(field.availability()) else {
            continue;
        };
        here.keys.push(field.key());
        walk_value(
            (field.value.shape)(),
            field.description(),
            None,
            here,
            out,
            depth,
        );
    }
}

fn walk_value(
    shape: Shape,
    description: &'static str,
    map_key: Option<&'static Variant>,
    mut path: Path,
    out: &mut Vec<Leaf>,
    depth: usize,
) {
    match shape {
        // An optional struct or map: its leaves may be null. An optional scalar is a leaf.
        Shape::Optional(inner) if matches!(inner(), Shape::Struct { .. } | Shape::Map { .. }) => {
            path.nullable = true;
            walk_value(inner(), description, map_key, path, out, depth + 1);
        }
        Shape::Struct { fields, .. } => {
            path.context.push(description);
            walk_fields(fields(), &path, out, depth + 1);
        }
        Shape::Map { keys, values, .. } => {
            path.context.push(description);
            for variant in keys() {
                let Some(mut here) = path.within(variant.availability()) else {
                    continue;
                };
                here.keys.push(variant.name());
                walk_value(
                    values(),
                    variant.description(),
                    Some(variant),
                    here,
                    out,
                    depth + 1,
                );
            }
        }
        scalar => {
            let nullable = path.nullable || matches!(scalar, Shape::Optional(_));
            let mut pointer = String::new();
            for key in &path.keys {
                crate::decode::push_segment(&mut pointer, key);
            }
            out.push(Leaf {
                pointer,
                keys: path.keys,
                shape: scalar,
                nullable,
                description,
                context: path.context,
                map_key,
                availability: Availability::new(path.since, path.until),
            });
        }
    }
}
