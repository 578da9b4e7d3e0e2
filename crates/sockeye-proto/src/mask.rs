//! The masking kernel: XOR a payload with a 4-byte key (RFC 6455 §5.3).
//!
//! Masking is an involution: applying it twice restores the input, so the
//! same function masks (client send) and unmasks (server receive).
//!
//! The key offset rolls: a payload may be processed in arbitrary pieces, as
//! long as each call gets the offset the previous call returned. This lets
//! the connection unmask bytes as soon as they arrive, before the rest of
//! the frame is in.
//!
//! ## Kernels
//!
//! [`apply_mask`] picks the fastest [`Kernel`] the CPU has:
//!
//! * x86_64: AVX2 (32 bytes a step) or SSE2 (16 bytes a step). With the `std`
//!   feature the CPU is asked once at run time and the answer cached in an
//!   atomic; without it, the features the crate was compiled for decide
//!   (`-C target-feature=+avx2`, or SSE2, which every x86_64 has).
//! * aarch64: NEON (16 bytes a step), part of the baseline there.
//! * everywhere else: the portable kernel, 8-byte words.
//!
//! Payloads shorter than 256 bytes skip the dispatch and take the word path,
//! inlined into the caller, which is faster than a call at those sizes. [`apply_mask_with`] runs a
//! chosen kernel (for tests and benchmarks).

/// A masking implementation. [`Kernel::detect`] names the one
/// [`apply_mask`] uses on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kernel {
    /// 8-byte words, on any target.
    Portable,
    /// x86_64 SSE2, 16-byte vectors.
    Sse2,
    /// x86_64 AVX2, 32-byte vectors.
    Avx2,
    /// aarch64 NEON, 16-byte vectors.
    Neon,
}

impl Kernel {
    /// Every kernel, available here or not.
    pub const ALL: [Kernel; 4] = [Kernel::Portable, Kernel::Sse2, Kernel::Avx2, Kernel::Neon];

    /// The fastest kernel this CPU runs (detected once, then cached).
    #[inline]
    pub fn detect() -> Kernel {
        detect::best()
    }

    /// Whether this CPU (or, without `std`, the compilation target) can run
    /// the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Sse2 => detect::has_sse2(),
            Kernel::Avx2 => detect::has_avx2(),
            Kernel::Neon => cfg!(all(target_arch = "aarch64", target_feature = "neon")),
        }
    }

    /// A short lowercase name (`"avx2"`), for reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Sse2 => "sse2",
            Kernel::Avx2 => "avx2",
            Kernel::Neon => "neon",
        }
    }
}

/// Below this length the inlined word loop (which the compiler vectorizes
/// for the baseline target) beats calling a vector kernel.
const SMALL: usize = 256;

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
    if buf.len() < SMALL {
        mask_words(buf, key);
    } else {
        run(Kernel::detect(), buf, key);
    }
    next
}

/// [`apply_mask`] with a chosen kernel; `None` (and `buf` untouched) when
/// the kernel is not available here. For tests and benchmarks.
#[inline]
pub fn apply_mask_with(
    kernel: Kernel,
    buf: &mut [u8],
    key: [u8; 4],
    offset: usize,
) -> Option<usize> {
    if !kernel.is_available() {
        return None;
    }
    let offset = offset & 3;
    let next = (offset + buf.len()) & 3;
    run(kernel, buf, rotate(key, offset));
    Some(next)
}

/// Runs `kernel` over `buf` with `key[0]` applying to `buf[0]`. The caller
/// has checked that the kernel is available.
#[inline]
fn run(kernel: Kernel, buf: &mut [u8], key: [u8; 4]) {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => {
            debug_assert!(detect::has_avx2());
            // SAFETY: `Kernel::Avx2` reaches here only when the CPU (or the
            // compilation target) has AVX2: `detect::best` returns it only
            // then, and `apply_mask_with` checks `is_available` first.
            unsafe { x86::mask_avx2(buf, key) }
        }
        #[cfg(target_arch = "x86_64")]
        Kernel::Sse2 => {
            debug_assert!(detect::has_sse2());
            // SAFETY: as above, SSE2 was detected (it is baseline on x86_64).
            unsafe { x86::mask_sse2(buf, key) }
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Kernel::Neon => neon::mask_neon(buf, key),
        _ => mask_words(buf, key),
    }
}

