//! Finding the end of an HTTP head incrementally, in linear time and within
//! [`HandshakeLimits`].
//!
//! Each received byte is looked at once: the scanner remembers how far it got
//! and what the current line holds so far, so feeding a head one byte per call
//! costs the same as feeding it at once. `httparse` runs once, on the complete
//! head. (Re-parsing the whole buffer on every call is CVE-2023-43669.)

use alloc::vec;
use alloc::vec::Vec;

use super::error::HandshakeError;

/// Bounds on an HTTP head (request or response) the handshake parsers accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeLimits {
    /// The most bytes the head may take, including the request or status line
    /// and the empty line that ends it. Default 16 KiB. Beyond it the server
    /// answers 431.
    pub max_head_bytes: usize,
    /// The most header fields the head may hold. Default 128. Beyond it the
    /// server answers 431.
    pub max_headers: usize,
}

impl Default for HandshakeLimits {
    /// 16 KiB and 128 headers.
    fn default() -> Self {
        HandshakeLimits {
            max_head_bytes: 16 * 1024,
            max_headers: 128,
        }
    }
}

/// Accumulates a head and finds where it ends (`\r\n\r\n`, or bare `\n\n`).
#[derive(Clone, Debug)]
pub(crate) struct HeadScanner {
    pub(crate) limits: HandshakeLimits,
    buf: Vec<u8>,
    /// Bytes of the current line seen so far (after the last LF).
    line_len: usize,
    /// The first byte of the current line, when `line_len > 0`.
    line_first: u8,
    /// Non-empty lines seen: the request/status line plus header lines.
    lines: usize,
}

impl HeadScanner {
    pub(crate) fn new(limits: HandshakeLimits) -> Self {
        HeadScanner {
            limits,
            buf: Vec::new(),
            line_len: 0,
            line_first: 0,
            lines: 0,
        }
    }

    /// Consumes the head bytes of `input`. `Ok(Some(used))` once the head is
    /// complete: `used` bytes of `input` were part of it and
    /// [`HeadScanner::head`] holds it all. `Ok(None)`: all of `input` was
    /// taken and more is needed.
    pub(crate) fn feed(&mut self, input: &[u8]) -> Result<Option<usize>, HandshakeError> {
        let room = self.limits.max_head_bytes.saturating_sub(self.buf.len());
        let window = input.get(..room).unwrap_or(input);
        let mut i = 0;
        while let Some(rest) = window.get(i..).filter(|r| !r.is_empty()) {
            let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
                if self.line_len == 0 {
                    self.line_first = rest.first().copied().unwrap_or(0);
                }
                self.line_len += rest.len();
                break;
            };
            if self.line_len == 0 {
                self.line_first = rest.first().copied().unwrap_or(0);
            }
            let len = self.line_len + lf;
            let empty = len == 0 || (len == 1 && self.line_first == b'\r');
            self.line_len = 0;
            i += lf + 1;
            if !empty {
                self.lines += 1;
                if self.lines > self.limits.max_headers.saturating_add(1) {
                    return Err(HandshakeError::TooManyHeaders {
                        limit: self.limits.max_headers,
                    });
                }
            } else if self.lines > 0 {
                self.buf
                    .extend_from_slice(window.get(..i).unwrap_or(window));
                return Ok(Some(i));
            }
            // An empty line before the first line is skipped (RFC 7230 §3.5).
        }
        self.buf.extend_from_slice(window);
        if window.len() < input.len() {
            return Err(HandshakeError::HeadTooLarge {
                limit: self.limits.max_head_bytes,
            });
        }
        Ok(None)
    }

    /// The complete head, once [`HeadScanner::feed`] returned `Some`.
    pub(crate) fn head(&self) -> &[u8] {
        &self.buf
    }

    /// Empty header slots for `httparse`, exactly as many as the head has
    /// header lines.
    pub(crate) fn header_slots(&self) -> Vec<httparse::Header<'static>> {
        vec![httparse::EMPTY_HEADER; self.lines.saturating_sub(1)]
    }

    /// Releases the buffer once the head has been parsed.
    pub(crate) fn clear(&mut self) {
        self.buf = Vec::new();
    }

    /// Gets ready for another head (after an interim response), keeping the
    /// buffer's memory.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.line_len = 0;
        self.line_first = 0;
        self.lines = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_at_once(input: &[u8]) -> Result<Option<usize>, HandshakeError> {
        HeadScanner::new(HandshakeLimits::default()).feed(input)
    }

    #[test]
    fn finds_crlf_and_bare_lf_terminators() {
        assert_eq!(
            scan_at_once(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"),
            Ok(Some(24))
        );
        assert_eq!(scan_at_once(b"GET / HTTP/1.1\nA: b\n\nrest"), Ok(Some(21)));
        assert_eq!(scan_at_once(b"GET / HTTP/1.1\r\nA: b\n\r\nx"), Ok(Some(23)));
        assert_eq!(scan_at_once(b"GET / HTTP/1.1\r\nA: b\r\n"), Ok(None));
        assert_eq!(
            scan_at_once(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            Ok(Some(22))
        );
        assert_eq!(scan_at_once(b""), Ok(None));
    }

    #[test]
    fn byte_by_byte_matches() {
        let input = b"\r\nGET / HTTP/1.1\r\nA: b\r\n\r\nrest";
        let mut s = HeadScanner::new(HandshakeLimits::default());
        let mut done = None;
        for (i, b) in input.iter().enumerate() {
            if let Some(used) = s.feed(core::slice::from_ref(b)).unwrap() {
                assert_eq!(used, 1);
                done = Some(i + 1);
                break;
            }
        }
        assert_eq!(done, Some(26));
        assert_eq!(s.head(), &input[..26]);
        assert_eq!(s.header_slots().len(), 1);
    }

    #[test]
    fn limits() {
        let limits = HandshakeLimits {
            max_head_bytes: 10,
            max_headers: 1,
        };
        assert_eq!(HeadScanner::new(limits).feed(b"GET\r\n\r\n"), Ok(Some(7)));
        assert_eq!(HeadScanner::new(limits).feed(b"GET /\r\n\r\n"), Ok(Some(9)));
        assert_eq!(
            HeadScanner::new(limits).feed(b"GET /x\r\n\r\n"),
            Ok(Some(10))
        );
        assert_eq!(
            HeadScanner::new(limits).feed(b"GET /xy\r\n\r\n"),
            Err(HandshakeError::HeadTooLarge { limit: 10 })
        );
        let mut s = HeadScanner::new(limits);
        assert_eq!(s.feed(b"GET /x\r\n\r"), Ok(None));
        assert_eq!(s.feed(b"\nmore"), Ok(Some(1)));
        assert_eq!(
            HeadScanner::new(limits).feed(b"G\na\nb\n"),
            Err(HandshakeError::TooManyHeaders { limit: 1 })
        );
    }
}
