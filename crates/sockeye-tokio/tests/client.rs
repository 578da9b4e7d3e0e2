//! The tokio client: the cases every async adapter runs
//! (`sockeye-std/tests/support/async_client.rs`) on the tokio runtime.

#[path = "../../sockeye-std/tests/support/mod.rs"]
mod support;
#[path = "../../sockeye-std/tests/support/async_client.rs"]
#[macro_use]
mod async_client;

/// Runs `body` under tokio's timeout: a hung case fails instead of
/// stalling the suite.
async fn bounded<T>(body: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(30), body)
        .await
        .expect("the test did not finish in time")
}

async_client_cases!(tokio::test, sockeye_tokio, "tokio");
