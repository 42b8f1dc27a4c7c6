//! The templates of first-edition checklists, byte for byte as they were
//! before the second edition came to the workbook: a hash per checklist,
//! empty and pre-filled. A first-edition file must come out unchanged.

use sha2::{Digest, Sha256};

use super::{Prefill, self_check_template};
use crate::domain::checklist::{Checklist, InputType, RawChecklist, Rule};
use crate::domain::{Answers, Decimal, InputValue, ItemAnswer, Points};

/// (file under checklists/, empty template, pre-filled template), sha-256.
const SNAPSHOTS: &[(&str, &str, &str)] = &[
    (
        "agency/2012.toml",
        "1cc178ce589cbf2dee93ce5e9e1f75bd3255f8721802a0350caf23834eda1ad2",
        "1383e069bcc5b00cba76392fa8d698f6f17b51411b82811bf435939012880211",
    ),
    (
        "community/2012.toml",
        "bcf7dab04753cf4b5423dce6ffaa05212594527f59c7a2ebab9fcab3632b872e",
        "e002e263adcaa9751000e0952922be4e640b2a6f734ca0957eadac594b18f456",
    ),
    (
        "community/2013.toml",
        "ec7e5a8eaab37aabcd659d5d7ec40da9d25185fc1c3e6bc4b556903c1da902bd",
        "71591063412e2514cf9ce7b398e1b97d82e0f0b374a604ce5483645c216dde31",
    ),
    (
        "digital/2012.toml",
        "f792ce40495446088194bf594f1a9bafb794ee4062027067e522d8a74e1ee26b",
        "f4e3625ae93a54970a72f3a6e14ccfaa9fc1f5eabec03fe979dc158ade7ffe7c",
    ),
];

fn load(file: &str) -> Checklist {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("checklists")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("checklist readable");
    let raw: RawChecklist = toml::from_str(&text).expect("checklist is TOML");
    Checklist::from_raw(raw).expect("checklist is valid")
}

/// Fixed answers: every input and every `self` item, one optional item 不适用.
fn prefill(checklist: &Checklist) -> Prefill {
    let mut answers = Answers::default();
    for (n, input) in checklist.inputs.iter().enumerate() {
        let value = match input.kind {
            InputType::YesNo => InputValue::YesNo(n % 2 == 0),
            InputType::Choice => InputValue::Choice(input.options[0].clone()),
            _ => InputValue::Number(Decimal::from_int(n as i64 + 3)),
        };
        answers.inputs.insert(input.key.clone(), value);
    }
    let mut not_applicable = false;
    for item in &checklist.items {
        if let Rule::SelfScored { .. } = item.rule {
            let answer = if item.optional && !not_applicable {
                not_applicable = true;
                ItemAnswer::NotApplicable
            } else {
                ItemAnswer::Points(Points(item.max.hundredths() / 2 / 50 * 50))
            };
            answers.self_scores.insert(item.code.clone(), answer);
        }
    }
    Prefill {
        unit_name: Some("小营巷社区".into()),
        unit_code: Some("330102001".into()),
        unit_kind: checklist.unit_kinds.first().cloned(),
        street: Some("小营街道".into()),
        year: Some(2012),
        target_tier: checklist.tiers.first().map(|t| t.name.clone()),
        answers: Some(answers),
    }
}

fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn first_edition_templates_are_byte_identical() {
    let files = [
        "agency/2012.toml",
        "community/2012.toml",
        "community/2013.toml",
        "digital/2012.toml",
    ];
    let mut got = Vec::new();
    for file in files {
        let checklist = load(file);
        let empty = self_check_template(&checklist, &Prefill::default()).expect("template");
        let filled = self_check_template(&checklist, &prefill(&checklist)).expect("template");
        got.push((file.to_string(), hash(&empty), hash(&filled)));
    }
    let want: Vec<(String, String, String)> = SNAPSHOTS
        .iter()
        .map(|(f, e, p)| (f.to_string(), e.to_string(), p.to_string()))
        .collect();
    assert_eq!(got, want);
}
