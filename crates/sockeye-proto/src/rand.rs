//! Randomness supplied by the caller.
//!
//! The core draws no entropy of its own. A client connection needs four
//! random bytes per frame for the mask key (RFC 6455 §5.3) and sixteen for
//! the handshake nonce; it asks a [`RandomSource`] the caller provides.

/// A source of random bytes for mask keys. Adapters implement it over the
/// operating system's generator (or a fast generator seeded from it).
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// A small xorshift64* generator, for tests and for embedders who seed it
/// themselves from a real entropy source. It is not cryptographically
/// strong: RFC 6455 asks for unpredictable mask keys, so seed it from the
/// operating system (as the adapters do) rather than from a constant.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// Creates a generator from `seed` (a zero seed is replaced by a fixed
    /// non-zero constant, since xorshift would otherwise stay at zero).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// Returns the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl RandomSource for XorShift {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        (**self).fill_bytes(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_fills_odd_lengths_and_varies() {
        let mut r = XorShift::new(0);
        let mut a = [0u8; 13];
        let mut b = [0u8; 13];
        r.fill_bytes(&mut a);
        r.fill_bytes(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0; 13]);
    }
}
