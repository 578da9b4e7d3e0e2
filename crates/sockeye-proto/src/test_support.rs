//! Helpers shared by the unit tests.

use proptest::test_runner::Config;

/// Proptest settings that also work under miri: there, no failure
/// persistence (isolation forbids the file system) and few cases (miri is
/// about a thousand times slower, and does not see `PROPTEST_CASES` unless
/// told to forward it).
pub(crate) fn proptest_config() -> Config {
    if cfg!(miri) {
        Config {
            cases: 8,
            failure_persistence: None,
            ..Config::default()
        }
    } else {
        Config::default()
    }
}
