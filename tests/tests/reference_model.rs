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
