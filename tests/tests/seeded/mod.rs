//! Proptest runners whose failures can be replayed: each run draws a seed (or takes
//! `PROPTEST_SEED`, 64 hex digits), prints it (cargo shows the output of a failing test)
//! and names it in the failure message, so that `PROPTEST_SEED=<seed> cargo test ...`
//! runs the same cases again, shrinking included.

use std::fmt::Debug;
use std::hash::{BuildHasher, Hasher};

use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

/// A runner of `cases` cases (or the number in the environment variable `cases_var`).
pub struct Seeded {
    pub runner: TestRunner,
    pub seed: String,
}

impl Seeded {
    pub fn new(cases_var: &str, default_cases: u32) -> Self {
        let cases = std::env::var(cases_var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default_cases);
        let seed = match std::env::var("PROPTEST_SEED") {
            Ok(hex) => parse_seed(&hex)
                .unwrap_or_else(|| panic!("PROPTEST_SEED is 64 hex digits, not {hex:?}")),
            Err(_) => random_seed(),
        };
        let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        eprintln!("proptest seed {hex} ({cases} cases): replay with PROPTEST_SEED={hex}");
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        Seeded {
            runner: TestRunner::new_with_rng(
                config,
                TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
            ),
            seed: hex,
        }
    }

    /// Fails with the seed in the message.
    pub fn check<T: Debug>(&self, result: Result<(), TestError<T>>) {
        if let Err(error) = result {
            panic!(
                "{error}\nreplay: PROPTEST_SEED={} cargo test ...",
                self.seed
            );
        }
    }
}

fn parse_seed(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(seed)
}

fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        // `RandomState` is seeded from the operating system's randomness.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    seed
}
