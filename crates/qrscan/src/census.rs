//! A cheap count of finder-pattern look-alikes, to keep the finder search within its budget.
//!
//! rxing's finder search compares each candidate with every pattern found so far, so a picture
//! tiled with thousands of finder patterns (or of tiny codes) costs it seconds to minutes. The
//! census scans the same rows it will (every third), counts the runs that could be the
//! 1:1:3:1:1 middle of a finder pattern and are crossed by one vertically too, by module size,
//! and [`min_module`] picks the smallest module size whose search stays within
//! [`COST`] comparisons. Ordinary pictures (a few codes, text, photos) get 0: no limit.
//!
//! Promises: linear in the picture's size; the count over-estimates rxing's candidates (its
//! checks are stricter), so the budget holds.

use rxing::common::BitMatrix;

/// Module sizes are counted up to this many pixels (larger ones share the last bucket).
const BUCKETS: usize = 64;

/// Candidate-by-pattern comparisons the finder search may make: about 50 ms.
pub const COST: u64 = 30_000_000;

/// Finder-pattern look-alikes by module size in pixels.
pub type Census = [u64; BUCKETS];

/// Counts the look-alikes on every third row, as the finder search scans.
pub fn census(bits: &BitMatrix) -> Census {
    let mut counts = [0u64; BUCKETS];
    let (width, height) = (bits.getWidth(), bits.getHeight());
    let mut runs: Vec<u32> = Vec::new();
    for y in (2..height).step_by(3) {
        row_runs(bits, y, width, &mut runs);
        // runs[0] is white (maybe empty); black runs sit at odd indexes.
        let mut left = runs.first().copied().unwrap_or(0);
        for window in runs.get(1..).unwrap_or_default().windows(5).step_by(2) {
            let &[a, b, c, d, e] = window else { continue };
            if c >= 3 && c >= 2 * a.max(e) && c >= b.max(d) {
                let centre = left + a + b + c / 2;
                if crosses_vertically(bits, centre, y, c) {
                    let module = ((a + b + c + d + e) / 7) as usize;
                    counts[module.min(BUCKETS - 1)] += 1;
                }
            }
            left += a + b;
        }
    }
    counts
}

/// The lengths of the alternating runs of row `y`, starting with white.
fn row_runs(bits: &BitMatrix, y: u32, width: u32, runs: &mut Vec<u32>) {
    runs.clear();
    let row = bits.getRow(y);
    let width = width as usize;
    let (mut x, mut black) = (0usize, false);
    while x < width {
        let next = if black {
            row.getNextUnset(x)
        } else {
            row.getNextSet(x)
        }
        .min(width);
        runs.push(u32::try_from(next - x).unwrap_or(u32::MAX));
        x = next;
        black = !black;
    }
}

/// Whether the column through (`x`, `y`), which is black, changes colour three times within
/// four stone widths both upwards and downwards, as a finder pattern's column does.
fn crosses_vertically(bits: &BitMatrix, x: u32, y: u32, stone: u32) -> bool {
    let height = bits.getHeight();
    let reach = stone.saturating_mul(4);
    let changes_within = |upwards: bool| {
        let (mut colour, mut changes) = (true, 0);
        for step in 1..=reach {
            let yy = if upwards {
                y.checked_sub(step)
            } else {
                y.checked_add(step).filter(|&v| v < height)
            };
            let Some(yy) = yy else { return false };
            let here = bits.get(x, yy);
            if here != colour {
                colour = here;
                changes += 1;
                if changes == 3 {
                    return true;
                }
            }
        }
        false
    };
    x < bits.getWidth() && bits.get(x, y) && changes_within(true) && changes_within(false)
}

/// The smallest module size (pixels) whose candidates the finder search can afford: each of
/// the `hits` candidates is compared with up to the number of distinct patterns they make (the
/// 3-module stone of a pattern of module `m` is crossed by about `m` scanned rows).
pub fn min_module(census: &Census) -> u32 {
    for min in 0..BUCKETS {
        let kept = &census[min..];
        let hits: u64 = kept.iter().sum();
        let distinct: u64 = kept
            .iter()
            .enumerate()
            .map(|(k, &n)| n / (min + k).max(1) as u64)
            .sum();
        if hits.saturating_mul(distinct) <= COST {
            return u32::try_from(min).unwrap_or(u32::MAX);
        }
    }
    u32::try_from(BUCKETS).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(width: u32, height: u32, black: impl Fn(u32, u32) -> bool) -> BitMatrix {
        let mut bits = BitMatrix::new(width, height).unwrap();
        for y in 0..height {
            for x in 0..width {
                if black(x, y) {
                    bits.set(x, y);
                }
            }
        }
        bits
    }

    /// A finder pattern (7×7 modules of `px` pixels) with its top-left at (`ox`, `oy`).
    fn finder(px: u32, ox: u32, oy: u32) -> impl Fn(u32, u32) -> bool {
        move |x, y| {
            if x < ox || y < oy || x >= ox + 7 * px || y >= oy + 7 * px {
                return false;
            }
            let (mx, my) = ((x - ox) / px, (y - oy) / px);
            mx.min(my).min(6 - mx).min(6 - my) != 1
        }
    }

    #[test]
    fn one_finder_pattern_is_counted_at_its_module_size() {
        let counts = census(&matrix(60, 60, finder(4, 10, 10)));
        let total: u64 = counts.iter().sum();
        assert!((3..=10).contains(&total), "{counts:?}");
        assert_eq!(counts[4], total);
        assert_eq!(min_module(&counts), 0);
    }

    #[test]
    fn walls_of_finder_patterns_raise_the_minimum_module() {
        // Finder patterns of 1-pixel modules on a 9-pixel pitch, 1000×1000: 12,321 of them.
        let bits = matrix(1000, 1000, |x, y| finder(1, 0, 0)(x % 9, y % 9));
        let counts = census(&bits);
        assert!(counts[1] > 12_000, "{counts:?}");
        assert_eq!(min_module(&counts), 2);
        // 2-pixel modules on an 18-pixel pitch (3,025 patterns) are affordable.
        let bits = matrix(1000, 1000, |x, y| finder(2, 0, 0)(x % 18, y % 18));
        assert_eq!(min_module(&census(&bits)), 0);
    }

    #[test]
    fn blank_and_striped_pictures_count_nothing() {
        assert_eq!(
            census(&matrix(100, 100, |_, _| false)).iter().sum::<u64>(),
            0
        );
        let stripes = census(&matrix(100, 100, |x, _| x % 2 == 0));
        assert_eq!(stripes.iter().sum::<u64>(), 0);
    }
}
