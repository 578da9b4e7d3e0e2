//! Payloads and their digests (kind, length, SHA-1), compared across
//! processes instead of the bytes themselves.

use serde_json::Value;
use sockeye_std::Message;

/// What a data message was: kind, length and SHA-1, as the peers print it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    /// `"text"` or `"binary"`.
    pub kind: String,
    /// Length in bytes (UTF-8 for text).
    pub len: usize,
    /// Lower-case hex SHA-1 of the bytes.
    pub sha1: String,
}

impl Digest {
    /// The digest of some bytes.
    pub fn new(kind: &str, data: &[u8]) -> Digest {
        Digest {
            kind: kind.into(),
            len: data.len(),
            sha1: sha1_smol::Sha1::from(data).digest().to_string(),
        }
    }

    /// The digest of a data message (`None` for control messages).
    pub fn of(message: &Message) -> Option<Digest> {
        match message {
            Message::Text(t) => Some(Digest::new("text", t.as_bytes())),
            Message::Binary(b) => Some(Digest::new("binary", b)),
            _ => None,
        }
    }

    /// Parses `{"kind", "len", "sha1"}`.
    pub fn from_json(v: &Value) -> Digest {
        Digest {
            kind: v["kind"].as_str().expect("digest kind").into(),
            len: v["len"].as_u64().expect("digest len") as usize,
            sha1: v["sha1"].as_str().expect("digest sha1").into(),
        }
    }

    /// Parses a JSON array of digests (missing: empty).
    pub fn list(v: &Value) -> Vec<Digest> {
        v.as_array()
            .map(|a| a.iter().map(Digest::from_json).collect())
            .unwrap_or_default()
    }
}

/// Text payloads: ASCII, multi-byte code points (1 to 4 bytes), and large
/// ones, up to 16 MiB of UTF-8. The same set as the peers send.
pub fn texts() -> Vec<String> {
    let unit = "sockeye ✓ héllo 🦀 ";
    let big = |n: usize| unit.repeat(n / unit.len()) + &"x".repeat(n % unit.len());
    vec![
        String::new(),
        "hello".into(),
        "héllo wörld ✓ 🦀".into(),
        big(70_000),
        big(1 << 20),
        big(16 << 20),
    ]
}

/// Binary payloads at every frame-length encoding boundary, up to 16 MiB,
/// filled with a pseudo-random (xorshift) pattern.
pub fn binaries() -> Vec<Vec<u8>> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    [0, 1, 125, 126, 127, 65_535, 65_536, 1 << 20, 16 << 20]
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        })
        .collect()
}
