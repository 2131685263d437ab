//! A tiny seeded generator (SplitMix64) so that every simulated record is a pure function of
//! (seed, index): reproducible across runs and platforms, with no dependency whose output could
//! change between versions.

/// Mixes one 64-bit value into a well-distributed one (the SplitMix64 finaliser).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream for record `index` of kind `stream` under `seed`: distinct kinds and indexes
    /// get unrelated streams.
    pub(crate) fn for_record(seed: u64, stream: u64, index: u64) -> Self {
        Self {
            state: mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15)) ^ mix(!index)),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for simulated data.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // usize -> u64 -> usize round-trips: slices never exceed u64.
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_index_give_the_same_stream() {
        let mut a = SplitMix64::for_record(42, 1, 7);
        let mut b = SplitMix64::for_record(42, 1, 7);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn different_index_stream_or_seed_give_different_streams() {
        let first = |seed, stream, index| SplitMix64::for_record(seed, stream, index).next_u64();
        assert_ne!(first(42, 1, 7), first(42, 1, 8));
        assert_ne!(first(42, 1, 7), first(42, 2, 7));
        assert_ne!(first(42, 1, 7), first(43, 1, 7));
    }
}
