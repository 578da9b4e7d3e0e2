//! permessage-deflate round trip: messages (the chunks of the input, see
//! `sockeye_fuzz::split`) compressed by one end's `PerMessageDeflate` (sent
//! whole or in two pieces) and inflated by the other end's, with the agreed
//! parameters, level and threshold from the first two bytes. Checks: every
//! message comes back byte for byte, with context takeover across messages
//! or without; inflating under a limit of exactly the message size works,
//! one byte less fails with `TooBig`; the stored level (0) adds no more
//! than block overhead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::deflate::{DeflateConfig, DeflateParams, PerMessageDeflate};
use sockeye_proto::extension::{Extension, ExtensionError};
use sockeye_proto::{BytesMut, Role};

fuzz_target!(|input: &[u8]| {
    let [params, tuning, rest @ ..] = input else {
        return;
    };
    let params = DeflateParams {
        server_no_context_takeover: params & 1 != 0,
        client_no_context_takeover: params & 2 != 0,
        server_max_window_bits: 8 + ((params >> 2) & 7),
        client_max_window_bits: 8 + ((params >> 5) & 7),
    };
    let config = DeflateConfig::default()
        .level(tuning % 10)
        .threshold(usize::from(tuning >> 4));
    // The sender is the client or the server (their windows differ).
    let (sender_role, receiver_role) = if tuning & 8 == 0 {
        (Role::Client, Role::Server)
    } else {
        (Role::Server, Role::Client)
    };
    let mut sender = PerMessageDeflate::new(sender_role, params, &config);
    let mut receiver = PerMessageDeflate::new(receiver_role, params, &config);
    let mut exact = PerMessageDeflate::new(receiver_role, params, &config);
    let mut first = true;

    let split = sockeye_fuzz::split(rest);
    for (i, message) in split.chunks().enumerate() {
        let Some(rsv) = sender.begin_encode(message.len(), true) else {
            assert!(message.len() < config.threshold);
            continue;
        };
        let mut wire = BytesMut::new();
        let pieces: [&[u8]; 2] = if i % 2 == 0 {
            [message, &[]]
        } else {
            let (a, b) = message.split_at(message.len() / 2);
            [a, b]
        };
        sender.encode(pieces[0], false, &mut wire).expect("encode");
        sender.encode(pieces[1], true, &mut wire).expect("encode");
        if config.level == 0 {
            // Stored blocks: a few bytes of header per block, a block at
            // least every 256 bytes (the smallest window), and the flushes.
            assert!(wire.len() <= message.len() + 16 * (message.len() / 256 + 2));
        }

        // Inflate in two pieces of the wire, split where the data says.
        let cut = wire.len() * usize::from(message.first().copied().unwrap_or(0)) / 256;
        let decode = |ext: &mut PerMessageDeflate, limit: usize| {
            assert!(ext.begin_decode(rsv));
            let mut out = BytesMut::new();
            ext.decode(&wire[..cut], false, &mut out, limit)?;
            ext.decode(&wire[cut..], true, &mut out, limit)?;
            Ok::<_, ExtensionError>(out)
        };
        let out = decode(&mut receiver, usize::MAX).expect("our own output inflates");
        assert_eq!(
            &out[..],
            message,
            "message {i} differs after the round trip"
        );
        let out = decode(&mut exact, message.len()).expect("exactly the limit");
        assert_eq!(&out[..], message);
        // One byte short of the message fails with TooBig. A fresh inflater
        // decodes the message only if it needs no earlier history: the
        // first one, or any when the sender keeps no context.
        let sender_resets = match sender_role {
            Role::Client => params.client_no_context_takeover,
            Role::Server => params.server_no_context_takeover,
        };
        if !message.is_empty() && (first || sender_resets) {
            let mut short = PerMessageDeflate::new(receiver_role, params, &config);
            assert_eq!(
                decode(&mut short, message.len() - 1),
                Err(ExtensionError::TooBig)
            );
        }
        first = false;
    }
});