/// The key as seen from a payload that starts `offset` bytes into it.
#[inline]
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let k = u32::from_ne_bytes(key);
    // In memory order, shifting the key left by `offset` bytes is a rotate
    // towards lower addresses, whose direction depends on endianness.
    let r = if cfg!(target_endian = "little") {
        k.rotate_right(8 * (offset & 3) as u32)
    } else {
        k.rotate_left(8 * (offset & 3) as u32)
    };
    r.to_ne_bytes()
}

/// The portable kernel: 8-byte words (32 bytes a step), then the tail.
#[inline]
fn mask_words(buf: &mut [u8], key: [u8; 4]) {
    let k32 = u32::from_ne_bytes(key);
    let k64 = (u64::from(k32) << 32) | u64::from(k32);
    let mut blocks = buf.chunks_exact_mut(32);
    for block in &mut blocks {
        for word in block.chunks_exact_mut(8) {
            xor_word(word, k64);
        }
    }
    let rest = blocks.into_remainder();
    let mut words = rest.chunks_exact_mut(8);
    for word in &mut words {
        xor_word(word, k64);
    }
    // Whole words keep the key aligned, so the tail starts at key[0].
    mask_tail(words.into_remainder(), key);
}

/// XORs one 8-byte chunk with the doubled key (unaligned load and store).
#[inline(always)]
fn xor_word(chunk: &mut [u8], k64: u64) {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    chunk.copy_from_slice(&(u64::from_ne_bytes(w) ^ k64).to_ne_bytes());
}

/// Masks fewer than 8 bytes, `key[0]` applying to `buf[0]`: a 4-byte step,
/// then single bytes.
#[inline(always)]
fn mask_tail(buf: &mut [u8], key: [u8; 4]) {
    let mut buf = buf;
    if buf.len() >= 4 {
        let (word, rest) = buf.split_at_mut(4);
        let mut w = [0u8; 4];
        w.copy_from_slice(word);
        word.copy_from_slice(&(u32::from_ne_bytes(w) ^ u32::from_ne_bytes(key)).to_ne_bytes());
        buf = rest;
    }
    for (b, k) in buf.iter_mut().zip(key) {
        *b ^= k;
    }
}

/// The key repeated to fill a vector register of `N` bytes.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn repeat_key<const N: usize>(key: [u8; 4]) -> [u8; N] {
    let mut wide = [0u8; N];
    for (i, b) in wide.iter_mut().enumerate() {
        *b = key[i & 3];
    }
    wide
}

/// Whether this CPU runs AVX2 code (asked once, then cached; without `std`,
/// whether the crate was compiled for AVX2). The UTF-8 ASCII scan asks too.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    detect::has_avx2()
}

/// CPU feature detection, cached.
mod detect {
    use super::Kernel;

    /// Whether AVX2 is usable.
    #[inline]
    pub(super) fn has_avx2() -> bool {
        cached() == Kernel::Avx2
    }

    /// Whether SSE2 is usable.
    #[inline]
    pub(super) fn has_sse2() -> bool {
        matches!(cached(), Kernel::Sse2 | Kernel::Avx2)
    }

    /// The fastest available kernel.
    #[inline]
    pub(super) fn best() -> Kernel {
        if cfg!(all(target_arch = "aarch64", target_feature = "neon")) {
            Kernel::Neon
        } else {
            cached()
        }
    }

    /// The best x86_64 kernel (or `Portable` elsewhere), asked of the CPU
    /// once and remembered.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline]
    fn cached() -> Kernel {
        use core::sync::atomic::{AtomicU8, Ordering};
        // 0: not asked yet; 1: portable; 2: SSE2; 3: AVX2.
        static LEVEL: AtomicU8 = AtomicU8::new(0);
        let level = match LEVEL.load(Ordering::Relaxed) {
            0 => {
                let level = if std::is_x86_feature_detected!("avx2") {
                    3
                } else if std::is_x86_feature_detected!("sse2") {
                    2
                } else {
                    1
                };
                LEVEL.store(level, Ordering::Relaxed);
                level
            }
            n => n,
        };
        match level {
            3 => Kernel::Avx2,
            2 => Kernel::Sse2,
            _ => Kernel::Portable,
        }
    }

    /// Without `std`, what the compilation target guarantees.
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    #[inline]
    fn cached() -> Kernel {
        if cfg!(all(target_arch = "x86_64", target_feature = "avx2")) {
            Kernel::Avx2
        } else if cfg!(all(target_arch = "x86_64", target_feature = "sse2")) {
            Kernel::Sse2
        } else {
            Kernel::Portable
        }
    }
}

