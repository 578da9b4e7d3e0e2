//! The DEFLATE codec of permessage-deflate: a compressor that keeps every
//! back-reference inside the negotiated window, and an inflater whose output
//! is bounded.

use super::{clamp_bits, MAX_WINDOW_BITS};
use crate::extension::ExtensionError;
use alloc::boxed::Box;
use bytes::BytesMut;
use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::inflate::stream::{inflate, InflateState, ZeroReset};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// The empty stored block that ends every flushed message; RFC 7692 §7.2.1
/// strips it from the wire and §7.2.2 appends it back before inflating.
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output is produced in pieces of at most this many bytes, so the size
/// limit is checked at least this often.
const MAX_CHUNK: usize = 64 * 1024;

/// A raw-DEFLATE compressor for one direction of a connection.
///
/// miniz_oxide always searches a 32 KiB window. When a smaller window is
/// negotiated, the compressor issues a full flush (which empties the
/// dictionary) every `2^bits` bytes of input, so no back-reference can
/// reach further than the window.
pub struct Compressor {
    inner: Box<CompressorOxide>,
    level: u8,
    /// `2^bits` when below 32 KiB; `None` for the full window.
    window: Option<usize>,
    /// Input bytes since the dictionary was last emptied.
    since_reset: usize,
}

impl core::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Compressor")
            .field("level", &self.level)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

fn flags(level: u8) -> u32 {
    // Negative window bits select raw DEFLATE (no zlib header).
    create_comp_flags_from_zip_params(i32::from(level.min(9)), -15, 0)
}

fn window(bits: u8) -> Option<usize> {
    let bits = clamp_bits(bits);
    (bits < MAX_WINDOW_BITS).then(|| 1usize << bits)
}

impl Compressor {
    /// A compressor at `level` (0-9) for a window of `window_bits` (8-15).
    pub fn new(level: u8, window_bits: u8) -> Self {
        Compressor {
            inner: Box::new(CompressorOxide::new(flags(level))),
            level: level.min(9),
            window: window(window_bits),
            since_reset: 0,
        }
    }

    /// Starts a new stream with these settings, keeping the allocations.
    pub fn reconfigure(&mut self, level: u8, window_bits: u8) {
        self.inner.reset();
        self.level = level.min(9);
        self.inner.set_compression_level_raw(self.level);
        self.window = window(window_bits);
        self.since_reset = 0;
    }

    /// Forgets the context (no context takeover): the next message starts a
    /// fresh stream.
    pub fn reset(&mut self) {
        let (level, window) = (self.level, self.window);
        self.inner.reset();
        self.inner.set_compression_level_raw(level);
        self.window = window;
        self.since_reset = 0;
    }

    /// Compresses the next piece of a message, appending to `out`. With
    /// `fin`, flushes and strips the trailing `00 00 ff ff` (RFC 7692
    /// §7.2.1), so `out` then holds the end of the message payload.
    pub fn compress(
        &mut self,
        mut input: &[u8],
        fin: bool,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let start = out.len();
        if let Some(window) = self.window {
            while self.since_reset + input.len() >= window {
                let (head, rest) = input.split_at(window - self.since_reset);
                self.run(head, MZFlush::Full, out)?;
                self.since_reset = 0;
                input = rest;
            }
            self.since_reset += input.len();
        }
        let flush = if fin { MZFlush::Sync } else { MZFlush::None };
        self.run(input, flush, out)?;
        if fin {
            if !out[start..].ends_with(&TAIL) {
                return Err(ExtensionError::Internal);
            }
            out.truncate(out.len() - TAIL.len());
        }
        Ok(())
    }

    /// Runs the compressor over all of `input`, then performs `flush`.
    ///
    /// Two phases, because miniz_oxide's `deflate` only emits a flush block
    /// in a call that starts with no output pending: first all input
    /// without flushing (until a call leaves room to spare, so nothing is
    /// pending), then the flush alone, repeated until a call that started
    /// with nothing pending also leaves room to spare.
    fn run(
        &mut self,
        mut input: &[u8],
        flush: MZFlush,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let mut room = (input.len() / 2 + 64).min(MAX_CHUNK);
        if !input.is_empty() {
            loop {
                let r = self.call(input, MZFlush::None, out, room)?;
                input = &input[r.bytes_consumed..];
                let full = r.bytes_written == room;
                if full {
                    room = (room * 2).min(MAX_CHUNK);
                } else if input.is_empty() {
                    break;
                }
            }
        }
        if flush == MZFlush::None {
            return Ok(());
        }
        let mut pending = false;
        // Each round either finishes or fills `room` bytes of output, and
        // the output of a flush is bounded; the cap only guards against a
        // misbehaving compressor.
        for _ in 0..1 << 16 {
            let r = self.call(&[], flush, out, room)?;
            let full = r.bytes_written == room;
            if !full && !pending {
                return Ok(());
            }
            pending = full;
            if full {
                room = (room * 2).min(MAX_CHUNK);
            }
        }
        Err(ExtensionError::Internal)
    }

