//! The grammar of `Sec-WebSocket-Extensions` (RFC 6455 §9.1 with the RFC 7230
//! list, token and quoted-string rules) and `Sec-WebSocket-Protocol`.
//!
//! Both parsers make one pass over the value, never recurse and never
//! backtrack.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::headers::{is_tchar, is_token};

/// One entry of `Sec-WebSocket-Extensions`: `name; p1; p2=value`.
///
/// Clients build offers with [`ExtensionOffer::new`] and
/// [`ExtensionOffer::param`]; servers receive them parsed in
/// [`Request::extensions`](super::Request::extensions) and answer with the
/// accepted ones. Parameter values are kept unescaped (a quoted `"10"` is `10`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionOffer {
    /// The extension name, e.g. `permessage-deflate`.
    pub name: String,
    /// The parameters in order: name and optional value.
    pub params: Vec<(String, Option<String>)>,
}

impl ExtensionOffer {
    /// An offer of the extension `name` without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        ExtensionOffer {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter (`value: None` for a bare `name`), builder-style.
    pub fn param(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        self.params.push((name.into(), value.map(String::from)));
        self
    }

    /// The value of the first parameter called `name` (ASCII case-insensitive):
    /// `None` if absent, `Some(None)` if present without a value.
    pub fn get_param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Renders the offer as header text, e.g.
    /// `permessage-deflate; client_max_window_bits=10`.
    ///
    /// Values that are not tokens are written as quoted strings with `"` and
    /// `\` escaped. Call [`ExtensionOffer::validate`] first when the text must
    /// parse back (the handshake encoders do).
    pub fn to_header_value(&self) -> String {
        let mut out = String::with_capacity(self.name.len() + 16 * self.params.len());
        out.push_str(&self.name);
        for (name, value) in &self.params {
            out.push_str("; ");
            out.push_str(name);
            if let Some(value) = value {
                out.push('=');
                if is_token(value) {
                    out.push_str(value);
                } else {
                    out.push('"');
                    for c in value.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                }
            }
        }
        out
    }

    /// Checks that the name, every parameter name and every parameter value
    /// are RFC 7230 tokens, as RFC 6455 §9.1 requires, so that
    /// [`ExtensionOffer::to_header_value`] parses back to the same offer.
    pub fn validate(&self) -> Result<(), HeaderError> {
        let names = core::iter::once(&self.name).chain(self.params.iter().map(|(n, _)| n));
        let values = self.params.iter().filter_map(|(_, v)| v.as_ref());
        match names.chain(values).find(|s| !is_token(s)) {
            Some(bad) => Err(HeaderError::InvalidToken(bad.clone())),
            None => Ok(()),
        }
    }
}

/// What a header grammar parser expected where it failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// An extension name (a token).
    ExtensionName,
    /// A parameter name (a token) after `;`.
    ParamName,
    /// A parameter value (a token or a quoted string) after `=`.
    ParamValue,
    /// `;`, `,` or the end of the value, after an extension or parameter.
    SemicolonCommaOrEnd,
    /// A subprotocol name (a token).
    Protocol,
    /// `,` or the end of the value, after a subprotocol.
    CommaOrEnd,
    /// Quoted-string text (no control characters) or the closing `"`.
    QuotedText,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::ExtensionName => "an extension name (a token)",
            Expected::ParamName => "a parameter name (a token) after ';'",
            Expected::ParamValue => "a parameter value (a token or a quoted string) after '='",
            Expected::SemicolonCommaOrEnd => "';', ',' or the end of the value",
            Expected::Protocol => "a subprotocol name (a token)",
            Expected::CommaOrEnd => "',' or the end of the value",
            Expected::QuotedText => "quoted-string text or a closing '\"'",
        })
    }
}

