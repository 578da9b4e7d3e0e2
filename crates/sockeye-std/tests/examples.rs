//! Runs the server example's self-test within a time limit.

#[path = "../examples/broadcast_server.rs"]
mod broadcast_server;

use std::time::Duration;

#[test]
fn broadcast_server_example() {
    let test = std::thread::spawn(broadcast_server::self_test);
    let started = std::time::Instant::now();
    while !test.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the example did not finish in time"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    test.join().unwrap().expect("the example failed");
}
