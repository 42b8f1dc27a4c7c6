//! A [`RawChecklist`] as a checklist file laid out like the shipped ones:
//! top-level keys first, then `[[inputs]]`, `[[categories]]`, `[[groups]]`,
//! `[[items]]`, `[[vetoes]]`, `[[tiers]]`, `[[grades]]`, each element's keys
//! in the order of the format, and deductions, choice points and minimum
//! inputs written inline (`deductions = [{ text = "…", points = 1 }]`)
//! rather than as sub-tables.

use serde::Serialize;

use crate::domain::checklist::RawChecklist;

/// The file's text. Serialising plain data cannot fail; should it, the
/// validation of the written text (`parse_file`) refuses it.
pub fn to_toml(raw: &RawChecklist) -> String {
    let mut out = format!(
        "# {}（{}@{}）\n# 由考核细则编制表导入（nianjian checklist import）。\n\n",
        raw.title, raw.id, raw.version
    );
    let top = RawChecklist {
        inputs: Vec::new(),
        categories: Vec::new(),
        groups: Vec::new(),
        items: Vec::new(),
        vetoes: Vec::new(),
        tiers: Vec::new(),
        grades: Vec::new(),
        ..raw.clone()
    };
    out.push_str(&toml::to_string(&top).unwrap_or_default());
    section(&mut out, "inputs", &raw.inputs, table);
    section(&mut out, "categories", &raw.categories, table);
    section(&mut out, "groups", &raw.groups, table);
    section(&mut out, "items", &raw.items, |item| {
        let mut plain = item.clone();
        plain.points = None;
        plain.deductions = None;
        let mut text = table(&plain);
        if let Some(points) = &item.points {
            text.push_str(&format!("points = {}\n", inline(points)));
        }
        if let Some(deductions) = &item.deductions {
            text.push_str(&format!("deductions = {}\n", inline(deductions)));
        }
        text
    });
    section(&mut out, "vetoes", &raw.vetoes, table);
    section(&mut out, "tiers", &raw.tiers, |tier| {
        let mut plain = tier.clone();
        plain.min_inputs.clear();
        let mut text = table(&plain);
        if !tier.min_inputs.is_empty() {
            text.push_str(&format!("min_inputs = {}\n", inline(&tier.min_inputs)));
        }
        text
    });
    section(&mut out, "grades", &raw.grades, table);
    out
}

fn section<T>(out: &mut String, name: &str, elements: &[T], body: impl Fn(&T) -> String) {
    for element in elements {
        out.push_str(&format!("\n[[{name}]]\n"));
        out.push_str(&body(element));
    }
}

/// `key = value` lines of a table without nested tables.
fn table<T: Serialize>(value: &T) -> String {
    toml::to_string(value).unwrap_or_default()
}

/// A value on one line, tables inline, keys in the order serde gives them.
fn inline(value: &impl Serialize) -> String {
    let mut text = String::new();
    match value.serialize(toml::ser::ValueSerializer::new(&mut text)) {
        Ok(_) => text,
        Err(_) => String::new(),
    }
}
