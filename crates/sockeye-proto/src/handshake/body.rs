//! Collecting the body of a non-101 response (so the client can report, say, a
//! 401 page): `Content-Length`, chunked transfer coding, or until EOF, always
//! bounded by [`MAX_ERROR_BODY`].

use alloc::vec::Vec;

use super::error::HttpSyntax;
use super::headers::{trim_ows, Headers};
use super::MAX_ERROR_BODY;

/// The most bytes of chunk extensions on one chunk-size line, and of trailer
/// fields in total, that are skipped before the body is declared malformed.
const MAX_CHUNK_OVERHEAD: usize = 16 * 1024;

/// How the body of a response is delimited (RFC 7230 §3.3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Framing {
    /// `Content-Length`: this many bytes are still to come.
    Length(u64),
    /// Chunked transfer coding.
    Chunked(Chunk),
    /// No length: the body ends when the connection closes.
    UntilEof,
    /// The body is complete.
    Done,
}

/// Where the chunked decoder stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Chunk {
    /// Reading the hex size; `digits` read so far.
    Size { size: u64, digits: u8 },
    /// Skipping chunk extensions up to the end of the size line.
    SizeLineRest { size: u64, skipped: usize },
    /// Reading chunk data.
    Data(u64),
    /// Expecting the CRLF after chunk data; `cr` when the CR was seen.
    DataEnd { cr: bool },
    /// Skipping trailer fields; `line` bytes of the current line so far.
    Trailer {
        line: usize,
        first: u8,
        skipped: usize,
    },
}

/// Reads a response body into at most [`MAX_ERROR_BODY`] bytes.
#[derive(Clone, Debug)]
pub(crate) struct BodyReader {
    framing: Framing,
    body: Vec<u8>,
}

impl BodyReader {
    /// Chooses the framing from the response headers. `None` when the status
    /// has no body (1xx, 204, 304).
    pub(crate) fn for_response(status: u16, headers: &Headers) -> Result<Option<Self>, HttpSyntax> {
        if status < 200 || status == 204 || status == 304 {
            return Ok(None);
        }
        let framing = if let Some(te) = headers.joined("Transfer-Encoding") {
            let last = te.rsplit(',').next().map(trim_ows).unwrap_or_default();
            if last.eq_ignore_ascii_case("chunked") {
                Framing::Chunked(Chunk::Size { size: 0, digits: 0 })
            } else {
                Framing::UntilEof
            }
        } else if let Some(cl) = headers.joined("Content-Length") {
            Framing::Length(parse_content_length(&cl)?)
        } else {
            Framing::UntilEof
        };
        let mut reader = BodyReader {
            framing,
            body: Vec::new(),
        };
        if reader.framing == Framing::Length(0) {
            reader.framing = Framing::Done;
        }
        Ok(Some(reader))
    }

    /// Takes body bytes. `Ok(true)` once the body is complete or
    /// [`MAX_ERROR_BODY`] bytes have been kept (the rest is not needed).
    pub(crate) fn feed(&mut self, input: &[u8]) -> Result<bool, HttpSyntax> {
        let mut rest = input;
        loop {
            if self.framing == Framing::Done || self.body.len() >= MAX_ERROR_BODY {
                return Ok(true);
            }
            if rest.is_empty() {
                return Ok(false);
            }
            match &mut self.framing {
                Framing::Done => return Ok(true),
                Framing::UntilEof => {
                    rest = self.keep(rest, usize::MAX);
                }
                Framing::Length(remaining) => {
                    let want = usize::try_from(*remaining).unwrap_or(usize::MAX);
                    let before = rest.len();
                    rest = self.keep(rest, want);
                    let took = (before - rest.len()) as u64;
                    match &mut self.framing {
                        Framing::Length(r) if *r <= took => self.framing = Framing::Done,
                        Framing::Length(r) => *r -= took,
                        _ => {}
                    }
                }
                Framing::Chunked(Chunk::Data(remaining)) => {
                    let want = usize::try_from(*remaining).unwrap_or(usize::MAX);
                    let before = rest.len();
                    rest = self.keep(rest, want);
                    let took = (before - rest.len()) as u64;
                    if let Framing::Chunked(Chunk::Data(r)) = &mut self.framing {
                        *r = r.saturating_sub(took);
                        if *r == 0 {
                            self.framing = Framing::Chunked(Chunk::DataEnd { cr: false });
                        }
                    }
                }
                Framing::Chunked(state) => {
                    let Some((&b, tail)) = rest.split_first() else {
                        return Ok(false);
                    };
                    rest = tail;
                    if let Some(next) = chunk_step(state, b)? {
                        self.framing = next;
                    }
                }
            }
        }
    }

