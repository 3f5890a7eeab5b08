use std::collections::BTreeMap;
use std::time::Duration;

use fleet_agent::{Disk, Heartbeat, Runner};
use metrics_core::{Metrics, Percent, Version};
use serde_json::{Value, json};

fn v(text: &str) -> Version {
    text.parse().unwrap()
}

fn sample(main_runner: Runner) -> Heartbeat {
    Heartbeat {
        hosts: 40,
        jobs_by_runner: BTreeMap::from([
            (Runner::Shell, 10),
            (Runner::Docker, 20),
            (Runner::Kubernetes, 30),
            (Runner::Vm, 5),
        ]),
        main_runner,
        disk: Disk {
            used: Percent::new(41.5).unwrap(),
            files: 1200,
        },
        disk_full_percent: Percent::new(90.0).unwrap(),
        uptime: Some(Duration::from_secs(90)),
    }
}

fn payload(heartbeat: &Heartbeat, version: &str) -> Value {
    serde_json::to_value(heartbeat.at(&v(version))).unwrap()
}

#[test]
fn change_points_include_nested_fields_and_enum_variants() {
    let shown: Vec<String> = Heartbeat::versions().iter().map(ToString::to_string).collect();
    // 1.1 field, 1.2 fields, 1.4 variant, 1.5 nested struct, 1.6 variant removed,
    // 1.7 nested field, 2.0 field removed.
    assert_eq!(shown, ["1.1.0", "1.2.0", "1.4.0", "1.5.0", "1.6.0", "1.7.0", "2.0.0"]);
}

#[test]
fn payloads_at_change_points_between_them_and_at_prereleases() {
    let h = sample(Runner::Docker);
    assert_eq!(payload(&h, "1.0"), json!({ "hosts": 40, "up": 90000 }));
    assert_eq!(
        payload(&h, "1.1.9"),
        json!({ "hosts": 40, "disk_full_percent": 90.0, "up": 90000 })
    );
    // A 1.2 pre-release sends the 1.2 fields; Kubernetes does not exist yet, so its entry
    // is left out of the map.
    assert_eq!(
        payload(&h, "1.2.0-rc.1"),
        json!({
            "hosts": 40,
            "jobs_by_runner": { "shell": 10, "docker": 20, "vm": 5 },
            "main_runner": "docker",
            "disk_full_percent": 90.0,
            "up": 90000
        })
    );
    assert_eq!(
        payload(&h, "1.6"),
        json!({
            "hosts": 40,
            "jobs_by_runner": { "shell": 10, "docker": 20, "kubernetes": 30 },
            "main_runner": "docker",
            "disk": { "used": 41.5 },
            "disk_full_percent": 90.0,
            "up": 90000
        })
    );
    assert_eq!(
        payload(&h, "2.0.0-alpha"),
        json!({
            "hosts": 40,
            "jobs_by_runner": { "shell": 10, "docker": 20, "kubernetes": 30 },
            "main_runner": "docker",
            "disk": { "used": 41.5, "files": 1200 },
            "up": 90000
        })
    );
}

#[test]
fn an_enum_value_that_does_not_exist_yet_is_an_error_naming_it() {
    let h = sample(Runner::Kubernetes);
    let err = serde_json::to_string(&h.at(&v("1.3"))).unwrap_err().to_string();
    assert!(err.contains("Kubernetes"), "{err}");
    assert!(err.contains("1.3.0"), "{err}");
    assert!(err.contains("added in 1.4.0"), "{err}");
    let retired = sample(Runner::Vm);
    let err = serde_json::to_string(&retired.at(&v("1.6"))).unwrap_err().to_string();
    assert!(err.contains("removed in 1.6.0"), "{err}");
    assert!(serde_json::to_string(&h.at(&v("1.4"))).is_ok());
}

#[test]
fn schemas_follow_the_same_gating() {
    let at = |version: &str| serde_json::to_value(Heartbeat::schema_at(&v(version))).unwrap();
    let s13 = at("1.3");
    assert_eq!(s13["$id"], "urn:metrics:heartbeat:1.2.0");
    assert_eq!(s13["$defs"]["runner"]["enum"], json!(["shell", "docker", "vm"]));
    let s16 = at("1.6.3");
    assert_eq!(s16["$id"], "urn:metrics:heartbeat:1.6.0");
    assert_eq!(s16["$defs"]["runner"]["enum"], json!(["shell", "docker", "kubernetes"]));
    assert_eq!(s16["$defs"]["disk"]["required"], json!(["used"]));
    assert_eq!(
        s16["required"],
        json!(["hosts", "jobs_by_runner", "main_runner", "disk", "disk_full_percent", "up"])
    );
    let s2 = at("2.0.0-beta.1");
    assert_eq!(s2["$id"], "urn:metrics:heartbeat:2.0.0");
    assert!(s2["properties"].get("disk_full_percent").is_none());
    assert_eq!(s2["$defs"]["disk"]["required"], json!(["used", "files"]));
    let s0 = at("0.9");
    assert_eq!(s0["$id"], "urn:metrics:heartbeat:baseline");
    assert_eq!(s0["required"], json!(["hosts", "up"]));
}