/// An error in the grammar of a `Sec-WebSocket-Extensions` or
/// `Sec-WebSocket-Protocol` value. Positions are byte offsets into the value.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The value lists no element at all (it is empty, or only commas and
    /// whitespace), though the header requires at least one.
    Empty,
    /// A character that the grammar does not allow at `pos`.
    UnexpectedChar {
        /// Byte offset of the character.
        pos: usize,
        /// The character found.
        ch: char,
        /// What would have been valid there.
        expected: Expected,
    },
    /// The value ended where more was required.
    UnexpectedEnd {
        /// Byte offset of the end (the length of the value).
        pos: usize,
        /// What was still required.
        expected: Expected,
    },
    /// A quoted string opened at `pos` is never closed.
    UnterminatedQuote {
        /// Byte offset of the opening `"`.
        pos: usize,
    },
    /// The quoted string at `pos` does not hold a token once unescaped
    /// (RFC 6455 §9.1 requires extension parameter values to be tokens).
    QuotedValueNotToken {
        /// Byte offset of the opening `"`.
        pos: usize,
    },
    /// The subprotocol is listed twice.
    DuplicateProtocol(String),
    /// A name or value to be sent is not an RFC 7230 token.
    InvalidToken(String),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Empty => {
                f.write_str("the header value lists no element; send at least one")
            }
            HeaderError::UnexpectedChar { pos, ch, expected } => {
                write!(
                    f,
                    "unexpected character {ch:?} at byte {pos}; expected {expected}"
                )
            }
            HeaderError::UnexpectedEnd { pos, expected } => {
                write!(
                    f,
                    "the header value ends at byte {pos}; expected {expected}"
                )
            }
            HeaderError::UnterminatedQuote { pos } => {
                write!(f, "the quoted string opened at byte {pos} is never closed")
            }
            HeaderError::QuotedValueNotToken { pos } => write!(
                f,
                "the quoted string at byte {pos} is not a token once unescaped (RFC 6455 §9.1)"
            ),
            HeaderError::DuplicateProtocol(p) => {
                write!(f, "the subprotocol {p:?} is listed more than once")
            }
            HeaderError::InvalidToken(s) => {
                write!(
                    f,
                    "{s:?} is not an RFC 7230 token (letters, digits and !#$%&'*+-.^_`|~)"
                )
            }
        }
    }
}

impl core::error::Error for HeaderError {}

/// A cursor over the bytes of a header value.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Moves to the start of the next element of a comma-separated list,
    /// past whitespace and empty elements (RFC 7230 §7); false at the end.
    fn next_element(&mut self) -> bool {
        loop {
            self.skip_ows();
            match self.peek() {
                None => return false,
                Some(b',') => self.pos += 1,
                Some(_) => return true,
            }
        }
    }

    /// The error for the byte at the cursor (or the end) when `expected` was wanted.
    fn unexpected(&self, expected: Expected) -> HeaderError {
        // The cursor only ever stops after ASCII bytes, so `pos` is a char boundary.
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(ch) => HeaderError::UnexpectedChar {
                pos: self.pos,
                ch,
                expected,
            },
            None => HeaderError::UnexpectedEnd {
                pos: self.pos,
                expected,
            },
        }
    }

    /// Consumes a non-empty run of `tchar`.
    fn token(&mut self, expected: Expected) -> Result<&'a str, HeaderError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            Some(token) if !token.is_empty() => Ok(token),
            _ => Err(self.unexpected(expected)),
        }
    }

    /// Consumes a quoted string (cursor on the opening `"`) and returns its
    /// unescaped content, which must be a token.
    fn quoted_token(&mut self) -> Result<String, HeaderError> {
        let open = self.pos;
        self.pos += 1;
        let mut content = String::new();
        let mut is_token = true;
        loop {
            let Some(b) = self.peek() else {
                return Err(HeaderError::UnterminatedQuote { pos: open });
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek() {
                        None => return Err(HeaderError::UnterminatedQuote { pos: open }),
                        Some(e) if e == b'\t' || (b' '..=b'~').contains(&e) => {
                            is_token &= is_tchar(e);
                            content.push(char::from(e));
                            self.pos += 1;
                        }
                        // obs-text may be escaped, but can never be part of a token.
                        Some(e) if e >= 0x80 => {
                            is_token = false;
                            self.pos += 1;
                        }
                        Some(_) => return Err(self.unexpected(Expected::QuotedText)),
                    }
                }
                b'\t' | b' '..=b'~' => {
                    is_token &= is_tchar(b);
                    content.push(char::from(b));
                    self.pos += 1;
                }
                // obs-text (non-ASCII) is allowed in quoted strings but not in tokens.
                0x80..=0xff => {
                    is_token = false;
                    self.pos += 1;
                }
                _ => return Err(self.unexpected(Expected::QuotedText)),
            }
        }
        if is_token && !content.is_empty() {
            Ok(content)
        } else {
            Err(HeaderError::QuotedValueNotToken { pos: open })
        }
    }
}

