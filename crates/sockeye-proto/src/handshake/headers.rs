//! HTTP header fields: an ordered list with case-insensitive lookup, and the
//! byte-level rules (tokens, field values) the rest of the handshake shares.

use alloc::string::String;
use alloc::vec::Vec;

/// One header field as received or to be sent.
///
/// Received values that are not UTF-8 are decoded byte-per-char (latin-1), as
/// Node.js does, so no byte is lost; surrounding spaces and tabs are removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The field name, with the case the peer (or caller) used.
    pub name: String,
    /// The field value.
    pub value: String,
}

/// An ordered list of header fields with case-insensitive lookup by name.
///
/// Used for received headers ([`Request::headers`](super::Request::headers),
/// [`Response::headers`](super::Response::headers)) and for headers the caller
/// wants to send. Repeated names are kept as separate entries, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    list: Vec<Header>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Headers { list: Vec::new() }
    }

    /// Appends a field (an existing field with the same name is kept).
    ///
    /// Nothing is validated here; the functions that put headers on the wire
    /// reject names that are not tokens and values containing CR, LF or NUL.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.list.push(Header {
            name: name.into(),
            value: value.into(),
        });
    }

    /// Appends a field whose value arrived as raw bytes, decoded as the
    /// handshake parsers decode them: UTF-8 when it is, else one char per
    /// byte (latin-1), without surrounding spaces and tabs.
    pub fn push_bytes(&mut self, name: impl Into<String>, value: &[u8]) {
        self.push(name, decode_value(value));
    }

    /// The value of the first field called `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The values of every field called `name` (ASCII case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.list
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.list.iter()
    }

    /// How many fields the list holds (repeated names count separately).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the list holds no field.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether any field called `name` lists `token` in its comma-separated
    /// value, comparing ASCII case-insensitively and ignoring spaces and tabs
    /// around elements. `Connection: keep-alive, Upgrade` contains `upgrade`.
    pub fn contains_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name).any(|value| {
            value
                .split(',')
                .any(|element| trim_ows(element).eq_ignore_ascii_case(token))
        })
    }

    /// All values of `name` joined with `", "` (the combined field value of
    /// RFC 7230 §3.2.2), or `None` when the field is absent.
    pub(crate) fn joined(&self, name: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for value in self.get_all(name) {
            match out.as_mut() {
                None => out = Some(String::from(value)),
                Some(s) => {
                    s.push_str(", ");
                    s.push_str(value);
                }
            }
        }
        out
    }

    /// How many fields are called `name`.
    pub(crate) fn count(&self, name: &str) -> usize {
        self.get_all(name).count()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = core::slice::Iter<'a, Header>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.push(name, value);
        }
        headers
    }
}

/// RFC 7230 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// RFC 7230 `token`: one or more `tchar`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Whether `value` may be sent as a header field value: no control
/// characters other than horizontal tab (so no CR, LF or NUL).
pub(crate) fn is_field_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Removes RFC 7230 optional whitespace (spaces and tabs) at both ends.
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// Decodes a received field value: UTF-8 when it is, else one char per byte
/// (latin-1). Linear in the length of the value.
pub(crate) fn decode_value(bytes: &[u8]) -> String {
    let text = match core::str::from_utf8(bytes) {
        Ok(s) => String::from(s),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    match trim_ows(&text).len() == text.len() {
        true => text,
        false => String::from(trim_ows(&text)),
    }
}

/// Appends `name: value\r\n`.
pub(crate) fn write_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let mut h = Headers::new();
        h.push("X-A", "1");
        h.push("x-a", "2");
        h.push("__proto__", "constructor");
        assert_eq!(h.get("X-a"), Some("1"));
        assert_eq!(h.get_all("x-A").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(h.get("__PROTO__"), Some("constructor"));
        assert_eq!(h.get("constructor"), None);
        assert_eq!(h.len(), 3);
        assert!(!h.is_empty());
        assert_eq!(h.joined("x-a").as_deref(), Some("1, 2"));
        assert_eq!(h.count("X-A"), 2);
        assert_eq!(h.iter().count(), 3);
    }

    #[test]
    fn contains_token_splits_lists_across_fields() {
        let mut h = Headers::new();
        h.push("Connection", "keep-alive");
        h.push("connection", " keep-alive ,\tUpgrade ");
        assert!(h.contains_token("CONNECTION", "upgrade"));
        assert!(!h.contains_token("Connection", "close"));
        assert!(!h.contains_token("Upgrade", "websocket"));
        let mut h = Headers::new();
        h.push("Connection", "upgrade-insecure");
        assert!(!h.contains_token("connection", "upgrade"));
    }

    #[test]
    fn values_decode_latin1_when_not_utf8() {
        assert_eq!(decode_value(b"caf\xc3\xa9"), "caf\u{e9}");
        assert_eq!(decode_value(b"caf\xe9"), "caf\u{e9}");
        assert_eq!(decode_value(b"\xff\xfe"), "\u{ff}\u{fe}");
        assert_eq!(decode_value(b" \tx\t "), "x");
    }

    #[test]
    fn token_and_value_rules() {
        assert!(is_token("permessage-deflate"));
        assert!(is_token("__proto__"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a\"b"));
        assert!(is_field_value("a\tb \u{e9}"));
        assert!(!is_field_value("a\r\nb"));
        assert!(!is_field_value("a\0"));
    }
}
