//! Negotiation of RFC 7692 §7.1: the client's offer, the server's choice
//! among offers, and the client's validation of the server's response.

use super::{clamp_bits, DeflateConfig, EXTENSION_NAME, MAX_WINDOW_BITS, MIN_WINDOW_BITS};
use crate::handshake::ExtensionOffer;
use alloc::string::{String, ToString};
use core::fmt;

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The parameters both ends agreed on ("agreed parameters", RFC 7692 §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server's LZ77 window, 8-15 bits (15 when not negotiated).
    pub server_max_window_bits: u8,
    /// The client's LZ77 window, 8-15 bits (15 when not negotiated).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    fn default() -> Self {
        DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}

/// Why an offer was declined (server) or a response refused (client).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NegotiationError {
    /// A parameter RFC 7692 does not define.
    UnknownParameter(String),
    /// A parameter given more than once.
    DuplicateParameter(&'static str),
    /// A parameter that takes no value was given one.
    UnexpectedValue(&'static str),
    /// A parameter that needs a value was given none.
    MissingValue(&'static str),
    /// A window size that is not a decimal number from 8 to 15 without
    /// leading zeros.
    InvalidWindowBits {
        /// The parameter.
        param: &'static str,
        /// The value received.
        value: String,
    },
    /// The server answered with a parameter the client did not offer
    /// (`client_max_window_bits`).
    NotOffered(&'static str),
    /// The server answered with a larger window than the client asked for.
    WindowTooLarge {
        /// The parameter.
        param: &'static str,
        /// The value offered.
        offered: u8,
        /// The value answered.
        got: u8,
    },
    /// The server's response leaves out a parameter the client required
    /// (`server_no_context_takeover`, `server_max_window_bits`).
    Ignored(&'static str),
    /// The server accepted permessage-deflate together with this other
    /// extension, which also uses the RSV1 bit: RFC 7692 §5 requires the
    /// client to fail the connection.
    ConflictingExtension(String),
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::UnknownParameter(p) => {
                write!(f, "unknown permessage-deflate parameter {p:?}")
            }
            NegotiationError::DuplicateParameter(p) => write!(f, "parameter {p} appears twice"),
            NegotiationError::UnexpectedValue(p) => write!(f, "parameter {p} takes no value"),
            NegotiationError::MissingValue(p) => write!(f, "parameter {p} needs a value"),
            NegotiationError::InvalidWindowBits { param, value } => write!(
                f,
                "{param}={value:?} is not a window size (a number from 8 to 15 without leading zeros)"
            ),
            NegotiationError::NotOffered(p) => {
                write!(f, "the server answered {p}, which the client did not offer")
            }
            NegotiationError::WindowTooLarge {
                param,
                offered,
                got,
            } => write!(
                f,
                "the server answered {param}={got}, larger than the {offered} offered"
            ),
            NegotiationError::Ignored(p) => {
                write!(f, "the server ignored {p}, which the client required")
            }
            NegotiationError::ConflictingExtension(name) => write!(
                f,
                "the server accepted permessage-deflate together with {name}, \
                 which also uses the RSV1 bit"
            ),
        }
    }
}

impl core::error::Error for NegotiationError {}

/// Whether the extension `name`, other than permessage-deflate, is known to
/// use the RSV1 bit: every other per-message compression extension
/// (`permessage-*`, RFC 7692 §6) and the per-frame deflate drafts
/// (`deflate-frame`, `x-webkit-deflate-frame`, `perframe-deflate`). Such an
/// extension cannot be in force together with permessage-deflate.
pub fn uses_rsv1(name: &str) -> bool {
    if name.eq_ignore_ascii_case(EXTENSION_NAME) {
        return false;
    }
    let prefix = "permessage-";
    name.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        || [
            "deflate-frame",
            "x-webkit-deflate-frame",
            "perframe-deflate",
        ]
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// The parameters of one offer or response, checked for grammar only.
#[derive(Default)]
struct Parsed {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value.
    client_max_window_bits: Option<Option<u8>>,
}

/// Parses a window size: 1*DIGIT, no leading zero, 8..=15.
fn window_bits(param: &'static str, value: Option<&str>) -> Result<u8, NegotiationError> {
    let value = value.ok_or(NegotiationError::MissingValue(param))?;
    let bad = || NegotiationError::InvalidWindowBits {
        param,
        value: value.to_string(),
    };
    if value.is_empty() || value.len() > 2 || value.starts_with('0') {
        return Err(bad());
    }
    let bits: u8 = value.parse().map_err(|_| bad())?;
    if !(MIN_WINDOW_BITS..=MAX_WINDOW_BITS).contains(&bits)
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok(bits)
}

/// Checks every parameter of `offer` (a client's offer or, with
/// `response`, a server's answer, where `client_max_window_bits` needs a
/// value).
fn parse(offer: &ExtensionOffer, response: bool) -> Result<Parsed, NegotiationError> {
    let mut p = Parsed::default();
    let mut seen = [false; 4];
    for (name, value) in &offer.params {
        let value = value.as_deref();
        let (index, param) = if name.eq_ignore_ascii_case(SERVER_NO_CONTEXT_TAKEOVER) {
            (0, SERVER_NO_CONTEXT_TAKEOVER)
        } else if name.eq_ignore_ascii_case(CLIENT_NO_CONTEXT_TAKEOVER) {
            (1, CLIENT_NO_CONTEXT_TAKEOVER)
        } else if name.eq_ignore_ascii_case(SERVER_MAX_WINDOW_BITS) {
            (2, SERVER_MAX_WINDOW_BITS)
        } else if name.eq_ignore_ascii_case(CLIENT_MAX_WINDOW_BITS) {
            (3, CLIENT_MAX_WINDOW_BITS)
        } else {
            return Err(NegotiationError::UnknownParameter(name.clone()));
        };
        if core::mem::replace(&mut seen[index], true) {
            return Err(NegotiationError::DuplicateParameter(param));
        }
        match index {
            0 | 1 => {
                if value.is_some() {
                    return Err(NegotiationError::UnexpectedValue(param));
                }
                if index == 0 {
                    p.server_no_context_takeover = true;
                } else {
                    p.client_no_context_takeover = true;
                }
            }
            2 => p.server_max_window_bits = Some(window_bits(param, value)?),
            _ => {
                p.client_max_window_bits = Some(match value {
                    None if !response => None,
                    v => Some(window_bits(param, v)?),
                })
            }
        }
    }
    Ok(p)
}

fn bits_value(bits: u8) -> String {
    bits.to_string()
}

/// The offer a client sends for `config`: `permessage-deflate` with the
/// parameters it asks for, and `client_max_window_bits` (with the
/// configured value, or bare to let the server choose).
pub fn client_offer(config: &DeflateConfig) -> ExtensionOffer {
    let mut offer = ExtensionOffer::new(EXTENSION_NAME);
    if config.server_no_context_takeover {
        offer = offer.param(SERVER_NO_CONTEXT_TAKEOVER, None);
    }
    if config.client_no_context_takeover {
        offer = offer.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
    }
    if let Some(bits) = config.server_max_window_bits {
        offer = offer.param(SERVER_MAX_WINDOW_BITS, Some(&bits_value(clamp_bits(bits))));
    }
    let client_bits = config
        .client_max_window_bits
        .map(|b| bits_value(clamp_bits(b)));
    offer.param(CLIENT_MAX_WINDOW_BITS, client_bits.as_deref())
}

/// Server side: considers the client's `offers` in order (other extensions
/// are skipped), declines invalid permessage-deflate offers (unknown,
/// duplicate or out-of-range parameters), and accepts the first valid one.
/// Returns the agreed parameters and the response to send in
/// `Sec-WebSocket-Extensions`, or `None` when no offer is acceptable.
pub fn negotiate_server(
    config: &DeflateConfig,
    offers: &[ExtensionOffer],
) -> Option<(DeflateParams, ExtensionOffer)> {
    offers
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(EXTENSION_NAME))
        .find_map(|o| parse(o, false).ok())
        .map(|offer| server_answer(config, &offer))
}

/// Builds the server's answer to one valid offer.
fn server_answer(config: &DeflateConfig, offer: &Parsed) -> (DeflateParams, ExtensionOffer) {
    let mut params = DeflateParams::default();
    let mut response = ExtensionOffer::new(EXTENSION_NAME);
    if offer.server_no_context_takeover || config.server_no_context_takeover {
        params.server_no_context_takeover = true;
        response = response.param(SERVER_NO_CONTEXT_TAKEOVER, None);
    }
    // A client that volunteers to reset its context lets the server drop
    // its inflate state between messages: accept the hint.
    if offer.client_no_context_takeover || config.client_no_context_takeover {
        params.client_no_context_takeover = true;
        response = response.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
    }
    let own_cap = config.server_max_window_bits.map(clamp_bits);
    let server_bits = match (offer.server_max_window_bits, own_cap) {
        (Some(asked), cap) => Some(asked.min(cap.unwrap_or(MAX_WINDOW_BITS))),
        (None, Some(cap)) if cap < MAX_WINDOW_BITS => Some(cap),
        (None, _) => None,
    };
    if let Some(bits) = server_bits {
        params.server_max_window_bits = bits;
        response = response.param(SERVER_MAX_WINDOW_BITS, Some(&bits_value(bits)));
    }
    if let Some(offered) = offer.client_max_window_bits {
        let limit = offered.unwrap_or(MAX_WINDOW_BITS);
        match config.client_max_window_bits.map(clamp_bits) {
            Some(cap) => {
                let bits = cap.min(limit);
                params.client_max_window_bits = bits;
                response = response.param(CLIENT_MAX_WINDOW_BITS, Some(&bits_value(bits)));
            }
            None => params.client_max_window_bits = limit,
        }
    }
    (params, response)
}

/// Client side: validates the server's `response` to the `offer` the client
/// sent (normally [`client_offer`]`(config)`) and returns the agreed
/// parameters. Fails on unknown, duplicate, malformed or out-of-range
/// parameters, on `client_max_window_bits` when the offer did not carry it,
/// on a window larger than offered, and when the server ignored a requested
/// `server_no_context_takeover` or `server_max_window_bits`: RFC 7692 then
/// requires failing the connection.
pub fn accept_response(
    config: &DeflateConfig,
    offer: &ExtensionOffer,
    response: &ExtensionOffer,
) -> Result<DeflateParams, NegotiationError> {
    let o = parse(offer, false)?;
    let r = parse(response, true)?;
    if o.server_no_context_takeover && !r.server_no_context_takeover {
        return Err(NegotiationError::Ignored(SERVER_NO_CONTEXT_TAKEOVER));
    }
    let mut params = DeflateParams {
        server_no_context_takeover: r.server_no_context_takeover,
        // Offering client_no_context_takeover promises to reset.
        client_no_context_takeover: r.client_no_context_takeover
            || o.client_no_context_takeover
            || config.client_no_context_takeover,
        ..DeflateParams::default()
    };
    match (o.server_max_window_bits, r.server_max_window_bits) {
        (Some(offered), Some(got)) if got > offered => {
            return Err(NegotiationError::WindowTooLarge {
                param: SERVER_MAX_WINDOW_BITS,
                offered,
                got,
            })
        }
        (Some(_), None) => return Err(NegotiationError::Ignored(SERVER_MAX_WINDOW_BITS)),
        (_, Some(got)) => params.server_max_window_bits = got,
        (None, None) => {}
    }
    params.client_max_window_bits = match (o.client_max_window_bits, r.client_max_window_bits) {
        (_, Some(None)) => return Err(NegotiationError::MissingValue(CLIENT_MAX_WINDOW_BITS)),
        (None, Some(Some(_))) => return Err(NegotiationError::NotOffered(CLIENT_MAX_WINDOW_BITS)),
        (Some(Some(offered)), Some(Some(got))) if got > offered => {
            return Err(NegotiationError::WindowTooLarge {
                param: CLIENT_MAX_WINDOW_BITS,
                offered,
                got,
            })
        }
        (_, Some(Some(got))) => got,
        (Some(Some(offered)), None) => offered,
        (_, None) => MAX_WINDOW_BITS,
    };
    Ok(params)
}
