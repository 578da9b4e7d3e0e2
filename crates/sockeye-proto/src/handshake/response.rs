//! Building HTTP responses: the reason-phrase table and error responses.

use alloc::vec::Vec;

use super::error::HandshakeError;
use super::headers::{is_field_value, is_token, write_field, Headers};

/// The standard reason phrase for an HTTP status code (RFC 9110 and the
/// common registered extensions), or `"Unknown"`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

/// Appends `HTTP/1.1 {status} {reason}\r\n`.
pub(crate) fn write_status_line(out: &mut Vec<u8>, status: u16) {
    let mut digits = [b'0'; 3];
    let mut n = status;
    for d in digits.iter_mut().rev() {
        // `n % 10` is below 10, so the cast cannot truncate.
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(&digits);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Checks headers supplied by the caller before they are written: names must
/// be tokens, values free of control characters, and no name may be one of
/// `reserved` (ASCII case-insensitive).
pub(crate) fn check_headers(headers: &Headers, reserved: &[&str]) -> Result<(), HandshakeError> {
    for h in headers {
        if !is_token(&h.name) {
            return Err(HandshakeError::InvalidHeaderName(h.name.clone()));
        }
        if !is_field_value(&h.value) {
            return Err(HandshakeError::InvalidHeaderValue {
                name: h.name.clone(),
            });
        }
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(&h.name)) {
            return Err(HandshakeError::ReservedHeader(h.name.clone()));
        }
    }
    Ok(())
}

/// Headers [`reject_response`] writes itself and therefore drops from the
/// caller's list (they would break the response framing).
const REJECT_RESERVED: [&str; 3] = ["Connection", "Content-Length", "Transfer-Encoding"];

/// Builds an HTTP error response, for a server that refuses an upgrade
/// (e.g. 401 or 403 after looking at the [`Request`](super::Request)).
///
/// Writes the status line with the standard reason phrase ([`reason_phrase`];
/// a status outside 100..=999 is sent as 500), `Connection: close` (with
/// `upgrade` listed too when `headers` has an `Upgrade` field, as RFC 9110
/// §7.8 requires: the 426 of a version mismatch),
/// `Content-Length`, then `headers` in order, then `body`. Send it and close
/// the connection. Because this cannot fail, caller headers that could corrupt
/// the response are left out: names that are not tokens, values with control
/// characters (CR, LF, NUL...), and `Connection`, `Content-Length` and
/// `Transfer-Encoding` (written here).
pub fn reject_response(status: u16, headers: &Headers, body: &[u8]) -> Vec<u8> {
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    let mut out = Vec::with_capacity(128 + body.len());
    write_status_line(&mut out, status);
    let upgrade = headers.get_all("Upgrade").any(is_field_value);
    let connection = if upgrade { "Upgrade, close" } else { "close" };
    write_field(&mut out, "Connection", connection);
    let mut len_buf = [0u8; 20];
    write_field(
        &mut out,
        "Content-Length",
        format_usize(body.len(), &mut len_buf),
    );
    for h in headers {
        let reserved = REJECT_RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&h.name));
        if !reserved && is_token(&h.name) && is_field_value(&h.value) {
            write_field(&mut out, &h.name, &h.value);
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Formats `n` in decimal into `buf` without allocating.
fn format_usize(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(d) = buf.get_mut(start) {
            // `n % 10` is below 10, so the cast cannot truncate.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    buf.get(start..)
        .and_then(|digits| core::str::from_utf8(digits).ok())
        .unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> &str {
        core::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn reject_has_framing_and_extra_headers() {
        let mut h = Headers::new();
        h.push("WWW-Authenticate", "Basic realm=\"ws\"");
        let r = reject_response(401, &h, b"no");
        assert_eq!(
            text(&r),
            "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 2\r\n\
             WWW-Authenticate: Basic realm=\"ws\"\r\n\r\nno"
        );
        let r = reject_response(599, &Headers::new(), b"");
        assert!(text(&r).starts_with("HTTP/1.1 599 Unknown\r\n"));
        let r = reject_response(7, &Headers::new(), b"");
        assert!(text(&r).starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
        let r = reject_response(404, &Headers::new(), &[b'x'; 12345]);
        assert!(text(&r).contains("Content-Length: 12345\r\n"));
    }

    #[test]
    fn reject_drops_dangerous_headers() {
        let mut h = Headers::new();
        h.push("X-Evil", "a\r\nSet-Cookie: x=1");
        h.push("Bad Name", "v");
        h.push("content-length", "99");
        h.push("Connection", "keep-alive");
        h.push("X-Ok", "fine");
        let r = reject_response(403, &h, b"");
        assert_eq!(
            text(&r),
            "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\nX-Ok: fine\r\n\r\n"
        );
    }

    #[test]
    fn format_numbers() {
        let mut b = [0; 20];
        assert_eq!(format_usize(0, &mut b), "0");
        assert_eq!(
            format_usize(usize::MAX, &mut b),
            alloc::format!("{}", usize::MAX)
        );
    }
}
