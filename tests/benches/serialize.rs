//! Serializing each metric shape with `at(v)`, against the plain `#[derive(Serialize)]`
//! struct a user would write for the same JSON (`metrics_tests::shapes`), into a reused JSON
//! byte buffer: at the version where every field is sent, and at the one where half are
//! gated off (against the plain struct of that version's fields). One criterion group per
//! shape; then a table of ratios ours / plain, each the median of interleaved rounds in this
//! process (`SHAPES_TABLE=0` skips it, `SHAPES_TABLE=only` runs it alone).
//!
//! Run: `cargo bench -p metrics-tests --bench serialize [-- FILTER]`.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use metrics_core::Version;
use metrics_tests::ratio::{Plan, Row, interleaved, print_table};
use metrics_tests::shapes::{Shape, ShapeVisitor, visit_all};
use serde::Serialize;

/// Both sides are measured through this one function, never inlined into the loop, so that
/// the optimizer treats them alike.
#[inline(never)]
fn write<T: Serialize + ?Sized>(buffer: &mut Vec<u8>, value: &T) -> usize {
    buffer.clear();
    serde_json::to_writer(&mut *buffer, value).unwrap();
    buffer.len()
}

/// A shape's two versions: every field sent, and (`true`) half of them.
fn cases<T: Shape>() -> [(Version, bool); 2] {
    let gates = T::gates();
    [(gates.all, false), (gates.half, true)]
}

struct Groups<'c>(&'c mut Criterion);

impl ShapeVisitor for Groups<'_> {
    fn visit<T: Shape>(&mut self) {
        let value = T::sample();
        let (full, half) = (value.full(), value.half());
        let mut buffer = Vec::with_capacity(4096);
        let mut group = self.0.benchmark_group(format!("serialize/{}", T::LABEL));
        for (version, is_half) in cases::<T>() {
            let which = if is_half { "half" } else { "all" };
            group.bench_function(format!("plain ({which})"), |b| {
                b.iter(|| {
                    if is_half {
                        write(&mut buffer, black_box(&half))
                    } else {
                        write(&mut buffer, black_box(&full))
                    }
                })
            });
            group.bench_function(format!("at({version}) ({which})"), |b| {
                b.iter(|| write(&mut buffer, &black_box(&value).at(black_box(&version))))
            });
        }
        group.finish();
    }
}

struct Table {
    plan: Plan,
    rows: Vec<Row>,
}

impl ShapeVisitor for Table {
    fn visit<T: Shape>(&mut self) {
        if !self.plan.wants(&format!("serialize/{}", T::LABEL)) {
            return;
        }
        let value = T::sample();
        let (full, half) = (value.full(), value.half());
        let mut base_buffer = Vec::with_capacity(4096);
        let mut our_buffer = Vec::with_capacity(4096);
        let [(all_at, _), (half_at, _)] = cases::<T>();
        let all = interleaved(
            || {
                black_box(write(&mut base_buffer, black_box(&full)));
            },
            || {
                black_box(write(
                    &mut our_buffer,
                    &black_box(&value).at(black_box(&all_at)),
                ));
            },
        );
        let halved = interleaved(
            || {
                black_box(write(&mut base_buffer, black_box(&half)));
            },
            || {
                black_box(write(
                    &mut our_buffer,
                    &black_box(&value).at(black_box(&half_at)),
                ));
            },
        );
        self.rows.push(Row {
            label: format!("`{}` (at {all_at})", T::LABEL),
            all,
            half_label: format!("at {half_at}"),
            half: halved,
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
    print_table("serialize", "ours", &table.rows);
}
