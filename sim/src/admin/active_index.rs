//! A one-bit-per-agent index of which base agents are active, with rank and select, so that
//! `isActive` reads of a million-agent tenant can count and seek without generating agents.
//! Built lazily on the first such read (a million agents take a few milliseconds).

use super::generate::{Variety, base_is_active};

#[derive(Debug)]
pub struct ActiveIndex {
    len: u64,
    /// Bit `i % 64` of word `i / 64` is set when base agent `i` is active.
    words: Vec<u64>,
    /// `prefix[w]` = active agents in words `0..w`; one more entry than `words`.
    prefix: Vec<u64>,
}

impl ActiveIndex {
    pub fn build(seed: u64, len: u64, variety: &Variety) -> Self {
        let word_count = len.div_ceil(64);
        let mut words = Vec::with_capacity(usize::try_from(word_count).unwrap_or(0));
        let mut prefix = Vec::with_capacity(words.capacity() + 1);
        let mut total = 0;
        prefix.push(0);
        for w in 0..word_count {
            let mut word = 0u64;
            for bit in 0..64 {
                let i = w * 64 + bit;
                if i < len && base_is_active(seed, i, variety) {
                    word |= 1 << bit;
                }
            }
            total += u64::from(word.count_ones());
            words.push(word);
            prefix.push(total);
        }
        Self { len, words, prefix }
    }

    /// The word `w` seen through `want`: set bits are the agents whose activity is `want`.
    fn word(&self, w: usize, want: bool) -> u64 {
        let raw = if want { self.words[w] } else { !self.words[w] };
        let valid_bits = self.len - (w as u64) * 64;
        if valid_bits >= 64 {
            raw
        } else {
            raw & ((1u64 << valid_bits) - 1)
        }
    }

    /// Agents among indexes `0..w*64` whose activity is `want`.
    fn before_word(&self, w: usize, want: bool) -> u64 {
        let active = self.prefix[w];
        if want {
            active
        } else {
            ((w as u64) * 64).min(self.len) - active
        }
    }

    /// How many of the base agents `0..idx` have activity `want` (`idx <= len`).
    pub fn rank(&self, idx: u64, want: bool) -> u64 {
        let idx = idx.min(self.len);
        // idx / 64 <= words.len(), which is a usize.
        let w = (idx / 64) as usize;
        let bit = idx % 64;
        let mut count = self.before_word(w, want);
        if bit > 0 {
            count += u64::from((self.word(w, want) & ((1u64 << bit) - 1)).count_ones());
        }
        count
    }

    /// The first index `>= from` whose activity is `want`.
    pub fn next(&self, from: u64, want: bool) -> Option<u64> {
        if from >= self.len {
            return None;
        }
        let mut w = (from / 64) as usize;
        let mut bits = self.word(w, want) & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(w as u64 * 64 + u64::from(bits.trailing_zeros()));
            }
            w += 1;
            if w >= self.words.len() {
                return None;
            }
            bits = self.word(w, want);
        }
    }

    /// The index of the `r`-th (0-based) agent whose activity is `want`.
    pub fn select(&self, r: u64, want: bool) -> Option<u64> {
        if r >= self.rank(self.len, want) {
            return None;
        }
        // The last word w with before_word(w) <= r holds the answer.
        let (mut lo, mut hi) = (0usize, self.words.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.before_word(mid, want) <= r {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mut bits = self.word(lo, want);
        for _ in 0..(r - self.before_word(lo, want)) {
            bits &= bits - 1;
        }
        Some(lo as u64 * 64 + u64::from(bits.trailing_zeros()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::acd::population::VARIETY;

    fn naive(seed: u64, len: u64, want: bool) -> Vec<u64> {
        (0..len)
            .filter(|&i| base_is_active(seed, i, &VARIETY) == want)
            .collect()
    }

    #[test]
    fn rank_select_and_next_agree_with_a_naive_scan() {
        for len in [0, 1, 63, 64, 65, 1000] {
            let index = ActiveIndex::build(5, len, &VARIETY);
            for want in [true, false] {
                let expected = naive(5, len, want);
                assert_eq!(index.rank(len, want), expected.len() as u64);
                for (r, &i) in expected.iter().enumerate() {
                    assert_eq!(index.select(r as u64, want), Some(i), "len {len} r {r}");
                    assert_eq!(index.rank(i, want), r as u64);
                }
                assert_eq!(index.select(expected.len() as u64, want), None);
                for from in 0..len {
                    let next = expected.iter().copied().find(|&i| i >= from);
                    assert_eq!(index.next(from, want), next, "len {len} from {from}");
                }
            }
        }
    }
}
