//! Each sheet of the authoring workbook into its part of the
//! [`RawChecklist`], remembering the cell of every value by its key path.

use std::collections::BTreeMap;

use crate::domain::authoring::*;
use crate::domain::checklist::{
    Assessor, InputGroup, InputType, ItemKind, RawCategory, RawChecklist, RawDeduction, RawGrade,
    RawGroup, RawInput, RawItem, RawNumber, RawTier, RawVeto, RuleKind,
};
use crate::domain::text::fold_label;

use super::super::workbook::{Sheet, Workbook};
use super::cells::{POINTS, Reader, Table};

/// Names an element as validation does: by its code, or by its position.
fn display_key(code: &str, index: usize) -> String {
    if code.is_empty() {
        index.to_string()
    } else {
        code.to_string()
    }
}

fn sheet<'a>(r: &mut Reader, book: &'a Workbook, name: &str) -> Option<&'a Sheet> {
    let found = book
        .sheets
        .iter()
        .find(|s| fold_label(&s.name) == fold_label(name));
    if found.is_none() {
        r.problem(name, None, format!("缺少工作表“{name}”"));
        r.structural = true;
    }
    found
}

pub(super) fn checklist(r: &mut Reader, book: &Workbook) -> RawChecklist {
    let mut raw = RawChecklist {
        id: String::new(),
        version: String::new(),
        title: String::new(),
        unit_kinds: Vec::new(),
        total: RawNumber::Int(0),
        decimals: None,
        rectify_days: None,
        bonus_max: None,
        cap_total: false,
        inputs: Vec::new(),
        categories: Vec::new(),
        groups: Vec::new(),
        items: Vec::new(),
        vetoes: Vec::new(),
        tiers: Vec::new(),
        grades: Vec::new(),
    };
    if let Some(s) = sheet(r, book, SHEET_BASICS) {
        super::basics::read(r, s, &mut raw);
    }
    let table = |r: &mut Reader, spec: &SheetSpec| {
        let s = sheet(r, book, spec.name)?;
        r.table(s, spec)
    };
    if let Some(t) = table(r, &INPUTS) {
        raw.inputs = inputs(r, &t);
    }
    if let Some(t) = table(r, &CATEGORIES) {
        raw.categories = categories(r, &t);
    }
    if let Some(t) = table(r, &GROUPS) {
        raw.groups = groups(r, &t);
    }
    // Without the items, their details could only be called unknown.
    if let Some(t) = table(r, &ITEMS) {
        raw.items = items(r, &t);
        if let Some(t) = table(r, &DETAILS) {
            details(r, &t, &mut raw.items);
        }
    }
    if let Some(t) = table(r, &VETOES) {
        raw.vetoes = vetoes(r, &t);
    }
    if let Some(t) = table(r, &TIERS) {
        raw.tiers = tiers(r, &t);
    }
    if let Some(t) = table(r, &GRADES) {
        raw.grades = grades(r, &t);
    }
    raw
}

