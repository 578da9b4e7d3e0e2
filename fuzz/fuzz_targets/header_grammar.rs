//! `parse_extensions` and `parse_protocols` on arbitrary strings. Checks: no
//! panic; a parsed extension list is valid (tokens) and renders with
//! `ExtensionOffer::to_header_value` to text that parses back to the same
//! offers; a parsed protocol list has distinct tokens and round-trips too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::handshake::{parse_extensions, parse_protocols};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(offers) = parse_extensions(&text) {
        assert!(!offers.is_empty());
        for offer in &offers {
            offer.validate().expect("parsed offers are tokens");
        }
        let rendered: Vec<String> = offers.iter().map(|o| o.to_header_value()).collect();
        let again = parse_extensions(&rendered.join(", ")).expect("rendered offers parse");
        assert_eq!(again, offers);
        // Each offer also stands alone.
        for (offer, text) in offers.iter().zip(&rendered) {
            assert_eq!(
                parse_extensions(text).expect("one offer parses"),
                core::slice::from_ref(offer)
            );
        }
    }

    if let Ok(protocols) = parse_protocols(&text) {
        assert!(!protocols.is_empty());
        let mut sorted = protocols.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            protocols.len(),
            "duplicate protocols accepted"
        );
        let again = parse_protocols(&protocols.join(",")).expect("rendered protocols parse");
        assert_eq!(again, protocols);
    }
});
