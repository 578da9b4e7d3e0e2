//! Runs the examples' self-tests, each within a time limit, on async-std
//! and on smol.

#[path = "../examples/broadcast.rs"]
mod broadcast;

mod common;

use common::within;
use std::time::Duration;

#[test]
fn broadcast_example_on_async_std() {
    async_std::task::block_on(async {
        within(Duration::from_secs(30), broadcast::self_test(false))
            .await
            .expect("the example did not finish in time")
            .expect("the example failed");
    });
}

#[test]
fn broadcast_example_on_smol() {
    smol::block_on(async {
        within(Duration::from_secs(30), broadcast::self_test(true))
            .await
            .expect("the example did not finish in time")
            .expect("the example failed");
    });
}