/// Parses a `Sec-WebSocket-Extensions` value into its offers, in order.
///
/// Grammar: RFC 6455 §9.1 with RFC 7230 tokens and quoted strings (backslash
/// escapes), optional whitespace around `,`, `;` and `=`, and empty list
/// elements between commas skipped (RFC 7230 §7). A quoted value must be a
/// token once unescaped. A value without any element is [`HeaderError::Empty`].
/// One pass, linear time. Servers get offers parsed in
/// [`Request::extensions`](super::Request::extensions); call this directly
/// only for headers obtained elsewhere.
pub fn parse_extensions(value: &str) -> Result<Vec<ExtensionOffer>, HeaderError> {
    let mut cur = Cursor::new(value);
    let mut offers = Vec::new();
    while cur.next_element() {
        let mut offer = ExtensionOffer::new(cur.token(Expected::ExtensionName)?);
        loop {
            cur.skip_ows();
            match cur.peek() {
                None => break,
                Some(b',') => {
                    cur.pos += 1;
                    break;
                }
                Some(b';') => {
                    cur.pos += 1;
                    cur.skip_ows();
                    let name = cur.token(Expected::ParamName)?;
                    cur.skip_ows();
                    let value = if cur.peek() == Some(b'=') {
                        cur.pos += 1;
                        cur.skip_ows();
                        Some(match cur.peek() {
                            Some(b'"') => cur.quoted_token()?,
                            _ => String::from(cur.token(Expected::ParamValue)?),
                        })
                    } else {
                        None
                    };
                    offer.params.push((String::from(name), value));
                }
                Some(_) => return Err(cur.unexpected(Expected::SemicolonCommaOrEnd)),
            }
        }
        offers.push(offer);
    }
    if offers.is_empty() {
        Err(HeaderError::Empty)
    } else {
        Ok(offers)
    }
}

