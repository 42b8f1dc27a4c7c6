//! Spot-check sampling (抽查): a reproducible, seeded random sample of units,
//! stratified by street and tier so every part of the district is visited
//! in proportion. The same units, seed and size always give the same sample.

use std::collections::BTreeMap;

use super::random::SplitMix64;

/// A unit that may be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub unit_id: i64,
    /// Sorting key that fixes the order before shuffling (the unit code).
    pub code: String,
    pub street: String,
    /// The tier's name, or 未达标 / 未提交.
    pub tier: String,
}

/// How many to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleSize {
    Count(u32),
    /// Percent of the candidates, rounded up (at least one when any exist).
    Percent(u32),
}

/// A drawn unit and the stratum it came from ("小营街道 / 省级示范档案室").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub unit_id: i64,
    pub stratum: String,
}

/// Draws the sample: the total is split over strata by largest remainder
/// (proportional allocation), then each stratum is shuffled with the seed.
pub fn draw(candidates: &[Candidate], size: SampleSize, seed: u64) -> Vec<Drawn> {
    let population = candidates.len() as u64;
    let wanted = match size {
        SampleSize::Count(n) => u64::from(n).min(population),
        SampleSize::Percent(p) => (population * u64::from(p.min(100))).div_ceil(100),
    };
    if wanted == 0 {
        return Vec::new();
    }

    let mut strata: BTreeMap<String, Vec<&Candidate>> = BTreeMap::new();
    for c in candidates {
        strata
            .entry(format!("{} / {}", c.street, c.tier))
            .or_default()
            .push(c);
    }

    // Largest remainder: floor shares first, then one more to the strata
    // with the biggest remainders (ties by stratum name, for stability).
    let mut allocation: Vec<(String, u64, u64)> = strata
        .iter()
        .map(|(name, members)| {
            let exact = wanted * members.len() as u64;
            (name.clone(), exact / population, exact % population)
        })
        .collect();
    let mut left = wanted - allocation.iter().map(|(_, n, _)| n).sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..allocation.len()).collect();
    by_remainder.sort_by(|&a, &b| allocation[b].2.cmp(&allocation[a].2).then(a.cmp(&b)));
    for index in by_remainder {
        if left == 0 {
            break;
        }
        allocation[index].1 += 1;
        left -= 1;
    }

    let mut rng = SplitMix64::new(seed);
    let mut drawn = Vec::with_capacity(wanted as usize);
    for (name, take, _) in allocation {
        let mut members = strata.remove(&name).unwrap_or_default();
        members.sort_by(|a, b| a.code.cmp(&b.code));
        rng.shuffle(&mut members);
        drawn.extend(members.into_iter().take(take as usize).map(|c| Drawn {
            unit_id: c.unit_id,
            stratum: name.clone(),
        }));
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> Vec<Candidate> {
        let mut units = Vec::new();
        for (s, street) in ["小营街道", "湖滨街道", "清波街道"].iter().enumerate() {
            for n in 0..20 {
                let tier = match n % 4 {
                    0 => "省级示范档案室",
                    1 | 2 => "市级规范化档案室",
                    _ => "未达标",
                };
                units.push(Candidate {
                    unit_id: (s * 100 + n) as i64,
                    code: format!("{s}{n:03}"),
                    street: (*street).into(),
                    tier: tier.into(),
                });
            }
        }
        units
    }

    #[test]
    fn same_seed_same_sample_whatever_the_input_order() {
        let units = district();
        let mut reversed = units.clone();
        reversed.reverse();
        let a = draw(&units, SampleSize::Count(12), 2012);
        let b = draw(&reversed, SampleSize::Count(12), 2012);
        assert_eq!(a, b);
        let c = draw(&units, SampleSize::Count(12), 2013);
        assert_ne!(a, c, "another seed draws other units");
    }

    #[test]
    fn sizes_are_exact_and_units_distinct() {
        let units = district();
        for n in [1, 5, 12, 59, 60, 100] {
            let s = draw(&units, SampleSize::Count(n), 7);
            assert_eq!(s.len(), n.min(60) as usize);
            let mut ids: Vec<_> = s.iter().map(|d| d.unit_id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), s.len());
        }
        assert_eq!(draw(&units, SampleSize::Percent(10), 7).len(), 6);
        assert_eq!(
            draw(&units, SampleSize::Percent(1), 7).len(),
            1,
            "rounded up"
        );
        assert_eq!(draw(&units, SampleSize::Percent(0), 7).len(), 0);
        assert!(draw(&[], SampleSize::Count(3), 7).is_empty());
    }

    #[test]
    fn strata_are_represented_in_proportion() {
        let units = district();
        // 60 units, 9 strata of 5 or 10; a 30-unit sample takes half of
        // each, rounded down or up where half is not whole.
        let s = draw(&units, SampleSize::Count(30), 99);
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &s {
            *per.entry(d.stratum.as_str()).or_default() += 1;
        }
        assert_eq!(per.len(), 9);
        for (stratum, n) in per {
            let size = units
                .iter()
                .filter(|u| format!("{} / {}", u.street, u.tier) == stratum)
                .count();
            assert!(
                n == size / 2 || n == size.div_ceil(2),
                "{stratum}: {n} of {size}"
            );
        }
        assert_eq!(s.len(), 30);
    }
}
