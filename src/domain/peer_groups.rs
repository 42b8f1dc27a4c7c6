//! 互查组: mutual-review groups. A campaign's units are put in groups, by
//! hand or drawn with a seed (stored, so the same draw can be repeated and
//! shown fair years later), and inside a group each unit reviews the next
//! one round the circle: every member is reviewed exactly once, never by
//! itself. Asked to keep streets apart, no unit reviews one of its own
//! street (交叉互查), so a street's communities are not judged by their
//! neighbours.
//!
//! The generator is [`SplitMix64`], ours and fixed, as for spot-check
//! samples.

use std::collections::BTreeMap;

use super::Points;
use super::number::Ratio;
use super::random::SplitMix64;

/// A unit that may be put in a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub unit_id: i64,
    /// Fixes the order before shuffling (the unit code).
    pub code: String,
    pub street: String,
}

/// Who reviews whom (评查关系).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    pub reviewer: i64,
    pub reviewed: i64,
}

/// A group: its members in circle order, and who reviews whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub members: Vec<Member>,
    pub assignments: Vec<Assignment>,
}

/// Why groups cannot be formed as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// Every group needs two units at least.
    TooFewUnits { units: usize, groups: usize },
    /// A group (1-based) where one street holds more than half the units,
    /// so some unit would review one of its own street.
    StreetTooLarge { group: usize, street: String },
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::TooFewUnits { units, groups } => write!(
                f,
                "{units} 个单位分不成 {groups} 组：每组至少 2 个单位（互查须有他人）"
            ),
            FormError::StreetTooLarge { group, street } => write!(
                f,
                "第 {group} 组中“{street}”的单位超过半数，无法避免同街道互查；请减少分组数，或不要求跨街道"
            ),
        }
    }
}

/// Draws `groups` groups from `candidates` with `seed`: the same candidates,
/// count, seed and choice always give the same groups. Sizes differ by one
/// at most. With `cross_street`, each street's units are dealt across the
/// groups as evenly as they go, and inside a group no unit reviews one of
/// its own street.
pub fn draw(
    candidates: &[Member],
    groups: usize,
    seed: u64,
    cross_street: bool,
) -> Result<Vec<Group>, FormError> {
    if groups == 0 || candidates.len() < groups * 2 {
        return Err(FormError::TooFewUnits {
            units: candidates.len(),
            groups,
        });
    }
    let mut rng = SplitMix64::new(seed);
    let mut pool = candidates.to_vec();
    pool.sort_by(|a, b| a.code.cmp(&b.code));
    rng.shuffle(&mut pool);
    if cross_street {
        // Largest streets first (ties in a drawn order), each street's units
        // in their shuffled order: dealing round the groups then spreads
        // every street as evenly as it can go.
        let mut streets: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
        for m in &pool {
            streets.entry(m.street.as_str()).or_insert((0, 0)).0 += 1;
        }
        for entry in streets.values_mut() {
            entry.1 = rng.next_u64();
        }
        let key: BTreeMap<String, (std::cmp::Reverse<usize>, u64)> = streets
            .into_iter()
            .map(|(s, (n, tie))| (s.to_string(), (std::cmp::Reverse(n), tie)))
            .collect();
        pool.sort_by_key(|m| key[&m.street]);
    }
    let mut dealt: Vec<Vec<Member>> = vec![Vec::new(); groups];
    for (k, m) in pool.into_iter().enumerate() {
        dealt[k % groups].push(m);
    }
    // Which group is called 第 1 组 is drawn too.
    rng.shuffle(&mut dealt);
    dealt
        .into_iter()
        .enumerate()
        .map(|(n, members)| {
            let members = if cross_street {
                let biggest = largest_street(&members);
                apart(members).ok_or(FormError::StreetTooLarge {
                    group: n + 1,
                    street: biggest,
                })?
            } else {
                members
            };
            Ok(circle(members))
        })
        .collect()
}

/// A group formed by hand: reviews go round the circle in the order given,
/// unless `assignments` names them. With `cross_street`, the circle is
/// rearranged so that no unit reviews one of its own street (named
/// assignments are checked, not rearranged).
pub fn by_hand(
    number: usize,
    members: Vec<Member>,
    assignments: Option<Vec<Assignment>>,
    cross_street: bool,
) -> Result<Group, FormError> {
    if members.len() < 2 {
        return Err(FormError::TooFewUnits {
            units: members.len(),
            groups: 1,
        });
    }
    match assignments {
        Some(assignments) => {
            if cross_street {
                let street = |id: i64| members.iter().find(|m| m.unit_id == id).map(|m| &m.street);
                if let Some(a) = assignments
                    .iter()
                    .find(|a| street(a.reviewer) == street(a.reviewed))
                {
                    return Err(FormError::StreetTooLarge {
                        group: number,
                        street: street(a.reviewer).cloned().unwrap_or_default(),
                    });
                }
            }
            Ok(Group {
                members,
                assignments,
            })
        }
        None if cross_street => {
            let biggest = largest_street(&members);
            let members = apart(members).ok_or(FormError::StreetTooLarge {
                group: number,
                street: biggest,
            })?;
            Ok(circle(members))
        }
        None => Ok(circle(members)),
    }
}