/// Parses a `Sec-WebSocket-Protocol` value: comma-separated tokens, optional
/// whitespace around commas, empty elements skipped.
///
/// A subprotocol listed twice is [`HeaderError::DuplicateProtocol`] (names are
/// case-sensitive); a value without any element is [`HeaderError::Empty`].
/// One pass; the duplicate check is `O(n log n)` at worst.
pub fn parse_protocols(value: &str) -> Result<Vec<String>, HeaderError> {
    let mut cur = Cursor::new(value);
    let mut seen = BTreeSet::new();
    let mut protocols = Vec::new();
    while cur.next_element() {
        let protocol = cur.token(Expected::Protocol)?;
        if !seen.insert(protocol) {
            return Err(HeaderError::DuplicateProtocol(String::from(protocol)));
        }
        protocols.push(String::from(protocol));
        cur.skip_ows();
        match cur.peek() {
            None => break,
            Some(b',') => cur.pos += 1,
            Some(_) => return Err(cur.unexpected(Expected::CommaOrEnd)),
        }
    }
    if protocols.is_empty() {
        Err(HeaderError::Empty)
    } else {
        Ok(protocols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn offer(name: &str, params: &[(&str, Option<&str>)]) -> ExtensionOffer {
        params
            .iter()
            .fold(ExtensionOffer::new(name), |o, (n, v)| o.param(*n, *v))
    }

    #[test]
    fn permessage_deflate_offers() {
        let got = parse_extensions(
            "permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=\"10\"",
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                offer("permessage-deflate", &[("client_max_window_bits", None)]),
                offer(
                    "permessage-deflate",
                    &[("server_max_window_bits", Some("10"))]
                ),
            ]
        );
        let got = parse_extensions(
            "permessage-deflate;server_no_context_takeover ;\tclient_max_window_bits = 15 ,x-foo",
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                offer(
                    "permessage-deflate",
                    &[
                        ("server_no_context_takeover", None),
                        ("client_max_window_bits", Some("15"))
                    ]
                ),
                offer("x-foo", &[]),
            ]
        );
    }

    #[test]
    fn quoted_strings_with_escapes() {
        let got = parse_extensions(r#"foo; a="\b\a\r"; b="1""#).unwrap();
        assert_eq!(
            got,
            vec![offer("foo", &[("a", Some("bar")), ("b", Some("1"))])]
        );
        // Escaped characters must still form a token once unescaped.
        assert_eq!(
            parse_extensions(r#"foo; a="b\"c""#),
            Err(HeaderError::QuotedValueNotToken { pos: 7 })
        );
        assert_eq!(
            parse_extensions(r#"foo; a="b c""#),
            Err(HeaderError::QuotedValueNotToken { pos: 7 })
        );
        assert_eq!(
            parse_extensions(r#"foo; a="""#),
            Err(HeaderError::QuotedValueNotToken { pos: 7 })
        );
        assert_eq!(
            parse_extensions("foo; a=\"caf\u{e9}\""),
            Err(HeaderError::QuotedValueNotToken { pos: 7 })
        );
        assert_eq!(
            parse_extensions(r#"foo; a="bar"#),
            Err(HeaderError::UnterminatedQuote { pos: 7 })
        );
        assert_eq!(
            parse_extensions(r#"foo; a="bar\"#),
            Err(HeaderError::UnterminatedQuote { pos: 7 })
        );
        assert_eq!(
            parse_extensions("foo; a=\"b\r\""),
            Err(HeaderError::UnexpectedChar {
                pos: 9,
                ch: '\r',
                expected: Expected::QuotedText
            })
        );
    }

    #[test]
    fn errors_carry_positions() {
        assert_eq!(parse_extensions(""), Err(HeaderError::Empty));
        assert_eq!(parse_extensions(" , ,\t"), Err(HeaderError::Empty));
        assert_eq!(
            parse_extensions("foo;"),
            Err(HeaderError::UnexpectedEnd {
                pos: 4,
                expected: Expected::ParamName
            })
        );
        assert_eq!(
            parse_extensions("foo; a="),
            Err(HeaderError::UnexpectedEnd {
                pos: 7,
                expected: Expected::ParamValue
            })
        );
        assert_eq!(
            parse_extensions("foo bar"),
            Err(HeaderError::UnexpectedChar {
                pos: 4,
                ch: 'b',
                expected: Expected::SemicolonCommaOrEnd
            })
        );
        assert_eq!(
            parse_extensions("foo, ;a"),
            Err(HeaderError::UnexpectedChar {
                pos: 5,
                ch: ';',
                expected: Expected::ExtensionName
            })
        );
        assert_eq!(
            parse_extensions("foo; a=b=c"),
            Err(HeaderError::UnexpectedChar {
                pos: 8,
                ch: '=',
                expected: Expected::SemicolonCommaOrEnd
            })
        );
        assert_eq!(
            parse_extensions("f\u{e9}"),
            Err(HeaderError::UnexpectedChar {
                pos: 1,
                ch: '\u{e9}',
                expected: Expected::SemicolonCommaOrEnd
            })
        );
        let msg = parse_extensions("foo bar").unwrap_err().to_string();
        assert!(msg.contains("byte 4"), "{msg}");
    }

    #[test]
    fn empty_elements_are_skipped() {
        let got = parse_extensions(",, a ,,\t, b;x ,").unwrap();
        assert_eq!(got, vec![offer("a", &[]), offer("b", &[("x", None)])]);
        assert_eq!(
            parse_protocols(" ,chat, ,superchat,").unwrap(),
            ["chat", "superchat"]
        );
    }

    #[test]
    fn proto_names_are_plain_strings() {
        let got = parse_extensions("__proto__; constructor=hasOwnProperty, toString").unwrap();
        assert_eq!(
            got,
            vec![
                offer("__proto__", &[("constructor", Some("hasOwnProperty"))]),
                offer("toString", &[]),
            ]
        );
        assert_eq!(
            parse_protocols("__proto__, constructor").unwrap(),
            ["__proto__", "constructor"]
        );
    }

    #[test]
    fn protocols() {
        assert_eq!(parse_protocols("chat").unwrap(), ["chat"]);
        assert_eq!(
            parse_protocols("chat , v2.chat\t").unwrap(),
            ["chat", "v2.chat"]
        );
        assert_eq!(
            parse_protocols("a, b, a"),
            Err(HeaderError::DuplicateProtocol("a".into()))
        );
        assert_eq!(parse_protocols("a, A").unwrap(), ["a", "A"]);
        assert_eq!(parse_protocols(""), Err(HeaderError::Empty));
        assert_eq!(
            parse_protocols("a b"),
            Err(HeaderError::UnexpectedChar {
                pos: 2,
                ch: 'b',
                expected: Expected::CommaOrEnd
            })
        );
        assert_eq!(
            parse_protocols("a, b/c"),
            Err(HeaderError::UnexpectedChar {
                pos: 4,
                ch: '/',
                expected: Expected::CommaOrEnd
            })
        );
        assert_eq!(
            parse_protocols("a,;"),
            Err(HeaderError::UnexpectedChar {
                pos: 2,
                ch: ';',
                expected: Expected::Protocol
            })
        );
    }

    #[test]
    fn huge_lists_parse_in_linear_time() {
        let commas = ", ".repeat(100_000);
        let start_value = alloc::format!("{commas}a{commas}");
        assert_eq!(
            parse_extensions(&start_value).unwrap(),
            vec![offer("a", &[])]
        );
        assert_eq!(parse_protocols(&start_value).unwrap(), ["a"]);
        assert_eq!(parse_extensions(&commas), Err(HeaderError::Empty));
        // Many parameters and many offers.
        let params = "a; b=c ".repeat(20_000).replace(" a;", ", a;");
        assert_eq!(parse_extensions(&params).unwrap().len(), 20_000);
        let spaces = alloc::format!("a;{}", " ".repeat(200_000));
        assert!(matches!(
            parse_extensions(&spaces),
            Err(HeaderError::UnexpectedEnd { .. })
        ));
        let protos: String = (0..50_000).map(|i| alloc::format!("p{i},")).collect();
        assert_eq!(parse_protocols(&protos).unwrap().len(), 50_000);
    }

    #[test]
    fn render_and_validate() {
        let o = offer(
            "permessage-deflate",
            &[
                ("client_max_window_bits", None),
                ("server_max_window_bits", Some("10")),
            ],
        );
        assert_eq!(
            o.to_header_value(),
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10"
        );
        assert_eq!(o.validate(), Ok(()));
        assert_eq!(o.get_param("SERVER_MAX_WINDOW_BITS"), Some(Some("10")));
        assert_eq!(o.get_param("client_max_window_bits"), Some(None));
        assert_eq!(o.get_param("nope"), None);
        let q = offer("x", &[("v", Some("a \"b\\"))]);
        assert_eq!(q.to_header_value(), r#"x; v="a \"b\\""#);
        assert_eq!(
            q.validate(),
            Err(HeaderError::InvalidToken("a \"b\\".into()))
        );
        assert!(offer("bad name", &[]).validate().is_err());
    }

    fn token() -> impl Strategy<Value = String> {
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
    }

    proptest! {
        #[test]
        fn parse_extensions_never_panics(s in any::<String>()) {
            let _ = parse_extensions(&s);
            let _ = parse_protocols(&s);
        }

        #[test]
        fn parse_extensions_never_panics_on_grammar_soup(
            s in "[a-z\"\\\\;,= \t\r\u{e9}\u{80}]{0,40}"
        ) {
            let _ = parse_extensions(&s);
            let _ = parse_protocols(&s);
        }

        #[test]
        fn render_then_parse_round_trips(
            offers in prop::collection::vec(
                (token(), prop::collection::vec((token(), prop::option::of(token())), 0..4)),
                1..4,
            )
        ) {
            let offers: Vec<ExtensionOffer> = offers
                .into_iter()
                .map(|(name, params)| ExtensionOffer { name, params })
                .collect();
            let text = offers.iter().map(|o| o.to_header_value()).collect::<Vec<_>>().join(", ");
            prop_assert_eq!(parse_extensions(&text).unwrap(), offers);
        }

        #[test]
        fn quoted_token_values_round_trip(name in token(), value in token()) {
            let text = alloc::format!("{name}; p=\"{value}\"");
            let want = vec![ExtensionOffer::new(name).param("p", Some(&value))];
            prop_assert_eq!(parse_extensions(&text).unwrap(), want);
        }
    }
}
