//! Helpers shared by the unit tests.

use proptest::test_runner::Config;

/// Proptest settings that also work under miri: there, no failure
/// persistence (isolation forbids the file system) and at most 8 cases
/// (miri is about a thousand times slower; `PROPTEST_CASES` may ask for
/// fewer when miri forwards the environment).
pub(crate) fn proptest_config() -> Config {
    if cfg!(miri) {
        let default = Config::default();
        Config {
            cases: default.cases.min(8),
            failure_persistence: None,
            ..default
        }
    } else {
        Config::default()
    }
}
