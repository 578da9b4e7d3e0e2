//! `mask::apply_mask` (the dispatching entry point) and every kernel this
//! CPU has (`apply_mask_with`: portable, SSE2, AVX2...) applied in arbitrary
//! pieces, from an arbitrary start offset into the buffer (alignment) and key
//! offset, against a byte-at-a-time reference. Input: 4 key bytes, the key
//! offset, the buffer offset, then split points and data as in
//! `sockeye_fuzz::split`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::mask::{apply_mask, apply_mask_with, Kernel};

fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(offset + i) % 4];
    }
    (offset + buf.len()) % 4
}

fuzz_target!(|input: &[u8]| {
    let [k0, k1, k2, k3, key_offset, align, rest @ ..] = input else {
        return;
    };
    let key = [*k0, *k1, *k2, *k3];
    // Any offset, also past 3: it wraps.
    let key_offset = usize::from(*key_offset);
    let split = sockeye_fuzz::split(rest);

    let align = usize::from(*align % 64);
    let mut expected = split.data.to_vec();
    let ref_off = reference(&mut expected, key, key_offset);
    let kernels = Kernel::ALL.into_iter().filter(|k| k.is_available());
    for kernel in core::iter::once(None).chain(kernels.map(Some)) {
        check(kernel, key, key_offset, align, split, &expected, ref_off);
    }
});

/// Masks `split`'s data in its pieces with `kernel` (or the dispatching
/// `apply_mask`), `align` bytes into a larger buffer, and compares.
fn check(
    kernel: Option<Kernel>,
    key: [u8; 4],
    key_offset: usize,
    align: usize,
    split: sockeye_fuzz::Split<'_>,
    expected: &[u8],
    ref_off: usize,
) {
    let mask = |buf: &mut [u8], off: usize| match kernel {
        Some(k) => apply_mask_with(k, buf, key, off).expect("available kernel"),
        None => apply_mask(buf, key, off),
    };
    let mut storage = vec![0xA5u8; align + split.data.len() + 64];
    let region = align..align + split.data.len();
    storage[region.clone()].copy_from_slice(split.data);
    let guard = storage.clone();

    let mut pos = region.start;
    // An empty piece first: it only normalises the offset.
    let mut off = mask(&mut storage[pos..pos], key_offset);
    assert_eq!(off, key_offset & 3);
    for chunk in split.chunks() {
        let end = pos + chunk.len();
        off = mask(&mut storage[pos..end], off);
        assert!(off < 4);
        pos = end;
    }
    assert_eq!(pos, region.end);
    assert_eq!(&storage[region.clone()], expected, "{kernel:?}");
    assert_eq!(off, ref_off, "{kernel:?}");
    // Nothing outside the region was touched.
    assert_eq!(
        &storage[..region.start],
        &guard[..region.start],
        "{kernel:?}"
    );
    assert_eq!(&storage[region.end..], &guard[region.end..], "{kernel:?}");

    // Masking is an involution.
    mask(&mut storage[region.clone()], key_offset);
    assert_eq!(&storage[region], split.data, "{kernel:?}");
}