/// Reads a word through `parse`, with a problem naming the words allowed.
fn word<T>(
    r: &mut Reader,
    t: &Table<'_>,
    row: u32,
    header: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Option<T> {
    let text = t.text(r, row, header)?;
    let found = parse(&text);
    if found.is_none() {
        let at = t.at(row, header);
        r.problem(
            t.name,
            Some(at),
            format!("“{header}”不认识“{text}”，应为 {}", allowed.join("、")),
        );
    }
    found
}

/// A word that must be there: empty is “<header>未填写”.
fn required_word<T>(
    r: &mut Reader,
    t: &Table<'_>,
    row: u32,
    header: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Option<T> {
    if t.text(r, row, header).is_none() {
        r.problem(t.name, Some(t.at(row, header)), format!("“{header}”未填写"));
        return None;
    }
    word(r, t, row, header, parse, allowed)
}

/// Remembers the cell of each listed field of an element at `base`.
fn remember_row(r: &mut Reader, t: &Table<'_>, row: u32, base: &str, fields: &[(&str, &str)]) {
    for (field, header) in fields {
        let key = if field.is_empty() {
            base.to_string()
        } else {
            format!("{base}.{field}")
        };
        r.remember(key, t.name, t.at(row, header));
    }
}

/// A number that must be there, or a placeholder 0 (the element tainted).
fn required_number(r: &mut Reader, t: &Table<'_>, row: u32, header: &str, base: &str) -> RawNumber {
    match t.number(r, row, header) {
        Ok(Some(n)) => n,
        Ok(None) => {
            let at = t.at(row, header);
            r.problem(t.name, Some(at), format!("“{header}”未填写"));
            r.taint(base);
            RawNumber::Int(0)
        }
        Err(()) => {
            r.taint(base);
            RawNumber::Int(0)
        }
    }
}

/// An optional number; one that cannot be read taints the element.
fn optional_number(
    r: &mut Reader,
    t: &Table<'_>,
    row: u32,
    header: &str,
    base: &str,
) -> Option<RawNumber> {
    t.number(r, row, header).unwrap_or_else(|()| {
        r.taint(base);
        None
    })
}

fn inputs(r: &mut Reader, t: &Table<'_>) -> Vec<RawInput> {
    let types: Vec<&str> = INPUT_TYPES.iter().map(|k| input_type_word(*k)).collect();
    let groups: Vec<&str> = INPUT_GROUPS.iter().map(|g| g.label_zh()).collect();
    let mut out = Vec::new();
    for row in t.rows() {
        let key = t.required(r, row, I_KEY);
        let base = format!("inputs[{}]", display_key(&key, out.len()));
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", I_KEY),
                ("key", I_KEY),
                ("label", I_LABEL),
                ("type", I_TYPE),
                ("group", I_GROUP),
                ("options", I_OPTIONS),
            ],
        );
        let label = t.required(r, row, I_LABEL);
        let kind = required_word(r, t, row, I_TYPE, parse_input_type, &types);
        let group = required_word(r, t, row, I_GROUP, parse_input_group, &groups);
        if kind.is_none() || group.is_none() {
            r.taint(&base);
        }
        let options = t.text(r, row, I_OPTIONS).map(|o| split_list(&o));
        out.push(RawInput {
            key,
            label,
            unit: t.text(r, row, I_UNIT),
            kind: kind.unwrap_or(InputType::Decimal),
            group: group.unwrap_or(InputGroup::Other),
            options,
            note: t.text(r, row, I_NOTE),
        });
    }
    out
}

fn categories(r: &mut Reader, t: &Table<'_>) -> Vec<RawCategory> {
    let mut out = Vec::new();
    for row in t.rows() {
        let code = t.required(r, row, C_CODE);
        let base = format!("categories[{}]", display_key(&code, out.len()));
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", C_CODE),
                ("code", C_CODE),
                ("name", C_NAME),
                ("weight", C_WEIGHT),
            ],
        );
        let name = t.required(r, row, C_NAME);
        let weight = optional_number(r, t, row, C_WEIGHT, "categories");
        out.push(RawCategory { code, name, weight });
    }
    // Weights that do not add up are a problem of the whole column.
    r.remember("categories", t.name, t.at(t.header_row, C_WEIGHT));
    out
}

fn groups(r: &mut Reader, t: &Table<'_>) -> Vec<RawGroup> {
    let mut out = Vec::new();
    for row in t.rows() {
        let code = t.required(r, row, G_CODE);
        let base = format!("groups[{}]", display_key(&code, out.len()));
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", G_CODE),
                ("code", G_CODE),
                ("category", G_CATEGORY),
                ("title", G_TITLE),
                ("max", G_MAX),
            ],
        );
        let category = t.required(r, row, G_CATEGORY);
        let title = t.required(r, row, G_TITLE);
        let max = optional_number(r, t, row, G_MAX, &base);
        out.push(RawGroup {
            code,
            category,
            title,
            max,
        });
    }
    out
}

const ITEM_FIELDS: [(&str, &str); 20] = [
    ("", T_CODE),
    ("code", T_CODE),
    ("category", T_CATEGORY),
    ("group", T_GROUP),
    ("title", T_TITLE),
    ("kind", T_KIND),
    ("max", T_MAX),
    ("rule", T_RULE),
    ("input", T_INPUT),
    ("inputs", T_INPUT),
    ("each", T_EACH),
    ("step", T_STEP),
    ("full_at", T_FULL_AT),
    ("formula", T_FORMULA),
    ("optional", T_OPTIONAL),
    ("assessed_by", T_ASSESSED_BY),
    ("deductions", T_RULE),
    ("levels", T_RULE),
    ("bands", T_RULE),
    ("points", T_RULE),
];