fn largest_street(members: &[Member]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for m in members {
        *counts.entry(&m.street).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default()
}

/// Each member reviews the next, the last the first.
fn circle(members: Vec<Member>) -> Group {
    let n = members.len();
    let assignments = (0..n)
        .map(|i| Assignment {
            reviewer: members[i].unit_id,
            reviewed: members[(i + 1) % n].unit_id,
        })
        .collect();
    Group {
        members,
        assignments,
    }
}

/// The members reordered so that neighbours round the circle are of
/// different streets, or `None` when one street holds more than half.
/// Streets by size (ties by name), then every other seat: the even seats
/// first, then the odd ones.
fn apart(members: Vec<Member>) -> Option<Vec<Member>> {
    let n = members.len();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for m in &members {
        *counts.entry(m.street.clone()).or_default() += 1;
    }
    if counts.values().any(|&c| c * 2 > n) {
        return None;
    }
    let mut ordered = members;
    // Stable: each street keeps the order it was dealt in.
    ordered.sort_by(|a, b| {
        counts[&b.street]
            .cmp(&counts[&a.street])
            .then_with(|| a.street.cmp(&b.street))
    });
    let seats: Vec<usize> = (0..n).step_by(2).chain((1..n).step_by(2)).collect();
    let mut placed: Vec<Option<Member>> = vec![None; n];
    for (seat, m) in seats.into_iter().zip(ordered) {
        placed[seat] = Some(m);
    }
    let placed: Vec<Member> = placed.into_iter().map(Option::unwrap).collect();
    let clash = (0..n).any(|i| placed[i].street == placed[(i + 1) % n].street);
    (!clash).then_some(placed)
}

/// How far mutual reviewers strayed from the bureau's spot checks over
/// the units both scored (互查与抽查的偏差).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stray {
    /// Units with both a mutual review and a spot check.
    pub compared: usize,
    /// Mean of |mutual − spot| over them, exact.
    pub mean: Option<Ratio>,
    /// The largest |mutual − spot|.
    pub max: Option<Points>,
    /// Mean of mutual − spot: above zero, the reviewers were kinder.
    pub bias: Option<Ratio>,
}

