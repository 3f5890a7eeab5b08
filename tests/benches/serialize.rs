//! `at(v)` serialization of the reference sample against plain `#[derive(Serialize)]` with
//! the same fields, to a reused JSON byte buffer. Run: `cargo bench -p metrics-tests --bench serialize`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use metrics_core::{Metrics, Version};

fn serialize(c: &mut Criterion) {
    let stats = schema::sample_statistics();
    let plain = metrics_tests::plain_sample();
    let mut group = c.benchmark_group("serialize-sample");
    let mut buffer = Vec::with_capacity(4096);
    group.bench_function("plain serde derive", |b| {
        b.iter(|| {
            buffer.clear();
            serde_json::to_writer(&mut buffer, black_box(&plain)).unwrap();
            black_box(buffer.len())
        })
    });
    for version in ["2018.2.2", "3.4", "2.5"] {
        let version = Version::parse(version).unwrap();
        group.bench_function(format!("at({version})"), |b| {
            b.iter(|| {
                buffer.clear();
                serde_json::to_writer(&mut buffer, &black_box(&stats).at(black_box(&version)))
                    .unwrap();
                black_box(buffer.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, serialize);
criterion_main!(benches);