    /// One call of miniz_oxide's `deflate` with `room` bytes of output.
    fn call(
        &mut self,
        input: &[u8],
        flush: MZFlush,
        out: &mut BytesMut,
        room: usize,
    ) -> Result<miniz_oxide::StreamResult, ExtensionError> {
        let start = out.len();
        out.resize(start + room, 0);
        let r = deflate(&mut self.inner, input, &mut out[start..], flush);
        out.truncate(start + r.bytes_written);
        match r.status {
            // No progress possible (nothing pending, no input): not an error.
            Ok(_) | Err(MZError::Buf) => Ok(r),
            Err(_) => Err(ExtensionError::Internal),
        }
    }
}

/// A raw-DEFLATE inflater for one direction of a connection. It accepts any
/// window from 8 to 15 bits (it keeps 32 KiB of history), produces output in
/// bounded pieces, and stops as soon as the output passes the limit.
pub struct Inflater {
    state: Box<InflateState>,
    /// The stream ended with a BFINAL block; the rest of the message is
    /// ignored and the next one starts a new stream.
    ended: bool,
}

impl core::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Inflater").finish_non_exhaustive()
    }
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    /// A fresh inflater.
    pub fn new() -> Self {
        Inflater {
            state: InflateState::new_boxed(DataFormat::Raw),
            ended: false,
        }
    }

    /// Forgets the context and zeroes the history, so nothing of a previous
    /// stream (another connection's, when pooled) can be referenced.
    pub fn reset(&mut self) {
        self.state.reset_as(ZeroReset);
        self.ended = false;
    }

    /// Inflates the next piece of a message's payload, appending to `out`.
    /// With `fin`, appends the `00 00 ff ff` tail first (RFC 7692 §7.2.2).
    /// Fails with [`ExtensionError::TooBig`] as soon as `out` would grow
    /// past `limit` bytes, and with [`ExtensionError::Corrupt`] on invalid
    /// data.
    pub fn inflate(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ExtensionError> {
        self.feed(input, out, limit)?;
        if fin {
            self.feed(&TAIL, out, limit)?;
            if self.ended {
                self.reset();
            }
        }
        Ok(())
    }

    fn feed(
        &mut self,
        mut input: &[u8],
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ExtensionError> {
        let mut room = (input.len() * 4 + 64).min(MAX_CHUNK);
        while !self.ended {
            if out.len() > limit {
                return Err(ExtensionError::TooBig);
            }
            // One byte past the limit is enough to know it was passed.
            let chunk = room.min(limit.saturating_sub(out.len()).saturating_add(1));
            let start = out.len();
            out.resize(start + chunk, 0);
            let r = inflate(&mut self.state, input, &mut out[start..], MZFlush::None);
            out.truncate(start + r.bytes_written);
            if out.len() > limit {
                // Past the limit before any error in the data: TooBig,
                // however the input was split.
                return Err(ExtensionError::TooBig);
            }
            input = &input[r.bytes_consumed..];
            let progress = r.bytes_written > 0 || r.bytes_consumed > 0;
            match r.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) => {}
                Err(MZError::Buf) if !progress && input.is_empty() => break,
                Err(MZError::Buf) if progress => {}
                Err(_) => return Err(ExtensionError::Corrupt),
            }
            if !progress {
                // No progress with input left: the data cannot be inflated.
                if !input.is_empty() {
                    return Err(ExtensionError::Corrupt);
                }
                break;
            }
            if r.bytes_written == chunk {
                room = (room * 2).min(MAX_CHUNK);
            }
        }
        if out.len() > limit {
            return Err(ExtensionError::TooBig);
        }
        Ok(())
    }
}
