//! Realistic made-up self-checks, for the demonstration district and for
//! benchmarks: answers whose quality varies from unit to unit, so a district
//! shows the spread of tiers a real one does.

use crate::domain::checklist::{Checklist, InputType, MinInput, Rule};
use crate::domain::random::SplitMix64;
use crate::domain::{Answers, Decimal, InputValue, ItemAnswer, Points};

/// Inputs whose 是 is a veto or an inspector's finding: rare in self-checks.
const RARE_YES: &[&str] = &["loss_incident", "refused_inspection"];

/// The thresholds a checklist sets on a numeric input (band thresholds,
/// `full_at`, tier minimums): the values that matter for it.
fn thresholds(checklist: &Checklist, key: &str) -> Vec<Decimal> {
    let mut found = Vec::new();
    for item in &checklist.items {
        match &item.rule {
            Rule::Bands { input, bands } if input == key => {
                found.extend(bands.iter().map(|(t, _)| *t));
            }
            Rule::Linear { input, full_at } if input == key => found.push(*full_at),
            _ => {}
        }
    }
    for tier in &checklist.tiers {
        for (k, min) in &tier.min_inputs {
            if let (true, MinInput::AtLeast(m)) = (k == key, min) {
                found.push(*m);
            }
        }
    }
    found
}

/// Answers of a unit of `quality` in 0..=1: 1 is a model archive room,
/// 0.5 a middling one, 0 a neglected one.
pub fn answers(checklist: &Checklist, quality: f64, rng: &mut SplitMix64) -> Answers {
    let quality = quality.clamp(0.0, 1.0);
    let mut answers = Answers::default();
    for input in &checklist.inputs {
        let value = match input.kind {
            InputType::YesNo if RARE_YES.contains(&input.key.as_str()) => {
                InputValue::YesNo(rng.chance(0.015))
            }
            InputType::YesNo => InputValue::YesNo(rng.chance(0.35 + 0.63 * quality)),
            kind => {
                let top = thresholds(checklist, &input.key)
                    .into_iter()
                    .max()
                    .map_or(50.0, Decimal::to_f64)
                    .max(1.0);
                // Good units sit above the top threshold, weak ones well below.
                let factor = 0.25 + 1.1 * quality + 0.35 * (rng.unit() - 0.5);
                let mut v = (top * factor).max(0.0);
                if kind == InputType::Percent {
                    v = v.min(100.0);
                }
                let text = match kind {
                    InputType::Integer => format!("{}", v.round() as i64),
                    _ => format!("{:.1}", v),
                };
                InputValue::Number(Decimal::parse(&text).unwrap_or(Decimal::ZERO))
            }
        };
        answers.inputs.insert(input.key.clone(), value);
    }
    for item in &checklist.items {
        let Rule::SelfScored { step } = item.rule else {
            continue;
        };
        if item.optional && rng.chance(0.15) {
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::NotApplicable);
            continue;
        }
        let steps = item.max.tenths() / step.tenths().max(1);
        // Lose a step or more with a chance that falls as quality rises.
        let mut lost = 0;
        while lost < steps && rng.chance(0.55 * (1.0 - quality) + 0.03) {
            lost += 1;
        }
        answers.self_scores.insert(
            item.code.clone(),
            ItemAnswer::Points(Points((steps - lost) * step.tenths())),
        );
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{score, scoring::value_fits};
    use crate::ingest::checklists::Catalog;

    #[test]
    fn answers_fit_their_checklist_and_spread_over_tiers() {
        let catalog = Catalog::embedded().expect("shipped checklists");
        for loaded in catalog.iter() {
            let checklist = &loaded.checklist;
            let mut rng = SplitMix64::new(1);
            let mut tiers = std::collections::BTreeSet::new();
            for n in 0..200 {
                let quality = f64::from(n % 20) / 19.0;
                let a = answers(checklist, quality, &mut rng);
                for input in &checklist.inputs {
                    assert!(
                        value_fits(input.kind, a.inputs[&input.key]),
                        "{}",
                        input.key
                    );
                }
                let card = score(checklist, &a, &Default::default());
                tiers.insert(card.tier.map(|t| t.code));
            }
            // None and all three tiers occur.
            assert_eq!(tiers.len(), 4, "{}: {tiers:?}", checklist.reference());
        }
    }
}
