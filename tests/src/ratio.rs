//! Interleaved timing for the benchmarks' ratio tables: the baseline and ours run in
//! alternating batches, round after round, in one process, so that load from other
//! processes hits both alike; each round gives a ratio, and the table shows the median.

use std::time::{Duration, Instant};

/// The outcome of [`interleaved`]: medians over the rounds.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    /// The baseline's time per call.
    pub base: Duration,
    /// Our time per call.
    pub ours: Duration,
    /// The median of the rounds' ratios ours / baseline.
    pub ratio: f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn time(f: &mut impl FnMut(), iterations: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_secs_f64() / iterations as f64
}

/// The rounds of [`interleaved`].
const ROUNDS: usize = 101;
/// The time of one batch of calls in a round.
const BATCH: Duration = Duration::from_millis(1);

/// Times `base` and `ours` in `ROUNDS` rounds of batches of about `BATCH` each, the
/// order alternating from round to round.
pub fn interleaved(mut base: impl FnMut(), mut ours: impl FnMut()) -> Ratio {
    // Warm up both, and size the batch by the slower of the two.
    let mut iterations = 1u64;
    loop {
        let slowest = time(&mut base, iterations).max(time(&mut ours, iterations));
        if slowest * iterations as f64 >= BATCH.as_secs_f64() / 4.0 {
            iterations = ((BATCH.as_secs_f64() / slowest) as u64).max(1);
            break;
        }
        iterations *= 2;
    }
    let (mut bases, mut ourss, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (b, o) = if round % 2 == 0 {
            let b = time(&mut base, iterations);
            (b, time(&mut ours, iterations))
        } else {
            let o = time(&mut ours, iterations);
            (time(&mut base, iterations), o)
        };
        bases.push(b);
        ourss.push(o);
        ratios.push(o / b);
    }
    Ratio {
        base: Duration::from_secs_f64(median(&mut bases)),
        ours: Duration::from_secs_f64(median(&mut ourss)),
        ratio: median(&mut ratios),
    }
}

/// Formats a time per call for the tables: `681 ns`, `1.41 µs`.
fn show(time: Duration) -> String {
    let ns = time.as_secs_f64() * 1e9;
    if ns < 1000.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{:.2} µs", ns / 1000.0)
    }
}

/// What a per-shape benchmark runs, from `SHAPES_TABLE` and its arguments: the criterion
/// groups (not with `SHAPES_TABLE=only`), then the ratio table (not with `SHAPES_TABLE=0`,
/// nor when cargo runs the benchmark as a test or lists it), of the shapes whose group name
/// contains the first argument that is not a flag.
pub struct Plan {
    /// Whether to run the criterion groups.
    pub groups: bool,
    /// Whether to print the ratio table.
    pub table: bool,
    filter: Option<String>,
}

impl Plan {
    /// The plan of this process.
    pub fn from_env() -> Plan {
        let table = std::env::var("SHAPES_TABLE").unwrap_or_default();
        let args: Vec<String> = std::env::args().skip(1).collect();
        let testing = args.iter().any(|a| a == "--test" || a == "--list");
        Plan {
            groups: table != "only",
            table: !testing && table != "0",
            filter: args.into_iter().find(|a| !a.starts_with('-')),
        }
    }

    /// Whether the table has the group `name` (`decode/counts`).
    pub fn wants(&self, name: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| name.contains(f.as_str()))
    }
}

/// One shape's row: at the version that sends every field, and at the one that sends half.
pub struct Row {
    /// The shape, and the version with every field.
    pub label: String,
    /// The ratio there.
    pub all: Ratio,
    /// The version with half of the fields.
    pub half_label: String,
    /// The ratio there.
    pub half: Ratio,
}

/// Prints the table of `rows`; `what` names the measurement (`serialize`), `ours` our
/// columns (`ours`, `decode`).
pub fn print_table(what: &str, ours: &str, rows: &[Row]) {
    println!(
        "\n{what}, ours / plain serde (median of {ROUNDS} interleaved rounds of {} ms):\n",
        BATCH.as_millis()
    );
    println!(
        "| shape | plain, all | {ours}, all | {ours} / plain | plain, half | {ours}, half | {ours} / plain |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {} | **{:.2}** | {} | {} ({}) | **{:.2}** |",
            row.label,
            show(row.all.base),
            show(row.all.ours),
            row.all.ratio,
            show(row.half.base),
            show(row.half.ours),
            row.half_label,
            row.half.ratio
        );
    }
}