/// [`Stray`] of pairs (mutual total, spot total).
pub fn stray(pairs: &[(Points, Points)]) -> Stray {
    if pairs.is_empty() {
        return Stray {
            compared: 0,
            mean: None,
            max: None,
            bias: None,
        };
    }
    let n = pairs.len() as i32;
    let abs: Points = pairs.iter().map(|(m, s)| Points((m.0 - s.0).abs())).sum();
    let signed: Points = pairs.iter().map(|(m, s)| *m - *s).sum();
    let by_n = |p: Points| p.to_ratio() / Ratio::from_integer(n.into());
    Stray {
        compared: pairs.len(),
        mean: Some(by_n(abs)),
        max: pairs.iter().map(|(m, s)| Points((m.0 - s.0).abs())).max(),
        bias: Some(by_n(signed)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `n` units over `streets` streets, round robin.
    fn units(n: usize, streets: usize) -> Vec<Member> {
        (0..n)
            .map(|i| Member {
                unit_id: i as i64 + 1,
                code: format!("U{:03}", i + 1),
                street: format!("街道{}", i % streets + 1),
            })
            .collect()
    }

    fn check(groups: &[Group], all: &[Member], cross_street: bool) {
        let mut seen = BTreeSet::new();
        for g in groups {
            assert!(g.members.len() >= 2);
            assert_eq!(g.assignments.len(), g.members.len());
            let ids: BTreeSet<i64> = g.members.iter().map(|m| m.unit_id).collect();
            let reviewed: BTreeSet<i64> = g.assignments.iter().map(|a| a.reviewed).collect();
            let reviewers: BTreeSet<i64> = g.assignments.iter().map(|a| a.reviewer).collect();
            assert_eq!(reviewed, ids, "each member reviewed once");
            assert_eq!(reviewers, ids, "each member reviews once");
            for a in &g.assignments {
                assert_ne!(a.reviewer, a.reviewed);
                if cross_street {
                    let street = |id| &all.iter().find(|m| m.unit_id == id).unwrap().street;
                    assert_ne!(street(a.reviewer), street(a.reviewed));
                }
            }
            for id in ids {
                assert!(seen.insert(id), "unit {id} in two groups");
            }
        }
        assert_eq!(seen.len(), all.len(), "every unit in a group");
    }

    #[test]
    fn draws_are_complete_balanced_and_reproducible() {
        // (units, streets, groups, cross_street)
        let table = [
            (52, 9, 9, true),
            (52, 9, 9, false),
            (52, 3, 9, true),
            (2, 2, 1, true),
            (7, 1, 3, false),
            (100, 12, 20, true),
            (11, 3, 5, true),
        ];
        for (n, streets, groups, cross) in table {
            let all = units(n, streets);
            for seed in [0, 1, 42, 1 << 52] {
                let drawn = draw(&all, groups, seed, cross).unwrap();
                assert_eq!(drawn.len(), groups);
                check(&drawn, &all, cross);
                let sizes: Vec<usize> = drawn.iter().map(|g| g.members.len()).collect();
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "{sizes:?}");
                assert_eq!(drawn, draw(&all, groups, seed, cross).unwrap());
                // The input's order does not matter, only the seed.
                let mut reversed = all.clone();
                reversed.reverse();
                assert_eq!(drawn, draw(&reversed, groups, seed, cross).unwrap());
            }
            if n > 7 {
                assert_ne!(
                    draw(&all, groups, 1, cross).unwrap(),
                    draw(&all, groups, 2, cross).unwrap(),
                    "{n} units: another seed, another draw"
                );
            }
        }
    }

    #[test]
    fn impossible_draws_say_why() {
        assert_eq!(
            draw(&units(5, 2), 3, 1, false),
            Err(FormError::TooFewUnits {
                units: 5,
                groups: 3
            })
        );
        assert!(draw(&units(5, 2), 0, 1, false).is_err());
        // A group of three over two streets has two of one street.
        assert!(matches!(
            draw(&units(11, 2), 5, 7, true),
            Err(FormError::StreetTooLarge { .. })
        ));
        // One street only: nobody can review across streets.
        assert!(matches!(
            draw(&units(6, 1), 2, 1, true),
            Err(FormError::StreetTooLarge { group: 1, .. })
        ));
    }

    #[test]
    fn groups_by_hand_go_round_the_circle_in_the_order_given() {
        let all = units(4, 2);
        let g = by_hand(1, all.clone(), None, false).unwrap();
        let pairs: Vec<(i64, i64)> = g
            .assignments
            .iter()
            .map(|a| (a.reviewer, a.reviewed))
            .collect();
        assert_eq!(pairs, [(1, 2), (2, 3), (3, 4), (4, 1)]);
        // Streets 1,1,2,2 given side by side are rearranged apart.
        let mut same_first = all.clone();
        same_first.sort_by(|a, b| a.street.cmp(&b.street));
        let g = by_hand(1, same_first, None, true).unwrap();
        check(&[g], &all, true);
        // Named reviews are checked, not rearranged.
        let named = vec![Assignment {
            reviewer: 1,
            reviewed: 3,
        }];
        assert!(matches!(
            by_hand(2, all.clone(), Some(named.clone()), true),
            Err(FormError::StreetTooLarge { group: 2, .. })
        ));
        assert_eq!(
            by_hand(2, all.clone(), Some(named.clone()), false)
                .unwrap()
                .assignments,
            named
        );
        assert!(by_hand(1, units(1, 1), None, false).is_err());
        assert!(matches!(
            by_hand(3, units(3, 1), None, true),
            Err(FormError::StreetTooLarge { group: 3, ref street }) if street == "街道1"
        ));
    }

    #[test]
    fn stray_is_exact() {
        let p = |x: i32| Points(x);
        // (pairs, mean |d|, max |d|, bias) in hundredths.
        type Row<'a> = (&'a [(Points, Points)], Option<(i32, i32, i32)>);
        let table: [Row<'_>; 3] = [
            (&[], None),
            (&[(p(9000), p(8500))], Some((500, 500, 500))),
            (
                &[(p(9000), p(8500)), (p(8000), p(8300))],
                Some((400, 500, 100)),
            ),
        ];
        for (pairs, want) in table {
            let s = stray(pairs);
            assert_eq!(s.compared, pairs.len());
            match want {
                None => assert_eq!((s.mean, s.max, s.bias), (None, None, None)),
                Some((mean, max, bias)) => {
                    assert_eq!(s.mean, Some(p(mean).to_ratio()));
                    assert_eq!(s.max, Some(p(max)));
                    assert_eq!(s.bias, Some(p(bias).to_ratio()));
                }
            }
        }
        // A third of a point stays a third until shown.
        let s = stray(&[(p(100), p(0)), (p(0), p(0)), (p(0), p(0))]);
        assert_eq!(s.mean, Some(Ratio::new(1.into(), 3.into())));
    }
}
