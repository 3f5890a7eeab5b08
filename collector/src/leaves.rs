//! The leaf metrics of a model: every number or flag any version can send, as JSON pointers,
//! read from the model's schemas. One row per leaf is stored for each accepted payload.

use metrics_core::{Model, Version};
use serde_json::Value;

/// Every numeric or boolean leaf of `model` over all its versions (and the baseline), as
/// JSON pointers, in schema order. Map keys of a closed enum are expanded, one leaf each.
pub fn leaf_paths(model: &Model) -> Vec<String> {
    let mut versions = vec![Version::parse("0.0.0").expect("a valid version")];
    versions.extend(model.versions());
    let mut out = Vec::new();
    for version in &versions {
        let schema = model.schema_at(version);
        let root = schema.as_value();
        walk(root, root, String::new(), &mut out);
    }
    out
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

fn walk(root: &Value, schema: &Value, path: String, out: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        for branch in branches {
            walk(root, branch, path.clone(), out);
        }
        return;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number" | "boolean") if !out.contains(&path) => out.push(path),
        Some("object") => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (key, child) in props {
                    walk(root, child, format!("{path}/{}", escape(key)), out);
                }
            }
            if let (Some(names), Some(values)) = (
                schema.get("propertyNames"),
                schema.get("additionalProperties"),
            ) {
                for key in enum_values(root, names) {
                    walk(root, values, format!("{path}/{}", escape(&key)), out);
                }
            }
        }
        _ => {}
    }
}

fn enum_values(root: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve(root, schema);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    // A closed enum with documented variants: `oneOf` of `const`s.
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| resolve(root, i).get("const").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    static EMPTY: Value = Value::Null;
    let mut current = schema;
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                current = r
                    .strip_prefix('#')
                    .and_then(|p| root.pointer(p))
                    .unwrap_or(&EMPTY);
            }
            None => return current,
        }
    }
    current
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
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
