//! The leaf metrics of a model that are numbers or flags: every count, size, duration,
//! percentage or flag any version can send, as JSON pointers, from the model's leaf table
//! (`Model::leaves`). One row per leaf is stored for each accepted payload.

use metrics_core::{Model, Shape};
use serde_json::Value;

/// Every numeric or boolean leaf of `model` over all its versions, as JSON pointers, in
/// declaration order. Map keys of a closed enum are expanded, one leaf each.
pub fn leaf_paths(model: &Model) -> Vec<String> {
    model
        .leaves()
        .into_iter()
        .filter(|leaf| is_number_or_flag(leaf.shape))
        .map(|leaf| leaf.pointer)
        .collect()
}

fn is_number_or_flag(shape: Shape) -> bool {
    match shape {
        Shape::Optional(inner) => is_number_or_flag(inner()),
        Shape::Count { .. } | Shape::Flag | Shape::Percent | Shape::Bytes | Shape::Milliseconds => {
            true
        }
        _ => false,
    }
}

/// The value of each leaf in `payload`: numbers as they are, flags as 0 or 1, and `None` when
/// the payload does not have the leaf: its version lacks the field, the field was `null`
/// (no usage statistics), or a map did not send that key.
pub fn leaf_values<'a>(payload: &Value, leaves: &'a [String]) -> Vec<(&'a str, Option<f64>)> {
    leaves
        .iter()
        .map(|path| {
            let value = match payload.pointer(path) {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::Bool(b)) => Some(f64::from(u8::from(*b))),
                _ => None,
            };
            (path.as_str(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_the_numbers_and_flags_of_every_version_with_enum_keys_expanded() {
        let leaves = leaf_paths(&schema::models()[0]);
        for expected in [
            "/usageStatistics/environments",
            "/usageStatistics/cpu",
            "/usageStatistics/timeToFirstDeployment",
            "/usageStatistics/usesLetsEncrypt",
            "/usageStatistics/multiTenancy/tenantTags",
            "/usageStatistics/deploymentSteps/deploy-windows-service",
            "/usageStatistics/communitySteps/web-server",
            "/usageStatistics/workers",
        ] {
            assert!(
                leaves.iter().any(|l| l == expected),
                "{expected} not in {leaves:?}"
            );
        }
        // Strings are not metrics to sum: version, id, digest.
        for absent in [
            "/version",
            "/installationId",
            "/usageStatistics/licenseSerialHash",
        ] {
            assert!(!leaves.iter().any(|l| l == absent), "{absent}");
        }
        // 9 step types + 5 community steps + 19 other numbers and flags, each once.
        assert_eq!(leaves.len(), 9 + 5 + 19, "{leaves:?}");
    }

    #[test]
    fn values_are_none_where_the_payload_lacks_the_leaf() {
        let leaves = vec![
            "/a".to_owned(),
            "/b/c".to_owned(),
            "/d".to_owned(),
            "/e".to_owned(),
        ];
        let payload = serde_json::json!({ "a": 3, "b": null, "d": true });
        assert_eq!(
            leaf_values(&payload, &leaves),
            vec![
                ("/a", Some(3.0)),
                ("/b/c", None),
                ("/d", Some(1.0)),
                ("/e", None)
            ]
        );
    }
}