fn items(r: &mut Reader, t: &Table<'_>) -> Vec<RawItem> {
    let rules: Vec<&str> = RULE_KINDS.iter().map(|k| k.label_zh()).collect();
    let kinds: Vec<&str> = ITEM_KINDS.iter().map(|k| k.label_zh()).collect();
    let mut out = Vec::new();
    for row in t.rows() {
        let code = t.required(r, row, T_CODE);
        let base = format!("items[{}]", display_key(&code, out.len()));
        remember_row(r, t, row, &base, &ITEM_FIELDS);
        let title = t.required(r, row, T_TITLE);
        let max = required_number(r, t, row, T_MAX, &base);
        let rule = required_word(r, t, row, T_RULE, parse_rule_kind, &rules);
        let kind = word(r, t, row, T_KIND, parse_item_kind, &kinds);
        let assessors = [
            assessor_word(Assessor::Unit),
            assessor_word(Assessor::Inspector),
        ];
        let assessed_by = word(r, t, row, T_ASSESSED_BY, parse_assessor, &assessors);
        if rule.is_none() {
            r.taint(&base);
            // The sums of points do not mean much without this item's rule.
            r.taint("total");
        }
        let rule = rule.unwrap_or(RuleKind::SelfScored);
        let written = t.text(r, row, T_INPUT);
        let (input, inputs) = match (rule, written) {
            (RuleKind::Each, Some(w)) => (None, Some(split_list(&w))),
            (_, w) => (w, None),
        };
        let optional = t.yes_no(r, row, T_OPTIONAL).unwrap_or(false);
        out.push(RawItem {
            code,
            category: t.text(r, row, T_CATEGORY),
            group: t.text(r, row, T_GROUP),
            title,
            kind: kind.unwrap_or(ItemKind::Base),
            max,
            rule,
            input,
            inputs,
            bands: None,
            each: optional_number(r, t, row, T_EACH, &base),
            step: optional_number(r, t, row, T_STEP, &base),
            full_at: optional_number(r, t, row, T_FULL_AT, &base),
            deductions: None,
            levels: None,
            points: None,
            formula: t.text(r, row, T_FORMULA),
            optional,
            assessed_by: assessed_by.unwrap_or_default(),
            requirement: t.text(r, row, T_REQUIREMENT),
            evidence: t.text(r, row, T_EVIDENCE),
        });
    }
    out
}

/// 扣分与档次: each row onto its item, in order.
fn details(r: &mut Reader, t: &Table<'_>, items: &mut [RawItem]) {
    let kinds: Vec<&str> = DetailKind::ALL.iter().map(|k| k.word()).collect();
    for row in t.rows() {
        let code = t.required(r, row, D_ITEM);
        let kind = required_word(r, t, row, D_KIND, parse_detail_kind, &kinds);
        let Some(item) = items
            .iter_mut()
            .find(|i| !code.is_empty() && i.code == code)
        else {
            if !code.is_empty() {
                let message = format!("条目编号“{code}”不在“{SHEET_ITEMS}”中");
                r.problem(t.name, Some(t.at(row, D_ITEM)), message);
            }
            continue;
        };
        let base = format!("items[{code}]");
        let points = required_number(r, t, row, D_POINTS, &base);
        match kind {
            Some(kind) => attach(r, t, row, item, kind, points, &base),
            None => r.taint(&base),
        }
    }
}

