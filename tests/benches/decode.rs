//! Decoding each metric shape with `T::decode` (one pass, validating), against plain
//! `serde_json::from_slice` into the `#[derive(Deserialize)]` mirror a user would write
//! (`metrics_tests::shapes`; no validation of versions, ranges, patterns or unknown keys), on
//! the same bytes: at the version where every field is sent, and at the one where half are
//! gated off (against the mirror of that version's fields). One criterion group per shape,
//! plus the reference sample against `serde_json::Value` and a compiled `jsonschema`
//! validator; then a table of ratios decode / plain, each the median of interleaved rounds in
//! this process (`SHAPES_TABLE=0` skips it, `SHAPES_TABLE=only` runs it alone).
//!
//! Run: `cargo bench -p metrics-tests --bench decode [-- FILTER]`.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use metrics_core::{Metrics, Version};
use metrics_tests::ratio::{Plan, Row, interleaved, print_table};
use metrics_tests::shapes::{Shape, ShapeVisitor, visit_all};
use schema::UsageStatistics;
use serde::de::DeserializeOwned;

/// Both sides are measured through these functions, never inlined into the loop, so that
/// the optimizer treats them alike.
#[inline(never)]
fn plain<T: DeserializeOwned>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).unwrap()
}

#[inline(never)]
fn ours<T: Metrics>(version: &Version, bytes: &[u8]) -> bool {
    T::decode(version, bytes).is_ok()
}

/// The bytes of a shape's sample at its two versions (the plain structs' bytes, which
/// `tests/shapes.rs` checks equal ours).
fn inputs<T: Shape>() -> [(Version, Vec<u8>, &'static str); 2] {
    let value = T::sample();
    let gates = T::gates();
    [
        (gates.all, serde_json::to_vec(&value.full()).unwrap(), "all"),
        (
            gates.half,
            serde_json::to_vec(&value.half()).unwrap(),
            "half",
        ),
    ]
}

struct Groups<'c>(&'c mut Criterion);

impl ShapeVisitor for Groups<'_> {
    fn visit<T: Shape>(&mut self) {
        let mut group = self.0.benchmark_group(format!("decode/{}", T::LABEL));
        for (version, bytes, which) in inputs::<T>() {
            let label = format!("{which}, {} bytes", bytes.len());
            group.bench_function(format!("plain ({label})"), |b| {
                if which == "all" {
                    b.iter(|| black_box(plain::<T::Full>(black_box(&bytes))))
                } else {
                    b.iter(|| black_box(plain::<T::Half>(black_box(&bytes))))
                }
            });
            group.bench_function(format!("decode({version}) ({label})"), |b| {
                b.iter(|| ours::<T>(black_box(&version), black_box(&bytes)))
            });
        }
        group.finish();
    }
}

/// The reference sample against the generic way: a `Value`, then a compiled validator.
fn against_jsonschema(c: &mut Criterion) {
    let stats = schema::sample_statistics();
    let mut group = c.benchmark_group("decode/reference sample vs jsonschema");
    for version in ["2018.2.2", "3.4", "2.5"] {
        let version = Version::parse(version).unwrap();
        let bytes = serde_json::to_vec(&stats.at(&version)).unwrap();
        let schema = UsageStatistics::schema_at(&version).to_value();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let label = format!("{version} ({} bytes)", bytes.len());
        group.bench_function(format!("Value + jsonschema, {label}"), |b| {
            b.iter(|| {
                let value: serde_json::Value = serde_json::from_slice(black_box(&bytes)).unwrap();
                assert!(validator.is_valid(&value));
                black_box(value)
            })
        });
        group.bench_function(format!("decode, {label}"), |b| {
            b.iter(|| ours::<UsageStatistics>(black_box(&version), black_box(&bytes)))
        });
    }
    group.finish();
}

struct Table {
    plan: Plan,
    rows: Vec<Row>,
}

impl ShapeVisitor for Table {
    fn visit<T: Shape>(&mut self) {
        if !self.plan.wants(&format!("decode/{}", T::LABEL)) {
            return;
        }
        let [(all_at, all_bytes, _), (half_at, half_bytes, _)] = inputs::<T>();
        let all = interleaved(
            || {
                black_box(plain::<T::Full>(black_box(&all_bytes)));
            },
            || {
                black_box(ours::<T>(black_box(&all_at), black_box(&all_bytes)));
            },
        );
        let half = interleaved(
            || {
                black_box(plain::<T::Half>(black_box(&half_bytes)));
            },
            || {
                black_box(ours::<T>(black_box(&half_at), black_box(&half_bytes)));
            },
        );
        self.rows.push(Row {
            label: format!("`{}` (at {all_at}, {} bytes)", T::LABEL, all_bytes.len()),
            all,
            half_label: format!("at {half_at}, {} bytes", half_bytes.len()),
            half,
        });
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .configure_from_args();
    let plan = Plan::from_env();
    if plan.groups {
        visit_all(&mut Groups(&mut criterion));
        against_jsonschema(&mut criterion);
        criterion.final_summary();
    }
    if !plan.table {
        return;
    }
    let mut table = Table {
        plan,
        rows: Vec::new(),
    };
    visit_all(&mut table);
    print_table("decode", "decode", &table.rows);
}
