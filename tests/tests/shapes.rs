//! The per-shape benchmarks compare like with like: for every shape, `at(v)` writes exactly
//! the bytes the plain struct of that version writes, and both `T::decode` and plain serde
//! read them back.

use metrics_tests::shapes::{Shape, ShapeVisitor, visit_all};

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
