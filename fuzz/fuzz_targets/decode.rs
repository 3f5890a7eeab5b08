//! Arbitrary bytes into the decoder: it must return violations or a value, never panic,
//! and an accepted payload must serialize back (every variant in it exists at its version).

#![no_main]

use libfuzzer_sys::fuzz_target;
use metrics_core::{Limits, Metrics, Version};
use schema::{UpdateCheck, UsageStatistics};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for version in [Version::new(2, 5, 0), Version::new(3, 4, 0), Version::new(2018, 2, 2)] {
        if let Ok(decoded) = UsageStatistics::decode_with(&version, data, &limits) {
            let bytes = serde_json_bytes(decoded.value(), &version);
            assert!(UsageStatistics::decode(&version, &bytes).is_ok());
        }
    }
    if let Ok(decoded) = UpdateCheck::decode_self_versioned(data, &limits) {
        let bytes = serde_json_bytes(decoded.value(), decoded.version());
        assert!(UpdateCheck::decode_self_versioned(&bytes, &limits).is_ok());
    }
});

fn serde_json_bytes<T: Metrics>(value: &T, version: &Version) -> Vec<u8> {
    serde_json::to_vec(&value.at(version)).expect("an accepted payload serializes")
}
