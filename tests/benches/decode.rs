//! Decoding the reference sample: `T::decode` (one pass, validating) against
//! `serde_json::from_slice::<Value>` plus a compiled `jsonschema` validator, and against a
//! plain `serde_json::from_slice` into a `#[derive(Deserialize)]` mirror (no validation of
//! versions, patterns or unknown keys), on the same bytes.
//! Run: `cargo bench -p metrics-tests --bench decode`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use metrics_core::{Metrics, Version};
use metrics_tests::PlainStatistics;
use schema::UsageStatistics;

fn decode(c: &mut Criterion) {
    let stats = schema::sample_statistics();
    let mut group = c.benchmark_group("decode-sample");
    for version in ["2018.2.2", "3.4", "2.5"] {
        let version = Version::parse(version).unwrap();
        let bytes = serde_json::to_vec(&stats.at(&version)).unwrap();
        let schema = UsageStatistics::schema_at(&version).to_value();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let label = format!("{version} ({} bytes)", bytes.len());

        if version == Version::new(2018, 2, 2) {
            // The newest payload has every field: the plain mirror can read it.
            group.bench_function(format!("plain serde derive, {label}"), |b| {
                b.iter(|| {
                    let plain: PlainStatistics = serde_json::from_slice(black_box(&bytes)).unwrap();
                    black_box(plain)
                })
            });
        }
        group.bench_function(format!("Value + jsonschema, {label}"), |b| {
            b.iter(|| {
                let value: serde_json::Value = serde_json::from_slice(black_box(&bytes)).unwrap();
                assert!(validator.is_valid(&value));
                black_box(value)
            })
        });
        group.bench_function(format!("decode, {label}"), |b| {
            b.iter(|| {
                let decoded = UsageStatistics::decode(black_box(&version), black_box(&bytes));
                black_box(decoded.is_ok())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
