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
    let page = metrics_core::docs::render_docs(&schema::models());
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
    let page = metrics_core::docs::render_docs(&schema::models());
    let statistics = page.split_once("\n## usage-statistics\n").unwrap().1;
    assert!(statistics.contains(
        "#### 3.4\n\n- Added `multiTenancy`: Usage of multi-tenant features (number of tenants, number of tenant tags) (object `multi-tenancy` with fields `tenants`, `tenantTags`)\n"
    ));
    assert!(statistics.contains(
        "#### 3.12\n\n- Added `timeToFirstDeployment`: The time to your first deployment (integer (max 18446744073709551615) or null)\n"
    ));
    // One example per schema: the baseline and each change point.
    assert_eq!(
        statistics.matches("```json\n").count(),
        1 + UsageStatistics::versions().len()
    );
    assert!(statistics.contains("#### Before 2.6\n\n```json\n{\n  \"environments\": 6,"));
}
