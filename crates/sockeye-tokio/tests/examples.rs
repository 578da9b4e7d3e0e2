//! Runs every example's self-test, each within a time limit.

#[path = "../examples/auth.rs"]
mod auth;
#[path = "../examples/binary_data.rs"]
mod binary_data;
#[path = "../examples/broadcast.rs"]
mod broadcast;
#[path = "../examples/client_ip.rs"]
mod client_ip;
#[path = "../examples/graceful_shutdown.rs"]
mod graceful_shutdown;
#[path = "../examples/heartbeat_client.rs"]
mod heartbeat_client;
#[path = "../examples/heartbeat_server.rs"]
mod heartbeat_server;
#[path = "../examples/multiple_paths.rs"]
mod multiple_paths;
#[path = "../examples/stream_copy.rs"]
mod stream_copy;

use std::future::Future;
use std::time::Duration;

async fn bounded(test: impl Future<Output = sockeye_tokio::Result<()>>) {
    tokio::time::timeout(Duration::from_secs(30), test)
        .await
        .expect("the example did not finish in time")
        .expect("the example failed");
}

#[tokio::test]
async fn auth_example() {
    bounded(auth::self_test()).await;
}

#[tokio::test]
async fn binary_data_example() {
    bounded(binary_data::self_test()).await;
}

#[tokio::test]
async fn broadcast_example() {
    bounded(broadcast::self_test()).await;
}

#[tokio::test]
async fn client_ip_example() {
    bounded(client_ip::self_test()).await;
}

#[tokio::test]
async fn graceful_shutdown_example() {
    bounded(graceful_shutdown::self_test()).await;
}

#[tokio::test]
async fn heartbeat_client_example() {
    bounded(heartbeat_client::self_test()).await;
}

#[tokio::test]
async fn heartbeat_server_example() {
    bounded(heartbeat_server::self_test()).await;
}

#[tokio::test]
async fn multiple_paths_example() {
    bounded(multiple_paths::self_test()).await;
}

#[tokio::test]
async fn stream_copy_example() {
    bounded(stream_copy::self_test()).await;
}
