//! Summaries of repeated timings. The machines are shared and noisy, so figures are medians.

use std::time::Duration;

/// The median of `samples` (the upper one of an even count); `None` when there are none.
pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied()
}

/// Items per second for `items` done in `elapsed` (0 for a zero duration).
pub fn per_second(items: usize, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { items as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn median_of_an_odd_count_is_the_middle_value_whatever_the_order() {
        assert_eq!(median(&ms(&[30, 10, 20])), Some(Duration::from_millis(20)));
    }

    #[test]
    fn median_of_an_even_count_is_the_upper_middle_value() {
        assert_eq!(
            median(&ms(&[40, 10, 30, 20])),
            Some(Duration::from_millis(30))
        );
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn per_second_divides_items_by_seconds_and_is_zero_for_no_time() {
        assert_eq!(per_second(500, Duration::from_millis(250)), 2000.0);
        assert_eq!(per_second(500, Duration::ZERO), 0.0);
    }
}