/// The x86_64 vector kernels.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{mask_tail, mask_words, repeat_key, rotate};
    use core::arch::x86_64::*;

    /// From this length on, the AVX2 kernel first brings the pointer to a
    /// 32-byte boundary so that no load or store splits a cache line.
    /// Below it the head and the key rotation cost more than the split
    /// accesses they save (`benches/examples/mask_interleaved.rs`, two
    /// builds alternating: from 256 bytes, 8.8 ns against 8.0-8.3 ns at
    /// 256 B and 18.0 against 15.9-16.6 ns at 1000 B; 1 KiB and up
    /// unchanged).
    const ALIGN_FROM: usize = 1024;

    /// AVX2: 128 bytes a step, then 32, then one SSE2 step and the tail.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn mask_avx2(buf: &mut [u8], key: [u8; 4]) {
        let mut key = key;
        let mut buf = buf;
        if buf.len() >= ALIGN_FROM {
            let head = buf.as_ptr().align_offset(32).min(buf.len());
            let (first, rest) = buf.split_at_mut(head);
            mask_words(first, key);
            key = rotate(key, head);
            buf = rest;
        }
        let len = buf.len();
        let ptr = buf.as_mut_ptr();
        let wide = repeat_key::<32>(key);
        // SAFETY: `wide` is 32 readable bytes; the load is unaligned.
        let k = unsafe { _mm256_loadu_si256(wide.as_ptr() as *const __m256i) };
        let mut i = 0;
        while i + 128 <= len {
            // SAFETY: bytes `i..i + 128` lie inside `buf`, which we borrow
            // mutably; the loads and stores are unaligned ones.
            unsafe {
                let p = ptr.add(i) as *mut __m256i;
                let a = _mm256_loadu_si256(p);
                let b = _mm256_loadu_si256(p.add(1));
                let c = _mm256_loadu_si256(p.add(2));
                let d = _mm256_loadu_si256(p.add(3));
                _mm256_storeu_si256(p, _mm256_xor_si256(a, k));
                _mm256_storeu_si256(p.add(1), _mm256_xor_si256(b, k));
                _mm256_storeu_si256(p.add(2), _mm256_xor_si256(c, k));
                _mm256_storeu_si256(p.add(3), _mm256_xor_si256(d, k));
            }
            i += 128;
        }
        while i + 32 <= len {
            // SAFETY: bytes `i..i + 32` lie inside `buf`.
            unsafe {
                let p = ptr.add(i) as *mut __m256i;
                _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), k));
            }
            i += 32;
        }
        if i + 16 <= len {
            // SAFETY: bytes `i..i + 16` lie inside `buf`; AVX2 implies SSE2.
            unsafe {
                let p = ptr.add(i) as *mut __m128i;
                let k = _mm256_castsi256_si128(k);
                _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), k));
            }
            i += 16;
        }
        // Every step was a multiple of 4 bytes: the key is still aligned.
        mask_small_tail(&mut buf[i..], key);
    }

    /// SSE2: 64 bytes a step, then 16, then the tail.
    ///
    /// # Safety
    ///
    /// The CPU must support SSE2 (every x86_64 does).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn mask_sse2(buf: &mut [u8], key: [u8; 4]) {
        let len = buf.len();
        let ptr = buf.as_mut_ptr();
        let wide = repeat_key::<16>(key);
        // SAFETY: `wide` is 16 readable bytes; the load is unaligned.
        let k = unsafe { _mm_loadu_si128(wide.as_ptr() as *const __m128i) };
        let mut i = 0;
        while i + 64 <= len {
            // SAFETY: bytes `i..i + 64` lie inside `buf`, which we borrow
            // mutably; the loads and stores are unaligned ones.
            unsafe {
                let p = ptr.add(i) as *mut __m128i;
                let a = _mm_loadu_si128(p);
                let b = _mm_loadu_si128(p.add(1));
                let c = _mm_loadu_si128(p.add(2));
                let d = _mm_loadu_si128(p.add(3));
                _mm_storeu_si128(p, _mm_xor_si128(a, k));
                _mm_storeu_si128(p.add(1), _mm_xor_si128(b, k));
                _mm_storeu_si128(p.add(2), _mm_xor_si128(c, k));
                _mm_storeu_si128(p.add(3), _mm_xor_si128(d, k));
            }
            i += 64;
        }
        while i + 16 <= len {
            // SAFETY: bytes `i..i + 16` lie inside `buf`.
            unsafe {
                let p = ptr.add(i) as *mut __m128i;
                _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), k));
            }
            i += 16;
        }
        mask_small_tail(&mut buf[i..], key);
    }

    /// Fewer than 16 bytes: one word step if there is room, then the tail.
    #[inline(always)]
    fn mask_small_tail(buf: &mut [u8], key: [u8; 4]) {
        let mut buf = buf;
        if buf.len() >= 8 {
            let (word, rest) = buf.split_at_mut(8);
            let k32 = u32::from_ne_bytes(key);
            super::xor_word(word, (u64::from(k32) << 32) | u64::from(k32));
            buf = rest;
        }
        mask_tail(buf, key);
    }
}

