//! Runs the examples' self-tests within a time limit.

#[path = "../examples/broadcast_server.rs"]
mod broadcast_server;
#[path = "../examples/poll_loop.rs"]
mod poll_loop;

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

/// The poll loop serves every client to its end, including a client served
/// whole during the call that accepted it (it once went uncounted and the
/// example waited for it forever).
#[test]
fn poll_loop_example() {
    for _ in 0..20 {
        poll_loop::run(50).expect("the example failed");
    }
}
