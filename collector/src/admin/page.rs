//! The report page: server-rendered HTML (maud templates) with SVG charts, readable without
//! JavaScript, for the window a reader picks.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::charts;
use crate::report::{
    Bucket, Measure, MetricRow, PARTIAL_WEEK_NOTE, PayloadReport, Report, Stats,
    ends_in_partial_week, percent,
};
use crate::storage::RejectedRow;

/// The windows a reader can pick, in weeks.
pub const WINDOWS: [u32; 4] = [1, 4, 8, 26];

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
h3 { margin-top: 1.8rem; }
nav a { margin-right: .8rem; } nav a.current { font-weight: bold; text-decoration: none; color: #222; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .6rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } tr:nth-child(even) { background: #f5f5f5; }
.muted { color: #777; } .hidden-group { color: #999; font-style: italic; }
figure { margin: .5rem 0; } figure svg { width: 100%; height: auto; max-width: 760px; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
.metric { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .9rem; }
.metric h4 { margin: 0; font-family: ui-monospace, monospace; font-size: .95rem; }
.metric p { margin: .3rem 0; }
@media (max-width: 600px) { .metrics { grid-template-columns: 1fr; } }
";

fn number(n: impl Into<u128>) -> String {
    let n: u128 = n.into();
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure, or a dash where the small-numbers rule holds it back.
fn shown(n: Option<u128>) -> String {
    n.map_or_else(|| "–".to_owned(), number)
}

fn hidden(k: u64) -> Markup {
    html! { span.hidden-group title={ "fewer than " (k) " installations: not shown" } { "<" (k) } }
}

fn svg(chart: String) -> PreEscaped<String> {
    PreEscaped(chart)
}

/// The whole page.
pub fn render(report: &Report, weeks: u32, k: u64, payload: Option<&str>) -> Markup {
    let link = |w: u32| match payload {
        Some(p) => format!("?weeks={w}&payload={p}"),
        None => format!("?weeks={w}"),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Usage report" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Usage report" }
                p.muted {
                    "From " (&report.since[..10]) " to " (&report.until[..10])
                    ". Installations are counted once each, never per submission. Groups of fewer than "
                    (k) " installations show no figures."
                }
                nav {
                    "Window: "
                    @for w in WINDOWS {
                        a.current[w == weeks] href=(link(w)) {
                            @if w == 1 { "last week" } @else { "last " (w) " weeks" }
                        }
                    }
                    " · " a href=(format!("report.json?weeks={weeks}")) { "JSON" }
                }
                @for section in &report.payloads {
                    (payload_section(section, k, weeks))
                }
            }
        }
    }
}

fn payload_section(report: &PayloadReport, k: u64, weeks: u32) -> Markup {
    let who = if report.per_installation {
        "installations"
    } else {
        "submissions"
    };
    html! {
        section id=(format!("payload-{}", report.name)) data-payload=(report.name) {
            h2 { (report.name) }
            p.muted { (report.description) }
            @if report.installations == 0 {
                p { "Nothing received in this window." }
            } @else {
                p {
                    strong data-installations=(report.installations) { (number(report.installations)) }
                    " active " (who) " (" (number(report.submissions)) " submissions)."
                }
                h3 { "Active " (who) " by release line, week by week" }
                figure.chart data-chart="weekly" data-weeks=(report.weekly.len()) {
                    (svg(charts::weekly(&report.weekly)))
                    @if ends_in_partial_week(&report.weekly) {
                        figcaption.muted { (PARTIAL_WEEK_NOTE) }
                    }
                }
                h3 { "Versions" }
                p.muted { "Each installation at the newest version it reported in the window." }
                table #versions {
                    thead { tr { th { "version" } th.n { (who) } th.n { "share" } th { "first seen" } th { "last seen" } } }
                    tbody {
                        @for row in &report.versions {
                            tr data-version=(row.version) data-installations=[row.installations] {
                                td { (row.version) }
                                @match (row.installations, row.share) {
                                    (Some(n), Some(share)) => {
                                        td.n { (number(n)) } td.n { (percent(share)) }
                                        td { (row.first_seen.as_deref().unwrap_or("")) } td { (row.last_seen.as_deref().unwrap_or("")) }
                                    }
                                    _ => { td.n { (hidden(k)) } td.n { (hidden(k)) } td {} td {} }
                                }
                            }
                        }
                    }
                }
                h3 { "Metrics" }
                p.muted { "Each installation's latest report in the window; a metric counts only the installations whose version and settings let it report it." }
                div.metrics {
                    (metrics(&report.metrics, k))
                }
                h3 { "Rejected submissions" }
                @if report.rejected.is_empty() {
                    p { "None in this window." }
                } @else {
                    table #rejected {
                        thead { tr { th { "claimed version" } th { "rule" } th.n { "submissions" } th {} } }
                        tbody {
                            @for row in &report.rejected {
                                tr {
                                    td { (row.claimed_version) } td { (row.rule) } td.n { (number(row.submissions)) }
                                                                        td { a href=(examples_link(&report.name, &row.claimed_version, &row.rule, weeks)) { "examples" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The link to a few examples of rejections, its values percent-encoded (`+` in build
/// metadata is not a space).
fn examples_link(payload: &str, version: &str, rule: &str, weeks: u32) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .append_pair("version", version)
        .append_pair("rule", rule)
        .append_pair("weeks", &weeks.to_string())
        .finish();
    format!("rejected?{query}")
}

/// A count bucket as people read it: `0`, `1`, `2-3`, `512-1023`.
fn count_label(bucket: &Bucket) -> String {
    if bucket.from == bucket.to {
        format!("{}", bucket.from)
    } else {
        format!("{}-{}", short(bucket.from), short(bucket.to))
    }
}

/// A bucket of a count's histogram (`4-7`); of a size's or a duration's, its lower bound
/// in its units (`16 MiB`, `8.7 min`: a range of two would not fit under its bar).
fn bucket_label(measure: Measure, bucket: &Bucket) -> String {
    match measure {
        Measure::Count => count_label(bucket),
        measure => measure.compact(bucket.from as u128),
    }
}

/// A figure in its measure's units (a count in full, `1,234`), or a dash where the
/// small-numbers rule holds it back.
fn figure(measure: Measure, n: Option<u128>) -> String {
    match measure {
        Measure::Count => shown(n),
        measure => n.map_or_else(|| "–".to_owned(), |n| measure.compact(n)),
    }
}

fn short(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.0}G", x / 1e9),
        x if x >= 1e6 => format!("{:.0}M", x / 1e6),
        x if x >= 1e4 => format!("{:.0}k", x / 1e3),
        x => format!("{x}"),
    }
}

fn metrics(rows: &[MetricRow], k: u64) -> Markup {
    // The keys of an enum-keyed map are shown together, in one chart per map.
    let mut maps: Vec<(&str, Vec<&MetricRow>)> = Vec::new();
    for row in rows {
        if let Some(map) = &row.map {
            match maps.iter_mut().find(|(m, _)| *m == map.as_str()) {
                Some((_, keys)) => keys.push(row),
                None => maps.push((map, vec![row])),
            }
        }
    }
    html! {
        @for row in rows.iter().filter(|r| r.map.is_none()) {
            (metric(row, k))
        }
        @for (map, keys) in &maps {
            (map_card(map, keys, k))
        }
    }
}

fn header(row: &MetricRow) -> Markup {
    html! {
        h4 { (row.metric) }
        p { (row.description) }
        p.muted {
            (row.unit)
            @if let Some(since) = &row.since { " · since " (since) }
            " · reported by "
            @match row.reported {
                Some(n) => { (number(n)) }
                None => { "fewer than k" }
            }
            @if let Some(applicable) = row.applicable { " of " (number(applicable)) }
        }
    }
}

fn metric(row: &MetricRow, k: u64) -> Markup {
    html! {
        div.metric data-metric=(row.metric) {
            (header(row))
            @match &row.stats {
                Stats::Count { p50, p90, p99, total, .. } => {
                    p {
                        "median " strong { (figure(row.measure, p50.map(u128::from))) }
                        " · p90 " (figure(row.measure, p90.map(u128::from)))
                        " · p99 " (figure(row.measure, p99.map(u128::from)))
                        @if let Some(total) = total { " · total " (figure(row.measure, Some(*total))) }
                    }
                    figure.chart data-chart="histogram" data-buckets=(row.histogram.len()) {
                        (svg(charts::histogram(&row.histogram, |b| bucket_label(row.measure, b))))
                    }
                }
                Stats::Percent { p50, p90, p99, .. } => {
                    @let tenth = |x: &Option<f64>| x.map_or_else(|| "–".to_owned(), |x| format!("{x:.1}"));
                    p { "median " strong { (tenth(p50)) } " · p90 " (tenth(p90)) " · p99 " (tenth(p99)) }
                    figure.chart data-chart="histogram" data-buckets=(row.histogram.len()) {
                        (svg(charts::histogram(&row.histogram, |b| format!("{}", b.from))))
                    }
                }
                Stats::Flag { share, .. } => {
                    p { "yes for " strong { (percent(*share)) } " " meter min="0" max="1" value=(share) {} }
                }
                Stats::Values { values } => {
                    @let reported = row.reported.unwrap_or(0).max(1);
                    figure.chart data-chart="shares" data-keys=(values.len()) {
                        (svg(charts::shares(&values.iter().map(|(v, n)| (v.clone(), *n as f64 / reported as f64)).collect::<Vec<_>>())))
                    }
                }
                Stats::MapKey { share, total } => {
                    p { (percent(*share)) @if let Some(total) = total { " · total " (number(*total)) } }
                }
                Stats::Hidden => { p.hidden-group { "Fewer than " (k) " installations: not shown." } }
                Stats::None => {}
            }
        }
    }
}

fn map_card(map: &str, keys: &[&MetricRow], k: u64) -> Markup {
    let shares: Vec<(String, f64)> = keys
        .iter()
        .filter_map(|row| match row.stats {
            Stats::MapKey { share, .. } => Some((key_name(&row.metric).to_owned(), share)),
            _ => None,
        })
        .collect();
    let description = keys
        .first()
        .and_then(|r| r.description.split_once(": ").map(|(m, _)| m.to_owned()))
        .unwrap_or_default();
    html! {
        div.metric data-metric=(map) {
            h4 { (map) }
            p { (description) }
            p.muted { "count per key · share of installations that sent each key" }
            figure.chart data-chart="shares" data-keys=(shares.len()) {
                (svg(charts::shares(&shares)))
            }
            table {
                thead { tr { th { "key" } th.n { "installations" } th.n { "share" } th.n { "total" } } }
                tbody {
                    @for row in keys {
                        tr {
                            td { (key_name(&row.metric)) }
                            @match (&row.stats, row.reported) {
                                (Stats::MapKey { share, total }, Some(n)) => {
                                    td.n { (number(n)) } td.n { (percent(*share)) } td.n { (figure(row.measure, *total)) }
                                }
                                _ => { td.n { (hidden(k)) } td {} td {} }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn key_name(metric: &str) -> &str {
    metric.rsplit_once('.').map_or(metric, |(_, key)| key)
}

/// A rejected body's shape without its values: the keys as sent, each value replaced by
/// its JSON type, so that the page shows what was wrong, not one installation's numbers.
fn skeleton(body: &[u8]) -> String {
    fn blank(value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), blank(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(blank).collect()),
            Value::Null => Value::Null,
            Value::Bool(_) => Value::from("<flag>"),
            Value::Number(_) => Value::from("<number>"),
            Value::String(_) => Value::from("<text>"),
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => {
            let mut text = serde_json::to_string_pretty(&blank(&value)).unwrap_or_default();
            if text.len() > 4096 {
                let mut end = 4096;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                text.push_str("\n...");
            }
            text
        }
        Err(e) => format!("(not JSON: {} bytes; {e})", body.len()),
    }
}

/// The violations of a rejection as `pointer: rule` lines (the messages can quote the
/// values sent; the database keeps them for the operator).
fn rules(errors: &str) -> String {
    let violations: Vec<serde_json::Value> = serde_json::from_str(errors).unwrap_or_default();
    violations
        .iter()
        .map(|v| {
            format!(
                "{}: {}",
                v["pointer"]
                    .as_str()
                    .filter(|p| !p.is_empty())
                    .unwrap_or("(root)"),
                v["rule"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A few rejected submissions, for a claimed version and rule: where each went wrong and
/// the shape of its body, never its values.
pub fn rejected(payload: &str, version: &str, rule: &str, rows: &[RejectedRow]) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Rejected submissions" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Rejected: " (payload) " " (version) ", rule " code { (rule) } }
                                p {
                    a href="./" { "back to the report" }
                    " · the newest " (rows.len()) "; each body's keys as sent, its values left out (the database keeps them)"
                }
                @for row in rows {
                    div.metric {
                        p.muted { (row.violations) " violations" }
                        pre { (rules(&row.errors)) }
                        pre { (skeleton(&row.body)) }
                    }
                }
            }
        }
    }
}
