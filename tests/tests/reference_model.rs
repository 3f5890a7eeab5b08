//! The reference model against the public page: one field per table row, same text, same version.

use metrics_core::{Metrics, Version};
use schema::UsageStatistics;

/// The rows of the page's "Metrics / Since" table: (text, version as the page writes it).
fn page_rows() -> Vec<(String, String)> {
    let page = include_str!("../fixtures/outbound-requests.txt");
    let table = page
        .split_once("Metrics Since\n")
        .expect("the page has its table")
        .1;
    table
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(|line| {
            let (text, since) = line.rsplit_once(' ').expect("a row ends with its version");
            (text.to_owned(), since.to_owned())
        })
        .collect()
}

#[test]
fn every_row_of_the_page_is_one_field_with_its_text_and_version() {
    let rows = page_rows();
    assert_eq!(rows.len(), 19, "the page's table has 19 rows");
    let fields = UsageStatistics::fields();
    assert_eq!(fields.len(), rows.len(), "one top-level field per row");
    for (field, (text, since)) in fields.iter().zip(&rows) {
        assert_eq!(field.summary(), text, "field `{}`", field.key());
        match since.strip_prefix('<') {
            Some(_) => assert_eq!(field.since(), None, "{text}: a `<` row has no since"),
            None => assert_eq!(
                field.since(),
                Some(&Version::parse(since).unwrap()),
                "{text}"
            ),
        }
        assert_eq!(field.until(), None);
    }
}

#[test]
fn change_points_are_the_versions_of_the_page() {
    let mut expected: Vec<Version> = page_rows()
        .iter()
        .filter(|(_, since)| !since.starts_with('<'))
        .map(|(_, since)| Version::parse(since).unwrap())
        .collect();
    expected.dedup();
    assert_eq!(UsageStatistics::versions(), expected);
    // The envelope changes exactly when the statistics it carries do.
    assert_eq!(schema::UpdateCheck::versions(), expected);
}

#[test]
fn names_default_to_kebab_case_and_follow_the_attribute() {
    assert_eq!(<UsageStatistics as Metrics>::NAME, "usage-statistics");
    assert_eq!(<schema::MultiTenancy as Metrics>::NAME, "multi-tenancy");
    let keys: Vec<&str> = schema::UpdateCheck::fields()
        .iter()
        .map(|f| f.key())
        .collect();
    assert_eq!(keys, ["version", "installationId", "usageStatistics"]);
}

/// The rows of the `Metric | Since` table of `payload` in the generated disclosure page.
fn generated_rows(payload: &str) -> Vec<(String, String)> {
    let page = metrics_tool::docs::render_docs(&schema::models());
    let section = page
        .split_once(&format!("\n## {payload}\n"))
        .expect("the page has a section per payload")
        .1;
    let table = section
        .split_once("| Metric | Since |\n|---|---|\n")
        .expect("the section has its table")
        .1;
    table
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 2, "two cells in {line:?}");
            (cells[0].trim().to_owned(), cells[1].trim().to_owned())
        })
        .collect()
}

#[test]
fn the_generated_table_is_the_pages_table_row_for_row() {
    let generated = generated_rows("usage-statistics");
    let page = page_rows();
    assert_eq!(generated.len(), page.len());
    for (row, (generated, page)) in generated.iter().zip(&page).enumerate() {
        assert_eq!(generated, page, "row {}", row + 1);
    }
}

#[test]
fn the_envelope_table_lists_what_every_update_check_sends() {
    let rows = generated_rows("update-check");
    let texts: Vec<&str> = rows.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "The current Octopus Deploy version number that you are running",
            "A unique installation ID",
            "Usage statistics, sent only when \"Help improve Octopus by sending usage statistics\" is checked; `null` otherwise.",
        ]
    );
    assert!(rows.iter().all(|(_, since)| since == "<2.6"));
}

#[test]
fn the_page_has_a_changelog_and_an_example_per_version() {
    let page = metrics_tool::docs::render_docs(&schema::models());
    let statistics = page.split_once("\n## usage-statistics\n").unwrap().1;
    assert!(statistics.contains(
        "#### 3.4\n\n- Added `multiTenancy.tenants`: The number of tenants (count)\n- Added `multiTenancy.tenantTags`: The number of tenant tags (count)\n"
    ));
    assert!(statistics.contains(
        "#### 3.12\n\n- Added `timeToFirstDeployment`: The time to your first deployment (milliseconds, or empty)\n"
    ));
    // One example per schema: the baseline and each change point.
    assert_eq!(
        statistics.matches("```json\n").count(),
        1 + UsageStatistics::versions().len()
    );
    assert!(statistics.contains("#### Before 2.6\n\n```json\n{\n  \"environments\": 6,"));
}

/// The rows of the table of every metric of `payload`: metric, description, unit, since,
/// removed in.
fn detail_rows(payload: &str) -> Vec<[String; 5]> {
    let page = metrics_tool::docs::render_docs(&schema::models());
    let section = page
        .split_once(&format!("\n## {payload}\n"))
        .expect("the page has a section per payload")
        .1;
    let table = section
        .split_once("| Metric | What it is | Unit | Since | Removed in |\n|---|---|---|---|---|\n")
        .expect("the section has its table of every metric")
        .1;
    table
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect();
            cells.try_into().expect("five cells")
        })
        .collect()
}

#[test]
fn the_page_lists_every_leaf_metric_with_its_description_unit_and_since() {
    let rows = detail_rows("usage-statistics");
    // One row per leaf: 19 fields, of which two maps (9 + 5 keys) and three nested structs
    // of two fields each.
    assert_eq!(rows.len(), 19 - 5 + 9 + 5 + 3 * 2);
    let row = |metric: &str| {
        rows.iter()
            .find(|r| r[0] == format!("`{metric}`"))
            .unwrap_or_else(|| panic!("no row for {metric}: {rows:#?}"))
            .clone()
    };
    assert_eq!(
        row("multiTenancy.tenants"),
        [
            "`multiTenancy.tenants`",
            "The number of tenants",
            "count",
            "3.4",
            ""
        ]
    );
    assert_eq!(
        row("deploymentSteps.run-script"),
        [
            "`deploymentSteps.run-script`",
            "The number of each of the different types of deployment steps that you have: Run a PowerShell, Bash or other script",
            "count",
            "<2.6",
            ""
        ]
    );
    assert_eq!(row("memory")[2], "bytes");
    assert_eq!(row("cpu")[2], "percent (0 to 100)");
    assert_eq!(row("usesLetsEncrypt")[2], "yes/no");
    assert_eq!(row("timeToFirstDeployment")[2], "milliseconds, or empty");
    assert_eq!(
        row("licenseSerialHash")[2],
        "SHA-1 hash (the value itself is not sent)"
    );
    assert_eq!(row("communitySteps.web-server")[3], "2018.2.2");
    // Every row has a description and a unit in words: no type names on a public page.
    for row in &rows {
        assert!(!row[1].is_empty(), "{row:?}");
        for jargon in ["integer", "u64", "max ", "object", "Option", "null"] {
            assert!(!row[2].contains(jargon), "{row:?}");
        }
    }
}