    /// Keeps up to `want` bytes of `input` (within the cap); returns the rest.
    fn keep<'a>(&mut self, input: &'a [u8], want: usize) -> &'a [u8] {
        let room = MAX_ERROR_BODY.saturating_sub(self.body.len());
        let n = want.min(room).min(input.len());
        let (taken, rest) = input.split_at(n);
        self.body.extend_from_slice(taken);
        rest
    }

    /// The body collected so far.
    pub(crate) fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Advances the chunked decoder (outside chunk data) by one byte. Returns the
/// new framing when it changes state kind.
fn chunk_step(state: &mut Chunk, b: u8) -> Result<Option<Framing>, HttpSyntax> {
    let malformed = HttpSyntax::Chunked;
    match state {
        Chunk::Size { size, digits } => {
            if let Some(d) = char::from(b).to_digit(16) {
                if *digits >= 15 {
                    return Err(malformed);
                }
                *size = (*size << 4) | u64::from(d);
                *digits += 1;
                Ok(None)
            } else if *digits == 0 {
                Err(malformed)
            } else if matches!(b, b';' | b' ' | b'\t' | b'\r') {
                Ok(Some(Framing::Chunked(Chunk::SizeLineRest {
                    size: *size,
                    skipped: 1,
                })))
            } else if b == b'\n' {
                Ok(Some(end_of_size_line(*size)))
            } else {
                Err(malformed)
            }
        }
        Chunk::SizeLineRest { size, skipped } => {
            if b == b'\n' {
                Ok(Some(end_of_size_line(*size)))
            } else if *skipped >= MAX_CHUNK_OVERHEAD || (b < 0x20 && b != b'\t' && b != b'\r') {
                Err(malformed)
            } else {
                *skipped += 1;
                Ok(None)
            }
        }
        Chunk::DataEnd { cr } => match b {
            b'\r' if !*cr => {
                *cr = true;
                Ok(None)
            }
            b'\n' => Ok(Some(Framing::Chunked(Chunk::Size { size: 0, digits: 0 }))),
            _ => Err(malformed),
        },
        Chunk::Trailer {
            line,
            first,
            skipped,
        } => {
            *skipped += 1;
            if *skipped > MAX_CHUNK_OVERHEAD {
                return Err(malformed);
            }
            if b == b'\n' {
                if *line == 0 || (*line == 1 && *first == b'\r') {
                    return Ok(Some(Framing::Done));
                }
                *line = 0;
            } else {
                if *line == 0 {
                    *first = b;
                }
                *line += 1;
            }
            Ok(None)
        }
        Chunk::Data(_) => Ok(None),
    }
}

/// What follows a chunk-size line: data, or the trailer after the last chunk.
fn end_of_size_line(size: u64) -> Framing {
    if size == 0 {
        Framing::Chunked(Chunk::Trailer {
            line: 0,
            first: 0,
            skipped: 0,
        })
    } else {
        Framing::Chunked(Chunk::Data(size))
    }
}

