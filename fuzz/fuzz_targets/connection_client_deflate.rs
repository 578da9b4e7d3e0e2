//! `connection_client` with permessage-deflate: the first byte picks the
//! parameters (`sockeye_fuzz::ConnSetup::with_deflate`); an open connection
//! has them installed on both ends, one from the handshake negotiates them
//! with the server's answer to our offer. Compressed echoes must inflate at the peer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_fuzz::{split, ConnSetup, Harness};
use sockeye_proto::Role;

fuzz_target!(|input: &[u8]| {
    let [deflate, flags, control, rest @ ..] = input else {
        return;
    };
    let setup = ConnSetup::from_bytes(*flags, *control).with_deflate(*deflate);
    let mut harness = Harness::new(Role::Client, setup);
    harness.run(split(rest));
});
