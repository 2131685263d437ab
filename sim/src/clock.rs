//! A simulator's clock: wall time at millisecond precision (what the wire carries), forced to
//! move strictly forward on every reading.
//!
//! In the ACD simulator every change and every read's `lastPollTime` takes a reading while
//! holding the directory lock, so a change is stamped strictly after the `lastPollTime` of any
//! read that did not see it, and strictly before that of any read that did: `updatedSince =
//! lastPollTime` then loses nothing, even for changes made within the same millisecond as a
//! read.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

#[derive(Debug)]
pub struct SimClock {
    last_ms: AtomicI64,
}

impl SimClock {
    /// A clock whose first reading is after `floor`.
    pub fn starting_after(floor: Timestamp) -> Self {
        Self {
            last_ms: AtomicI64::new(floor.as_millisecond()),
        }
    }

    /// `max(wall clock, previous reading + 1 ms)`.
    pub fn tick(&self) -> Timestamp {
        let wall = Timestamp::now().as_millisecond();
        let mut previous = self.last_ms.load(Ordering::Relaxed);
        loop {
            let next = wall.max(previous + 1);
            match self.last_ms.compare_exchange_weak(
                previous,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                // Millisecond counts of any instant jiff can hold are in range.
                Ok(_) => return Timestamp::from_millisecond(next).unwrap_or(Timestamp::MAX),
                Err(actual) => previous = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_strictly_increase_even_within_one_millisecond() {
        let clock = SimClock::starting_after(Timestamp::UNIX_EPOCH);
        let mut last = clock.tick();
        for _ in 0..10_000 {
            let next = clock.tick();
            assert!(next > last);
            last = next;
        }
    }

    #[test]
    fn readings_start_after_the_floor_even_if_it_is_in_the_future() {
        let floor = Timestamp::now() + jiff::SignedDuration::from_hours(1);
        let clock = SimClock::starting_after(floor);
        assert!(clock.tick() > floor);
    }
}
