//! The async-std and smol client: the cases every async adapter runs
//! (`sockeye-std/tests/support/async_client.rs`) on the async-std runtime.

#[path = "../../sockeye-std/tests/support/mod.rs"]
mod support;
#[path = "../../sockeye-std/tests/support/async_client.rs"]
#[macro_use]
mod async_client;

/// Runs `body` under async-std's timeout: a hung case fails instead of
/// stalling the suite.
async fn bounded<T>(body: impl std::future::Future<Output = T>) -> T {
    async_std::future::timeout(std::time::Duration::from_secs(30), body)
        .await
        .expect("the test did not finish in time")
}

async_client_cases!(async_std::test, sockeye_async_std, "async-std");
