//! Mask keys and handshake nonces from the operating system.

use sockeye_proto::RandomSource;

/// Random bytes from the operating system's generator, drawn 256 bytes at a
/// time so that masking a frame does not cost a system call (as ws pools
/// `randomFillSync`).
pub struct OsRandom {
    pool: [u8; 256],
    pos: usize,
}

impl OsRandom {
    /// An empty pool; the first use fills it.
    pub fn new() -> Self {
        OsRandom {
            pool: [0; 256],
            pos: 256,
        }
    }
}

impl Default for OsRandom {
    fn default() -> Self {
        OsRandom::new()
    }
}

impl RandomSource for OsRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            if self.pos == self.pool.len() {
                if let Err(e) = getrandom::fill(&mut self.pool) {
                    // Without entropy, masking is no longer unpredictable,
                    // which RFC 6455 requires: refuse to go on.
                    panic!("the operating system's random generator failed: {e}");
                }
                self.pos = 0;
            }
            *b = self.pool[self.pos];
            self.pos += 1;
        }
    }
}

/// A boxed [`OsRandom`], as `Connection::client` takes it.
pub fn os_random() -> Box<dyn RandomSource + Send> {
    Box::new(OsRandom::new())
}
