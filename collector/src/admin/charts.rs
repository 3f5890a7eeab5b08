//! The report page's charts: SVG drawn on the server by plotters, so that the page needs
//! no JavaScript and no internet. Each chart scales to the width of the page.

use plotters::prelude::*;

use crate::report::{Bucket, WeekRow};

/// The colours of the series, in order (the last one is "other").
const PALETTE: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(127, 127, 127),
];

/// How many release lines the weekly chart names; the rest are "other".
const NAMED_LINES: usize = 6;

/// plotters writes fixed `width` and `height`; the `viewBox` it also writes lets the page
/// scale the chart instead.
fn responsive(svg: String) -> String {
    match svg.find('>') {
        Some(end) => {
            let (head, rest) = svg.split_at(end);
            let head = head
                .split(' ')
                .filter(|part| !part.starts_with("width=") && !part.starts_with("height="))
                .collect::<Vec<_>>()
                .join(" ");
            format!("{head} role=\"img\"{rest}")
        }
        None => svg,
    }
}

/// The release lines of the weekly trend, most installations first: the named ones, and
/// whether there are others.
pub fn lines(weeks: &[WeekRow]) -> (Vec<String>, bool) {
    let mut names = crate::report::release_lines_by_size(weeks);
    let others = names.len() > NAMED_LINES || weeks.iter().any(|w| w.hidden_lines > 0);
    names.truncate(NAMED_LINES);
    (names, others)
}

/// Active installations per week, stacked by release line.
pub fn weekly(weeks: &[WeekRow]) -> String {
    let (names, others) = lines(weeks);
    // Per week, the cumulative count up to each series (the named lines, then "other").
    let stacks: Vec<Vec<u64>> = weeks
        .iter()
        .map(|week| {
            let mut running = 0;
            let mut stack: Vec<u64> = names
                .iter()
                .map(|name| {
                    running += week.release_lines.get(name).copied().unwrap_or(0);
                    running
                })
                .collect();
            if others {
                stack.push(week.installations.unwrap_or(running).max(running));
            }
            stack
        })
        .collect();
    let top = stacks
        .iter()
        .filter_map(|s| s.last().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 300)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let last = weeks.len().saturating_sub(1).max(1);
        let chart = ChartBuilder::on(&root)
            .margin(10)
            // Room for half the last week's label, centred on the right edge.
            .margin_right(44)
            .x_label_area_size(28)
            .y_label_area_size(56)
            // Head room above the stack for the legend.
            .build_cartesian_2d(0..last, 0..top + top * 3 / 5);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let labels: Vec<String> = weeks.iter().map(WeekRow::label).collect();
        let _ = chart
            .configure_mesh()
            .x_labels(weeks.len().min(9))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_desc("installations")
            .light_line_style(WHITE.mix(0.0))
            .draw();
        let series = names.len() + usize::from(others);
        // The tallest (cumulative) layer first, so that the lower ones are drawn over it.
        for layer in (0..series).rev() {
            let colour = if layer < names.len() {
                PALETTE[layer % (PALETTE.len() - 1)]
            } else {
                PALETTE[PALETTE.len() - 1]
            };
            let label = names
                .get(layer)
                .cloned()
                .unwrap_or_else(|| "other".to_owned());
            let points: Vec<(usize, u64)> = stacks
                .iter()
                .enumerate()
                .map(|(i, stack)| (i, stack.get(layer).copied().unwrap_or(0)))
                .collect();
            if let Ok(drawn) = chart.draw_series(
                AreaSeries::new(points, 0, colour.mix(0.85)).border_style(colour.stroke_width(1)),
            ) {
                drawn.label(label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
            }
        }
        let _ = chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.2))
            .draw();
        let _ = root.present();
    }
    responsive(svg)
}

/// Installations per bucket; `label` names a bucket on the axis. Empty buckets below the
/// first and above the last value are left out.
pub fn histogram(buckets: &[Bucket], label: impl Fn(&Bucket) -> String) -> String {
    let filled = |b: &Bucket| b.installations != Some(0);
    let first = buckets.iter().position(filled).unwrap_or(0);
    let last = buckets.iter().rposition(filled).map_or(0, |i| i + 1);
    let buckets = &buckets[first..last.max(first)];
    let top = buckets
        .iter()
        .filter_map(|b| b.installations)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 200)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(26)
            .y_label_area_size(48)
            .build_cartesian_2d(0..buckets.len().max(1), 0..top + top / 10);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let labels: Vec<String> = buckets.iter().map(&label).collect();
        let _ = chart
            .configure_mesh()
            .x_labels(buckets.len().min(8))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_desc("installations")
            .light_line_style(WHITE.mix(0.0))
            .draw();
        let _ = chart.draw_series(buckets.iter().enumerate().filter_map(|(i, bucket)| {
            let n = bucket.installations?;
            (n > 0).then(|| Rectangle::new([(i, 0), (i + 1, n)], PALETTE[0].mix(0.8).filled()))
        }));
        let _ = root.present();
    }
    responsive(svg)
}

/// Shares (0 to 1) per key, as horizontal bars.
pub fn shares(keys: &[(String, f64)]) -> String {
    let height = 40 + 22 * keys.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(170)
            .build_cartesian_2d(0f64..100f64, 0..keys.len().max(1));
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
        let _ = chart
            .configure_mesh()
            .y_labels(keys.len().max(1))
            .y_label_formatter(&|i| names.get(*i).cloned().unwrap_or_default())
            .x_label_formatter(&|x| format!("{x:.0}%"))
            .light_line_style(WHITE.mix(0.0))
            .draw();
        let _ = chart.draw_series(keys.iter().enumerate().map(|(i, (_, share))| {
            Rectangle::new(
                [(0.0, i), (share * 100.0, i + 1)],
                PALETTE[2].mix(0.8).filled(),
            )
        }));
        let _ = root.present();
    }
    responsive(svg)
}
