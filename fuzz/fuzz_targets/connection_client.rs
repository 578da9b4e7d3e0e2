//! A client `Connection` (already open, or from the opening handshake; see
//! `sockeye_fuzz::ConnSetup` for the two leading bytes) fed arbitrary bytes
//! in arbitrary chunks. The invariants are checked by `sockeye_fuzz::Harness`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_fuzz::{split, ConnSetup, Harness};
use sockeye_proto::Role;

fuzz_target!(|input: &[u8]| {
    let [flags, control, rest @ ..] = input else {
        return;
    };
    let mut harness = Harness::new(Role::Client, ConnSetup::from_bytes(*flags, *control));
    harness.run(split(rest));
});