/// Parses a (possibly repeated or comma-joined) `Content-Length`: every
/// element must be the same decimal number.
fn parse_content_length(value: &str) -> Result<u64, HttpSyntax> {
    let mut found: Option<u64> = None;
    for element in value.split(',') {
        let digits = trim_ows(element);
        if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HttpSyntax::ContentLength);
        }
        let n: u64 = digits.parse().map_err(|_| HttpSyntax::ContentLength)?;
        if found.is_some_and(|f| f != n) {
            return Err(HttpSyntax::ContentLength);
        }
        found = Some(n);
    }
    found.ok_or(HttpSyntax::ContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn reader(headers: &[(&str, &str)]) -> BodyReader {
        let h: Headers = headers.iter().copied().collect();
        BodyReader::for_response(200, &h).unwrap().unwrap()
    }

    #[test]
    fn no_body_statuses() {
        let h = Headers::new();
        for s in [100, 204, 304] {
            assert!(BodyReader::for_response(s, &h).unwrap().is_none());
        }
    }

    #[test]
    fn content_length() {
        let mut r = reader(&[("Content-Length", "5")]);
        assert_eq!(r.feed(b"he"), Ok(false));
        assert_eq!(r.feed(b"llo, extra"), Ok(true));
        assert_eq!(r.into_body(), b"hello");
        let mut r = reader(&[("Content-Length", "0")]);
        assert_eq!(r.feed(b""), Ok(true));
        assert_eq!(parse_content_length("3, 3"), Ok(3));
        assert_eq!(parse_content_length("3, 4"), Err(HttpSyntax::ContentLength));
        assert_eq!(parse_content_length("-1"), Err(HttpSyntax::ContentLength));
        assert_eq!(
            parse_content_length("99999999999999999999"),
            Err(HttpSyntax::ContentLength)
        );
        let h: Headers = [("Content-Length", "x")].into_iter().collect();
        assert!(BodyReader::for_response(401, &h).is_err());
    }

    #[test]
    fn length_beyond_cap_is_cut() {
        let mut r = reader(&[("Content-Length", "1000000")]);
        assert_eq!(r.feed(&vec![7; 70_000]), Ok(true));
        assert_eq!(r.into_body().len(), MAX_ERROR_BODY);
    }

    #[test]
    fn chunked_byte_by_byte_and_at_once() {
        let wire =
            b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n";
        let mut r = reader(&[("Transfer-Encoding", "gzip, chunked")]);
        assert_eq!(r.feed(wire), Ok(true));
        assert_eq!(r.into_body(), b"Wikipedia in\r\n\r\nchunks.");
        let mut r = reader(&[("Transfer-Encoding", "chunked")]);
        let mut done = false;
        for b in wire.iter() {
            assert!(!done);
            done = r.feed(core::slice::from_ref(b)).unwrap();
        }
        assert!(done);
        assert_eq!(r.into_body(), b"Wikipedia in\r\n\r\nchunks.");
        // Bare LF line ends.
        let mut r = reader(&[("Transfer-Encoding", "chunked")]);
        assert_eq!(r.feed(b"3\nabc\n0\n\n"), Ok(true));
        assert_eq!(r.into_body(), b"abc");
    }

    #[test]
    fn chunked_errors_and_cap() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"3\r\nabcX",
            b"1234567890123456\r\n",
            b"3x\r\n",
        ] {
            let mut r = reader(&[("Transfer-Encoding", "chunked")]);
            assert_eq!(r.feed(bad), Err(HttpSyntax::Chunked), "{bad:?}");
        }
        let mut r = reader(&[("Transfer-Encoding", "chunked")]);
        assert_eq!(r.feed(b"fffffff\r\n"), Ok(false));
        assert_eq!(r.feed(&vec![1; 65_000]), Ok(false));
        assert_eq!(r.feed(&vec![1; 1_000]), Ok(true));
        assert_eq!(r.into_body().len(), MAX_ERROR_BODY);
    }

    #[test]
    fn until_eof_and_unknown_coding() {
        let mut r = reader(&[]);
        assert_eq!(r.feed(b"abc"), Ok(false));
        assert_eq!(r.into_body(), b"abc");
        let mut r = reader(&[("Transfer-Encoding", "gzip"), ("Content-Length", "1")]);
        assert_eq!(r.feed(b"abc"), Ok(false));
    }
}