/// The aarch64 NEON kernel.
#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod neon {
    use super::{mask_words, repeat_key};
    use core::arch::aarch64::*;

    /// NEON: 64 bytes a step, then 16, then the word kernel for the tail.
    pub(super) fn mask_neon(buf: &mut [u8], key: [u8; 4]) {
        let len = buf.len();
        let ptr = buf.as_mut_ptr();
        let wide = repeat_key::<16>(key);
        // SAFETY: `wide` is 16 readable bytes, and NEON is enabled for the
        // whole compilation (this module exists only with it).
        let k = unsafe { vld1q_u8(wide.as_ptr()) };
        let mut i = 0;
        while i + 64 <= len {
            // SAFETY: bytes `i..i + 64` lie inside `buf`, which we borrow
            // mutably; NEON loads and stores have no alignment requirement
            // for `u8` lanes.
            unsafe {
                let p = ptr.add(i);
                let a = vld1q_u8(p);
                let b = vld1q_u8(p.add(16));
                let c = vld1q_u8(p.add(32));
                let d = vld1q_u8(p.add(48));
                vst1q_u8(p, veorq_u8(a, k));
                vst1q_u8(p.add(16), veorq_u8(b, k));
                vst1q_u8(p.add(32), veorq_u8(c, k));
                vst1q_u8(p.add(48), veorq_u8(d, k));
            }
            i += 64;
        }
        while i + 16 <= len {
            // SAFETY: bytes `i..i + 16` lie inside `buf`.
            unsafe {
                let p = ptr.add(i);
                vst1q_u8(p, veorq_u8(vld1q_u8(p), k));
            }
            i += 16;
        }
        mask_words(&mut buf[i..], key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
        (offset + buf.len()) % 4
    }

    /// The kernels this machine runs (under miri: those its target
    /// features allow, i.e. portable and SSE2 unless built with
    /// `-C target-feature=+avx2`).
    fn kernels() -> Vec<Kernel> {
        Kernel::ALL
            .into_iter()
            .filter(|k| k.is_available())
            .collect()
    }

    /// The lengths to try: all of 0..=300 and 1020..=1060 natively; under
    /// miri, which is about a thousand times slower, the lengths around each
    /// step size and boundary of the kernels (the AVX2 kernel's aligning
    /// head, from 1 KiB, runs under miri in `every_kernel_large`).
    fn lengths() -> Vec<usize> {
        if cfg!(miri) {
            vec![
                0, 1, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 129, 255, 256, 300,
            ]
        } else {
            // Also both sides of the AVX2 kernel's alignment threshold.
            (0..=300).chain(1020..=1060).collect()
        }
    }

    /// Start alignments 0..64 (relative to a 64-byte boundary); under miri
    /// a spread of them, every one of them in `dispatching_entry_point…`.
    fn alignments() -> Vec<usize> {
        if cfg!(miri) {
            vec![0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 47, 63]
        } else {
            (0..64).collect()
        }
    }

    /// Checks `kernel` (or `apply_mask` itself for `None`) on every start
    /// alignment 0..64, key offset 0..4 and length in `lens`, with guard
    /// bytes around the piece that must stay untouched.
    fn check_kernel(kernel: Option<Kernel>, lens: &[usize], aligns: &[usize]) {
        let key = [0x9a, 0x3c, 0x51, 0xe7];
        let max = lens.iter().copied().max().unwrap_or(0);
        // A 64-byte-aligned window inside a larger allocation.
        let mut storage = vec![0u8; max + 64 + 128];
        let base = storage.as_ptr().align_offset(64);
        let src: Vec<u8> = (0..storage.len()).map(|i| (i * 7 + 3) as u8).collect();
        for &align in aligns {
            for offset in 0..4 {
                let start = base + align;
                let mut expected = src.clone();
                reference(&mut expected[start..start + max], key, offset);
                for &len in lens {
                    storage.copy_from_slice(&src);
                    let piece = &mut storage[start..start + len];
                    let next = match kernel {
                        Some(k) => apply_mask_with(k, piece, key, offset).unwrap(),
                        None => apply_mask(piece, key, offset),
                    };
                    assert_eq!(next, (offset + len) % 4);
                    let ctx = (kernel, align, offset, len);
                    assert_eq!(storage[..start], src[..start], "{ctx:?}: head guard");
                    assert_eq!(
                        storage[start..start + len],
                        expected[start..start + len],
                        "{ctx:?}"
                    );
                    assert_eq!(
                        storage[start + len..],
                        src[start + len..],
                        "{ctx:?}: tail guard"
                    );
                }
            }
        }
    }

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 §5.7: masked "Hello" with key 37 fa 21 3d.
        let mut data = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&data, b"Hello");
    }

    #[test]
    fn portable_and_best_kernels_are_available() {
        assert!(Kernel::Portable.is_available());
        assert!(Kernel::detect().is_available());
        #[cfg(target_arch = "x86_64")]
        assert!(Kernel::Sse2.is_available(), "SSE2 is baseline on x86_64");
        assert!(!Kernel::ALL
            .iter()
            .any(|k| k.is_available() && k.name().is_empty()));
    }

    /// On aarch64 (run under qemu by `ci/cross.sh`) the tests above must
    /// reach the NEON kernel, and the dispatching entry point must pick it.
    #[cfg(target_arch = "aarch64")]
    #[test]
    fn neon_kernel_is_tested_and_picked_on_aarch64() {
        assert!(kernels().contains(&Kernel::Neon));
        assert_eq!(detect::best(), Kernel::Neon);
    }

    #[test]
    fn unavailable_kernel_leaves_buffer_alone() {
        for kernel in Kernel::ALL.into_iter().filter(|k| !k.is_available()) {
            let mut data = [1u8; 40];
            assert_eq!(apply_mask_with(kernel, &mut data, [9; 4], 0), None);
            assert_eq!(data, [1u8; 40]);
        }
    }

    #[test]
    fn every_kernel_every_alignment_offset_and_length() {
        let lens = lengths();
        for kernel in kernels() {
            check_kernel(Some(kernel), &lens, &alignments());
        }
    }

    #[test]
    fn dispatching_entry_point_every_alignment_offset_and_length() {
        let lens: &[usize] = if cfg!(miri) { &[47, 300] } else { &lengths() };
        check_kernel(None, lens, &(0..64).collect::<Vec<_>>());
    }

    #[test]
    fn every_kernel_large() {
        let lens: &[usize] = if cfg!(miri) {
            &[4096 + 13]
        } else {
            &[4096, 65536 + 5, (1 << 20) + 3]
        };
        for kernel in kernels() {
            check_kernel(
                Some(kernel),
                lens,
                if cfg!(miri) { &[1] } else { &[0, 1, 2] },
            );
        }
    }

    /// Longest payload the property test tries (shorter under miri, where
    /// generating each byte through proptest is slow).
    const MAX_DATA: usize = if cfg!(miri) { 150 } else { 600 };

    proptest! {
        #![proptest_config(crate::test_support::proptest_config())]
        #[test]
        fn agrees_with_reference(data in proptest::collection::vec(any::<u8>(), 0..MAX_DATA), key in any::<[u8;4]>(), offset in 0usize..4, start in 0usize..16, splits in proptest::collection::vec(0usize..600, 0..6)) {
            let start = start.min(data.len());
            // Process in pieces (from an unaligned start) with every
            // kernel, and in one go with the reference.
            let mut cuts: Vec<usize> = splits.into_iter().map(|s| start + s % (data.len() - start + 1)).collect();
            cuts.sort_unstable();
            let mut b = data.clone();
            let ref_off = reference(&mut b[start..], key, offset);
            for kernel in kernels().into_iter().map(Some).chain([None]) {
                let mut a = data.clone();
                let mut off = offset;
                let mut pos = start;
                for &cut in cuts.iter().chain(core::iter::once(&data.len())) {
                    off = match kernel {
                        Some(k) => apply_mask_with(k, &mut a[pos..cut], key, off).unwrap(),
                        None => apply_mask(&mut a[pos..cut], key, off),
                    };
                    pos = cut;
                }
                prop_assert_eq!(off, ref_off);
                prop_assert_eq!(&a, &b);
            }
        }
    }
}
