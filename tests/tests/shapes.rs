//! The per-shape benchmarks compare like with like: for every shape, `at(v)` writes exactly
//! the bytes the plain struct of that version writes, and both `T::decode` and plain serde
//! read them back.

use metrics_core::Metrics;
use metrics_tests::shapes::{Maps, Shape, ShapeVisitor, visit_all};

struct SameBytes(Vec<&'static str>);

impl ShapeVisitor for SameBytes {
    fn visit<T: Shape>(&mut self) {
        let value = T::sample();
        let versions = T::gates();
        let full = serde_json::to_vec(&value.full()).unwrap();
        let half = serde_json::to_vec(&value.half()).unwrap();
        let label = T::LABEL;
        assert_eq!(
            String::from_utf8(serde_json::to_vec(&value.at(&versions.all)).unwrap()).unwrap(),
            String::from_utf8(full.clone()).unwrap(),
            "{label} at {}",
            versions.all
        );
        assert_eq!(
            String::from_utf8(serde_json::to_vec(&value.at(&versions.half)).unwrap()).unwrap(),
            String::from_utf8(half.clone()).unwrap(),
            "{label} at {}",
            versions.half
        );
        assert_ne!(full, half, "{label}: the half version sends less");
        T::decode(&versions.all, &full).unwrap_or_else(|e| panic!("{label}: {e}"));
        T::decode(&versions.half, &half).unwrap_or_else(|e| panic!("{label}: {e}"));
        // Each version's bytes are invalid at the other version: the gating is real.
        assert!(T::decode(&versions.half, &full).is_err(), "{label}");
        assert!(T::decode(&versions.all, &half).is_err(), "{label}");
        serde_json::from_slice::<T::Full>(&full).unwrap();
        serde_json::from_slice::<T::Half>(&half).unwrap();
        self.0.push(label);
    }
}

#[test]
fn every_shape_sends_the_plain_structs_bytes_and_reads_them_back() {
    let mut visitor = SameBytes(Vec::new());
    visit_all(&mut visitor);
    assert_eq!(visitor.0.len(), 15, "{:?}", visitor.0);
}

fn cbor(value: &impl serde::Serialize) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

/// A map is written without a length to a human-readable format such as JSON, which
/// delimits it; a compact format gets its exact length (the keys sent): in CBOR, where a
/// wrong or missing length changes the bytes, ours are the plain struct's at both versions,
/// and read back as the JSON says.
#[test]
fn a_compact_format_gets_each_maps_exact_length() {
    let value = Maps::sample();
    let versions = Maps::gates();
    for (version, plain) in [
        (&versions.all, cbor(&value.full())),
        (&versions.half, cbor(&value.half())),
    ] {
        let ours = cbor(&value.at(version));
        assert_eq!(ours, plain, "at {version}");
        let read: serde_json::Value = ciborium::from_reader(ours.as_slice()).unwrap();
        assert_eq!(
            read,
            serde_json::to_value(value.at(version)).unwrap(),
            "at {version}"
        );
    }
    assert_ne!(cbor(&value.full()), cbor(&value.half()));
}