/// One row of 扣分与档次 onto its item, its cells remembered by key path
/// (`items[A2].deductions[0]`, `items[A1].points.社区文书`).
fn attach(
    r: &mut Reader,
    t: &Table<'_>,
    row: u32,
    item: &mut RawItem,
    kind: DetailKind,
    points: RawNumber,
    base: &str,
) {
    let key = match kind {
        DetailKind::Deduction => {
            let text = t.required(r, row, D_TEXT);
            let once = t.yes_no(r, row, D_ONCE).unwrap_or(false);
            let list = item.deductions.get_or_insert_with(Vec::new);
            list.push(RawDeduction { text, points, once });
            format!("{base}.deductions[{}]", list.len() - 1)
        }
        DetailKind::Level => {
            let name = t.required(r, row, D_TEXT);
            let list = item.levels.get_or_insert_with(Vec::new);
            list.push((name, points));
            format!("{base}.levels[{}]", list.len() - 1)
        }
        DetailKind::Band => {
            let threshold = required_number(r, t, row, D_TEXT, base);
            let list = item.bands.get_or_insert_with(Vec::new);
            list.push((threshold, points));
            format!("{base}.bands[{}]", list.len() - 1)
        }
        DetailKind::ChoicePoints => {
            let option = t.required(r, row, D_TEXT);
            let key = format!("{base}.points.{option}");
            item.points
                .get_or_insert_with(BTreeMap::new)
                .insert(option, points);
            key
        }
    };
    r.remember(&key, t.name, t.at(row, D_TEXT));
    r.remember(format!("{key}.text"), t.name, t.at(row, D_TEXT));
    r.remember(format!("{key}.points"), t.name, t.at(row, D_POINTS));
    r.remember(format!("{key}{POINTS}"), t.name, t.at(row, D_POINTS));
}

fn vetoes(r: &mut Reader, t: &Table<'_>) -> Vec<RawVeto> {
    let mut out = Vec::new();
    for row in t.rows() {
        let base = format!("vetoes[{}]", out.len());
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", V_REASON),
                ("input", V_INPUT),
                ("when", V_WHEN),
                ("reason", V_REASON),
            ],
        );
        out.push(RawVeto {
            input: t.text(r, row, V_INPUT),
            when: t.text(r, row, V_WHEN),
            reason: t.required(r, row, V_REASON),
        });
    }
    out
}

fn tiers(r: &mut Reader, t: &Table<'_>) -> Vec<RawTier> {
    let mut out = Vec::new();
    for row in t.rows() {
        let code = t.required(r, row, R_CODE);
        let base = format!("tiers[{}]", display_key(&code, out.len()));
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", R_CODE),
                ("code", R_CODE),
                ("name", R_NAME),
                ("min_total", R_MIN_TOTAL),
                ("required_items", R_REQUIRED_ITEMS),
                ("category_floor", R_FLOOR),
                ("min_inputs", R_MIN_INPUTS),
                ("requires", R_REQUIRES),
            ],
        );
        let name = t.required(r, row, R_NAME);
        // Tiers are checked against one another (rising thresholds).
        let min_total = required_number(r, t, row, R_MIN_TOTAL, "tiers");
        let mut min_inputs = BTreeMap::new();
        for entry in split_list(&t.text(r, row, R_MIN_INPUTS).unwrap_or_default()) {
            match parse_min_input(&entry) {
                Ok((key, value)) => {
                    min_inputs.insert(key, value);
                }
                Err(message) => {
                    r.problem(t.name, Some(t.at(row, R_MIN_INPUTS)), message);
                    r.taint(&base);
                }
            }
        }
        out.push(RawTier {
            code,
            name,
            min_total,
            required_items: split_list(&t.text(r, row, R_REQUIRED_ITEMS).unwrap_or_default()),
            category_floor: optional_number(r, t, row, R_FLOOR, &base),
            min_inputs,
            requires: t.text(r, row, R_REQUIRES),
        });
    }
    out
}

fn grades(r: &mut Reader, t: &Table<'_>) -> Vec<RawGrade> {
    let mut out = Vec::new();
    for row in t.rows() {
        let base = format!("grades[{}]", out.len());
        remember_row(
            r,
            t,
            row,
            &base,
            &[
                ("", R_NAME),
                ("name", R_NAME),
                ("min_total", R_MIN_TOTAL),
                ("requires", R_REQUIRES),
            ],
        );
        out.push(RawGrade {
            name: t.required(r, row, R_NAME),
            min_total: required_number(r, t, row, R_MIN_TOTAL, "grades"),
            requires: t.text(r, row, R_REQUIRES),
        });
    }
    out
}
