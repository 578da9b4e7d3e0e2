//! The masking kernel: XOR a payload with a 4-byte key (RFC 6455 §5.3).
//!
//! Masking is an involution: applying it twice restores the input, so the
//! same function masks (client send) and unmasks (server receive).
//!
//! The key offset rolls: a payload may be processed in arbitrary pieces, as
//! long as each call gets the offset the previous call returned. This lets
//! the connection unmask bytes as soon as they arrive, before the rest of
//! the frame is in.

/// XORs `buf` in place with `key`, starting at byte `offset` of the key
/// (0..=3; larger values wrap), and returns the key offset for the byte after
/// `buf`. Call it once per piece of a payload, threading the returned offset.
///
/// ```
/// use sockeye_proto::mask::apply_mask;
/// let key = [1, 2, 3, 4];
/// let mut data = *b"Hello, world";
/// let off = apply_mask(&mut data[..5], key, 0);
/// apply_mask(&mut data[5..], key, off);
/// apply_mask(&mut data, key, 0);
/// assert_eq!(&data, b"Hello, world");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
    let offset = offset & 3;
    let next = (offset + buf.len()) & 3;
    // Rotate the key so that index 0 lines up with the first byte of `buf`.
    let key = rotate(key, offset);
    apply_mask_aligned(buf, key);
    next
}

/// The key as seen from a payload that starts `offset` bytes into it.
#[inline]
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let k = u32::from_ne_bytes(key);
    // In memory order, shifting the key left by `offset` bytes is a rotate
    // towards lower addresses, whose direction depends on endianness.
    let r = if cfg!(target_endian = "little") {
        k.rotate_right(8 * offset as u32)
    } else {
        k.rotate_left(8 * offset as u32)
    };
    r.to_ne_bytes()
}

/// Masks `buf` with `key` whose byte 0 applies to `buf[0]`.
#[inline]
fn apply_mask_aligned(buf: &mut [u8], key: [u8; 4]) {
    let k32 = u32::from_ne_bytes(key);
    let k64 = (u64::from(k32) << 32) | u64::from(k32);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let v = u64::from_ne_bytes(w) ^ k64;
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    // Whole 8-byte chunks keep the key aligned, so the tail starts at key[0].
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
        (offset + buf.len()) % 4
    }

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 §5.7: masked "Hello" with key 37 fa 21 3d.
        let mut data = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&data, b"Hello");
    }

    #[test]
    fn every_offset_and_length_small() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        for off in 0..8 {
            for len in 0..70 {
                let src: Vec<u8> = (0..len as u8).collect();
                let mut a = src.clone();
                let mut b = src.clone();
                assert_eq!(apply_mask(&mut a, key, off), reference(&mut b, key, off));
                assert_eq!(a, b, "offset {off} len {len}");
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_reference(data in proptest::collection::vec(any::<u8>(), 0..600), key in any::<[u8;4]>(), offset in 0usize..4, start in 0usize..16, splits in proptest::collection::vec(0usize..600, 0..6)) {
            let start = start.min(data.len());
            let mut a = data.clone();
            let mut b = data.clone();
            // Process `a` in pieces (from an unaligned start), `b` in one go.
            let mut cuts: Vec<usize> = splits.into_iter().map(|s| start + s % (data.len() - start + 1)).collect();
            cuts.sort_unstable();
            let mut off = offset;
            let mut pos = start;
            for cut in cuts.into_iter().chain(core::iter::once(data.len())) {
                off = apply_mask(&mut a[pos..cut], key, off);
                pos = cut;
            }
            let ref_off = reference(&mut b[start..], key, offset);
            prop_assert_eq!(off, ref_off);
            prop_assert_eq!(a, b);
        }
    }
}
