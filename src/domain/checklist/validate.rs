//! Validation of a checklist file: every rule of the format (first and
//! second edition), every problem collected with its key path
//! (`items[B1].bands[0]`), in Chinese.

use std::collections::{BTreeMap, BTreeSet};

use super::super::expr::{self, Place, Scope, ValueType};
use super::super::number::{Decimal, Points};
use super::super::text::fold_label;
use super::*;

pub(super) fn checklist(raw: RawChecklist) -> Result<Checklist, Vec<ChecklistProblem>> {
    let mut v = Validator::default();
    let checklist = v.checklist(raw);
    if v.problems.is_empty() {
        Ok(checklist)
    } else {
        Err(v.problems)
    }
}

#[derive(Default)]
struct Validator {
    problems: Vec<ChecklistProblem>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_version(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_code(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}

/// Names an element by its code, or by its position when the code is empty.
fn display_key(code: &str, index: usize) -> String {
    if code.is_empty() {
        index.to_string()
    } else {
        code.to_string()
    }
}

/// What expressions may name, from the parts validated so far.
struct Names<'a> {
    inputs: &'a [Input],
    items: Vec<String>,
    categories: Vec<String>,
}

impl Names<'_> {
    fn value_type(&self, key: &str) -> Option<ValueType> {
        self.inputs
            .iter()
            .find(|i| i.key == key)
            .map(|i| match i.kind {
                InputType::YesNo => ValueType::Bool,
                InputType::Choice => ValueType::Text,
                _ => ValueType::Number,
            })
    }
}

impl Validator {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ChecklistProblem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// Points in hundredths from a file number (a multiple of 0.01, ≥ 0).
    fn points(&mut self, key: &str, value: RawNumber) -> Points {
        match value.to_decimal().and_then(Points::from_decimal) {
            Some(p) if p.0 < 0 => {
                self.problem(key, format!("不能为负数，实际为 {value}"));
                Points::ZERO
            }
            Some(p) => p,
            None => {
                self.problem(key, format!("应为 0.01 的倍数，实际为 {value}"));
                Points::ZERO
            }
        }
    }

    fn decimal(&mut self, key: &str, value: RawNumber) -> Decimal {
        match value.to_decimal() {
            Some(d) => d,
            None => {
                self.problem(key, format!("不是有效数值：{value}"));
                Decimal::ZERO
            }
        }
    }

    /// Parses and type-checks an expression standing at `key`; `want` are
    /// the types it may have.
    fn condition(
        &mut self,
        key: &str,
        source: &str,
        names: &Names<'_>,
        place: Place,
        want: &[ValueType],
    ) -> Option<Condition> {
        let expr = match expr::parse(source) {
            Ok(e) => e,
            Err(e) => {
                self.problem(key, e.to_string());
                return None;
            }
        };
        let inputs = |k: &str| names.value_type(k);
        let items = |c: &str| names.items.iter().any(|i| i == c);
        let categories = |c: &str| names.categories.iter().any(|i| i == c);
        let input_keys = || names.inputs.iter().map(|i| i.key.clone()).collect();
        let item_codes = || names.items.clone();
        let category_codes = || names.categories.clone();
        let scope = Scope {
            inputs: &inputs,
            items: &items,
            categories: &categories,
            input_keys: &input_keys,
            item_codes: &item_codes,
            category_codes: &category_codes,
        };
        match expr::check(&expr, &scope, place) {
            Ok(t) if want.contains(&t) => Some(Condition {
                source: source.to_string(),
                expr,
            }),
            Ok(t) => {
                let wanted: Vec<&str> = want.iter().map(|w| w.label_zh()).collect();
                self.problem(
                    key,
                    format!(
                        "第 1 个字符：表达式的结果是{}，这里需要{}",
                        t.label_zh(),
                        wanted.join("或")
                    ),
                );
                None
            }
            Err(e) => {
                self.problem(key, e.to_string());
                None
            }
        }
    }

    fn checklist(&mut self, raw: RawChecklist) -> Checklist {
        if !is_id(&raw.id) {
            self.problem(
                "id",
                format!("只能由小写字母、数字和 - 组成，实际为“{}”", raw.id),
            );
        }
        if !is_version(&raw.version) {
            self.problem(
                "version",
                format!("只能由字母、数字、. 和 - 组成，实际为“{}”", raw.version),
            );
        }
        if raw.title.trim().is_empty() {
            self.problem("title", "不能为空");
        }
        if raw.unit_kinds.is_empty() || raw.unit_kinds.iter().any(|k| k.trim().is_empty()) {
            self.problem("unit_kinds", "至少列出一个单位类型，且不能为空字符串");
        }
        let total = self.points("total", raw.total);
        if total.0 <= 0 {
            self.problem("total", "总分应大于 0");
        }
        let decimals = raw.decimals.unwrap_or(1);
        if !(1..=2).contains(&decimals) {
            self.problem(
                "decimals",
                format!("总分保留的小数位数应为 1 或 2，实际为 {decimals}"),
            );
        }

        let inputs = self.inputs(raw.inputs);
        let categories = self.categories(raw.categories);
        let groups = self.groups(raw.groups, &categories);
        let items = self.items(raw.items, &inputs, &categories, &groups);
        self.group_codes_apart(&groups, &items, &categories);

        let checklist_so_far = Checklist {
            id: String::new(),
            version: String::new(),
            title: String::new(),
            unit_kinds: Vec::new(),
            total,
            decimals,
            rectify_days: 0,
            bonus_max: Points::ZERO,
            cap_total: false,
            inputs: Vec::new(),
            categories: categories.clone(),
            groups: groups.clone(),
            items: items.clone(),
            vetoes: Vec::new(),
            tiers: Vec::new(),
            grades: Vec::new(),
        };
        if categories.iter().any(|c| c.weight.is_some()) {
            self.weights(&categories);
        } else {
            let sum: Points = categories
                .iter()
                .map(|c| checklist_so_far.category_max(&c.code))
                .sum();
            if sum != total {
                self.problem(
                    "total",
                    format!("各类别满分之和为 {sum}（分组按上限计），与总分 {total} 不符"),
                );
            }
        }
        let bonus_sum: Points = items
            .iter()
            .filter(|i| i.kind == ItemKind::Bonus)
            .map(|i| i.max)
            .sum();
        let bonus_max = match raw.bonus_max {
            Some(n) => self.points("bonus_max", n),
            None => bonus_sum,
        };

        let names = Names {
            inputs: &inputs,
            items: items.iter().map(|i| i.code.clone()).collect(),
            categories: categories.iter().map(|c| c.code.clone()).collect(),
        };
        let items = self.formulas(items, &names);
        let vetoes = self.vetoes(raw.vetoes, &names);
        let tiers = self.tiers(raw.tiers, &inputs, &items, &names);
        let grades = self.grades(raw.grades, &names);

        Checklist {
            id: raw.id,
            version: raw.version,
            title: raw.title,
            unit_kinds: raw.unit_kinds,
            total,
            decimals: decimals.clamp(1, 2),
            rectify_days: raw.rectify_days.unwrap_or(DEFAULT_RECTIFY_DAYS),
            bonus_max,
            cap_total: raw.cap_total,
            inputs,
            categories,
            groups,
            items,
            vetoes,
            tiers,
            grades,
        }
    }

    fn inputs(&mut self, raw: Vec<RawInput>) -> Vec<Input> {
        let mut keys = BTreeSet::new();
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        let mut inputs = Vec::with_capacity(raw.len());
        for (index, input) in raw.into_iter().enumerate() {
            let at = format!("inputs[{}]", display_key(&input.key, index));
            if !is_key(&input.key) {
                self.problem(
                    format!("{at}.key"),
                    format!("只能由小写字母、数字和 _ 组成，实际为“{}”", input.key),
                );
            }
            if !keys.insert(input.key.clone()) {
                self.problem(format!("{at}.key"), format!("重复的输入项“{}”", input.key));
            }
            let folded = fold_label(&input.label);
            if folded.is_empty() {
                self.problem(format!("{at}.label"), "不能为空");
            } else if let Some(other) = labels.insert(folded, input.key.clone()) {
                self.problem(
                    format!("{at}.label"),
                    format!(
                        "“{}”与输入项 {other} 的名称相同（忽略空格、全半角和末尾冒号后）",
                        input.label
                    ),
                );
            }
            let options = match (input.kind, input.options) {
                (InputType::Choice, Some(options)) => {
                    let mut seen = BTreeSet::new();
                    if options.is_empty() {
                        self.problem(format!("{at}.options"), "选项型输入项至少需要一个选项");
                    }
                    for option in &options {
                        let folded = fold_label(option);
                        if folded.is_empty() {
                            self.problem(format!("{at}.options"), "选项不能为空");
                        } else if !seen.insert(folded) {
                            self.problem(
                                format!("{at}.options"),
                                format!("重复的选项“{option}”（忽略空格和全半角后）"),
                            );
                        }
                    }
                    options
                }
                (InputType::Choice, None) => {
                    self.problem(format!("{at}.options"), "选项型输入项需要 options");
                    Vec::new()
                }
                (_, Some(_)) => {
                    self.problem(
                        format!("{at}.options"),
                        "只有 type = \"choice\" 的输入项可以列出 options",
                    );
                    Vec::new()
                }
                (_, None) => Vec::new(),
            };
            inputs.push(Input {
                key: input.key,
                label: input.label,
                unit: input.unit.filter(|u| !u.trim().is_empty()),
                kind: input.kind,
                group: input.group,
                options,
                note: input.note,
            });
        }
        inputs
    }

    fn categories(&mut self, raw: Vec<RawCategory>) -> Vec<Category> {
        let mut codes = BTreeSet::new();
        let mut categories = Vec::with_capacity(raw.len());
        for (index, category) in raw.into_iter().enumerate() {
            let at = format!("categories[{}]", display_key(&category.code, index));
            if !is_code(&category.code) {
                self.problem(format!("{at}.code"), "编号不能为空或含空格");
            }
            if !codes.insert(category.code.clone()) {
                self.problem(
                    format!("{at}.code"),
                    format!("重复的类别编号“{}”", category.code),
                );
            }
            let weight = category.weight.map(|w| {
                let d = self.decimal(&format!("{at}.weight"), w);
                if d <= Decimal::ZERO {
                    self.problem(format!("{at}.weight"), format!("权重应大于 0，实际为 {w}"));
                }
                d
            });
            categories.push(Category {
                code: category.code,
                name: category.name,
                weight,
            });
        }
        categories
    }

    fn weights(&mut self, categories: &[Category]) {
        if categories.iter().any(|c| c.weight.is_none()) {
            let missing: Vec<&str> = categories
                .iter()
                .filter(|c| c.weight.is_none())
                .map(|c| c.code.as_str())
                .collect();
            self.problem(
                "categories",
                format!(
                    "权重要么每个类别都写，要么都不写；类别 {} 没有写 weight",
                    missing.join("、")
                ),
            );
            return;
        }
        let sum = categories
            .iter()
            .filter_map(|c| c.weight)
            .try_fold(Decimal::ZERO, |a, w| a.checked_add(w));
        if sum != Some(Decimal::from_int(100)) {
            let shown = sum.map_or_else(|| "过大".to_string(), |s| s.to_string());
            self.problem(
                "categories",
                format!("各类别的权重之和应为 100，实际为 {shown}"),
            );
        }
    }

    fn groups(&mut self, raw: Vec<RawGroup>, categories: &[Category]) -> Vec<Group> {
        let mut codes = BTreeSet::new();
        let mut groups = Vec::with_capacity(raw.len());
        for (index, group) in raw.into_iter().enumerate() {
            let at = format!("groups[{}]", display_key(&group.code, index));
            if !is_code(&group.code) {
                self.problem(format!("{at}.code"), "编号不能为空或含空格");
            }
            if !codes.insert(group.code.clone()) {
                self.problem(
                    format!("{at}.code"),
                    format!("重复的分组编号“{}”", group.code),
                );
            }
            if !categories.iter().any(|c| c.code == group.category) {
                self.problem(
                    format!("{at}.category"),
                    format!("未定义的类别“{}”", group.category),
                );
            }
            if group.title.trim().is_empty() {
                self.problem(format!("{at}.title"), "不能为空");
            }
            let max = group.max.map(|m| {
                let p = self.points(&format!("{at}.max"), m);
                if p.0 == 0 {
                    self.problem(format!("{at}.max"), "分组上限应大于 0");
                }
                p
            });
            groups.push(Group {
                code: group.code,
                category: group.category,
                title: group.title,
                max,
            });
        }
        groups
    }

    /// A group's code stands on a heading row of 自查评分 and may be named in
    /// expressions: it must not be an item's or a category's code.
    fn group_codes_apart(&mut self, groups: &[Group], items: &[Item], categories: &[Category]) {
        for group in groups {
            let at = format!("groups[{}].code", group.code);
            if items.iter().any(|i| i.code == group.code) {
                self.problem(&at, format!("分组编号“{}”与条目编号重复", group.code));
            }
            if categories.iter().any(|c| c.code == group.code) {
                self.problem(&at, format!("分组编号“{}”与类别编号重复", group.code));
            }
        }
        for item in items {
            if categories.iter().any(|c| c.code == item.code) {
                self.problem(
                    format!("items[{}].code", item.code),
                    format!("条目编号“{}”与类别编号重复", item.code),
                );
            }
        }
    }

    fn input_of_type(
        &mut self,
        at: &str,
        key: &str,
        inputs: &[Input],
        rule: RuleKind,
        wanted: &[InputType],
    ) {
        match inputs.iter().find(|i| i.key == key) {
            None => self.problem(at, format!("未定义的输入项“{key}”")),
            Some(input) if !wanted.contains(&input.kind) => {
                let names: Vec<&str> = wanted.iter().map(|w| w.label_zh()).collect();
                self.problem(
                    at,
                    format!(
                        "规则 {} 需要{}型输入项，“{key}”是{}型",
                        rule.name(),
                        names.join("或"),
                        input.kind.label_zh()
                    ),
                )
            }
            Some(_) => {}
        }
    }

    fn items(
        &mut self,
        raw: Vec<RawItem>,
        inputs: &[Input],
        categories: &[Category],
        groups: &[Group],
    ) -> Vec<Item> {
        if raw.is_empty() {
            self.problem("items", "至少需要一个条目");
        }
        let mut codes = BTreeSet::new();
        let mut items = Vec::with_capacity(raw.len());
        for (index, item) in raw.into_iter().enumerate() {
            let at = format!("items[{}]", display_key(&item.code, index));
            if !is_code(&item.code) {
                self.problem(format!("{at}.code"), "编号不能为空或含空格");
            }
            if !codes.insert(item.code.clone()) {
                self.problem(
                    format!("{at}.code"),
                    format!("重复的条目编号“{}”", item.code),
                );
            }
            let group = item.group.as_ref().and_then(|code| {
                let found = groups.iter().find(|g| &g.code == code);
                if found.is_none() {
                    self.problem(format!("{at}.group"), format!("未定义的分组“{code}”"));
                }
                found
            });
            if item.group.is_some() && item.kind != ItemKind::Base {
                self.problem(
                    format!("{at}.group"),
                    "加分项和扣分项不计入分组，不能写 group",
                );
            }
            let category = match (&item.category, group) {
                (Some(c), Some(g)) if *c != g.category => {
                    self.problem(
                        format!("{at}.category"),
                        format!(
                            "条目所在分组“{}”属于类别“{}”，不是“{c}”",
                            g.code, g.category
                        ),
                    );
                    c.clone()
                }
                (Some(c), _) => c.clone(),
                (None, Some(g)) => g.category.clone(),
                (None, None) => {
                    self.problem(format!("{at}.category"), "缺少 category（或 group）");
                    String::new()
                }
            };
            if !category.is_empty() && !categories.iter().any(|c| c.code == category) {
                self.problem(
                    format!("{at}.category"),
                    format!("未定义的类别“{category}”"),
                );
            }
            let max = self.points(&format!("{at}.max"), item.max);
            if max.0 == 0 {
                self.problem(format!("{at}.max"), "分值应大于 0");
            }
            let rule = self.rule(&at, &item, max, inputs);
            let kind = item.rule;
            if item.optional && !kind.is_answered_on_the_sheet() {
                self.problem(
                    format!("{at}.optional"),
                    "只有 self、level、deduct 规则的条目可以设为可不适用（optional）",
                );
            }
            if item.assessed_by == Assessor::Inspector && !kind.is_answered_on_the_sheet() {
                self.problem(
                    format!("{at}.assessed_by"),
                    "只有 self、level、deduct 规则的条目可以由检查组评定（assessed_by = \"inspector\"）",
                );
            }
            self.stray_fields(&at, &item);
            items.push(Item {
                code: item.code,
                category,
                group: item.group,
                title: item.title,
                kind: item.kind,
                max,
                rule,
                optional: item.optional,
                assessed_by: item.assessed_by,
                requirement: item.requirement,
                evidence: item.evidence.filter(|e| !e.trim().is_empty()),
            });
        }
        items
    }

    /// Fields that belong to another rule are most likely a slip; say so.
    fn stray_fields(&mut self, at: &str, item: &RawItem) {
        let present = [
            ("input", item.input.is_some()),
            ("inputs", item.inputs.is_some()),
            ("bands", item.bands.is_some()),
            ("each", item.each.is_some()),
            ("step", item.step.is_some()),
            ("full_at", item.full_at.is_some()),
            ("deductions", item.deductions.is_some()),
            ("levels", item.levels.is_some()),
            ("points", item.points.is_some()),
            ("formula", item.formula.is_some()),
        ];
        let allowed: &[&str] = match item.rule {
            RuleKind::SelfScored => &["step"],
            RuleKind::YesNo => &["input"],
            RuleKind::Bands => &["input", "bands"],
            RuleKind::Each => &["inputs", "each"],
            RuleKind::Linear => &["input", "full_at", "step"],
            RuleKind::Deduct => &["deductions"],
            RuleKind::Level => &["levels"],
            RuleKind::Choice => &["input", "points"],
            RuleKind::Formula => &["formula", "step"],
        };
        for (field, present) in present {
            if present && !allowed.contains(&field) {
                self.problem(
                    format!("{at}.{field}"),
                    format!("规则 {} 不使用字段 {field}", item.rule.name()),
                );
            }
        }
    }

    fn required_input(&mut self, at: &str, input: &Option<String>) -> String {
        match input {
            Some(key) => key.clone(),
            None => {
                self.problem(format!("{at}.input"), "缺少 input");
                String::new()
            }
        }
    }

    fn step(&mut self, at: &str, step: Option<RawNumber>, default: Points) -> Points {
        match step {
            Some(step) => {
                let step = self.points(&format!("{at}.step"), step);
                if step.0 <= 0 {
                    self.problem(format!("{at}.step"), "步长应大于 0");
                    default
                } else {
                    step
                }
            }
            None => default,
        }
    }

    fn rule(&mut self, at: &str, item: &RawItem, max: Points, inputs: &[Input]) -> Rule {
        const NUMERIC: &[InputType] = &[InputType::Integer, InputType::Decimal, InputType::Percent];
        match item.rule {
            RuleKind::SelfScored => {
                let step = self.step(at, item.step, Points::HALF);
                if max.0 > 0 && !max.is_multiple_of(step) {
                    self.problem(
                        format!("{at}.max"),
                        format!("分值 {max} 不是步长 {step} 的倍数"),
                    );
                }
                Rule::SelfScored { step }
            }
            RuleKind::YesNo => {
                let input = self.required_input(at, &item.input);
                if !input.is_empty() {
                    self.input_of_type(
                        &format!("{at}.input"),
                        &input,
                        inputs,
                        item.rule,
                        &[InputType::YesNo],
                    );
                }
                Rule::YesNo { input }
            }
            RuleKind::Bands => {
                let input = self.required_input(at, &item.input);
                if !input.is_empty() {
                    self.input_of_type(&format!("{at}.input"), &input, inputs, item.rule, NUMERIC);
                }
                let raw_bands = item.bands.clone().unwrap_or_default();
                if raw_bands.is_empty() {
                    self.problem(format!("{at}.bands"), "至少需要一档");
                }
                let mut bands: Vec<(Decimal, Points)> = Vec::with_capacity(raw_bands.len());
                for (n, (threshold, points)) in raw_bands.into_iter().enumerate() {
                    let key = format!("{at}.bands[{n}]");
                    let threshold = self.decimal(&key, threshold);
                    let points = self.points(&key, points);
                    if points > max {
                        self.problem(&key, format!("档位分值 {points} 超过条目分值 {max}"));
                    }
                    if let Some((previous, _)) = bands.last()
                        && threshold >= *previous
                    {
                        self.problem(
                            &key,
                            format!("门槛应严格递减：{threshold} 不小于上一档 {previous}"),
                        );
                    }
                    bands.push((threshold, points));
                }
                Rule::Bands { input, bands }
            }
            RuleKind::Each => {
                let keys = item.inputs.clone().unwrap_or_default();
                if keys.is_empty() {
                    self.problem(format!("{at}.inputs"), "至少列出一个输入项");
                }
                let mut seen = BTreeSet::new();
                for key in &keys {
                    if !inputs.iter().any(|i| &i.key == key) {
                        self.problem(format!("{at}.inputs"), format!("未定义的输入项“{key}”"));
                    } else if inputs
                        .iter()
                        .any(|i| &i.key == key && i.kind == InputType::Choice)
                    {
                        self.problem(
                            format!("{at}.inputs"),
                            format!("规则 each 需要是/否型或数值型输入项，“{key}”是选项型"),
                        );
                    }
                    if !seen.insert(key) {
                        self.problem(format!("{at}.inputs"), format!("重复列出“{key}”"));
                    }
                }
                let each = match item.each {
                    Some(each) => self.points(&format!("{at}.each"), each),
                    None => {
                        self.problem(format!("{at}.each"), "缺少 each（每项得分）");
                        Points::ZERO
                    }
                };
                if item.each.is_some() && each.0 <= 0 {
                    self.problem(format!("{at}.each"), "每项得分应大于 0");
                }
                Rule::Each { inputs: keys, each }
            }
            RuleKind::Linear => {
                let input = self.required_input(at, &item.input);
                if !input.is_empty() {
                    self.input_of_type(&format!("{at}.input"), &input, inputs, item.rule, NUMERIC);
                }
                let full_at = match item.full_at {
                    Some(f) => self.decimal(&format!("{at}.full_at"), f),
                    None => {
                        self.problem(format!("{at}.full_at"), "缺少 full_at");
                        Decimal::from_int(1)
                    }
                };
                if item.full_at.is_some() && full_at <= Decimal::ZERO {
                    self.problem(format!("{at}.full_at"), "full_at 应大于 0");
                }
                let step = self.step(at, item.step, Points::HALF);
                Rule::Linear {
                    input,
                    full_at,
                    step,
                }
            }
            RuleKind::Deduct => {
                let raw = item.deductions.clone().unwrap_or_default();
                let mut deductions = Vec::with_capacity(raw.len());
                for (n, d) in raw.into_iter().enumerate() {
                    let key = format!("{at}.deductions[{n}]");
                    if d.text.trim().is_empty() {
                        self.problem(format!("{key}.text"), "不能为空");
                    }
                    let points = self.points(&format!("{key}.points"), d.points);
                    deductions.push(Deduction {
                        text: d.text,
                        points,
                        once: d.once,
                    });
                }
                if !deductions.iter().any(|d| d.points.0 > 0) {
                    self.problem(
                        format!("{at}.deductions"),
                        "扣分规则至少需要一项扣分大于 0 的扣分项",
                    );
                }
                Rule::Deduct { deductions }
            }
            RuleKind::Level => {
                let raw = item.levels.clone().unwrap_or_default();
                if raw.is_empty() {
                    self.problem(format!("{at}.levels"), "至少需要一个等级");
                }
                let mut names = BTreeSet::new();
                let mut levels = Vec::with_capacity(raw.len());
                for (n, (name, points)) in raw.into_iter().enumerate() {
                    let key = format!("{at}.levels[{n}]");
                    let folded = fold_label(&name);
                    if folded.is_empty() {
                        self.problem(&key, "等级名称不能为空");
                    } else if !names.insert(folded) {
                        self.problem(&key, format!("重复的等级名称“{name}”"));
                    }
                    let points = self.points(&key, points);
                    if points > max {
                        self.problem(&key, format!("等级分值 {points} 超过条目分值 {max}"));
                    }
                    levels.push(Level { name, points });
                }
                Rule::Level { levels }
            }
            RuleKind::Choice => {
                let input = self.required_input(at, &item.input);
                let choice = inputs.iter().find(|i| i.key == input);
                if !input.is_empty() {
                    self.input_of_type(
                        &format!("{at}.input"),
                        &input,
                        inputs,
                        item.rule,
                        &[InputType::Choice],
                    );
                }
                let raw = item.points.clone().unwrap_or_default();
                if raw.is_empty() {
                    self.problem(format!("{at}.points"), "至少为一个选项给出分值");
                }
                let mut points = Vec::with_capacity(raw.len());
                for (option, value) in raw {
                    let key = format!("{at}.points.{option}");
                    let p = self.points(&key, value);
                    if p > max {
                        self.problem(&key, format!("选项分值 {p} 超过条目分值 {max}"));
                    }
                    let canonical = match choice.filter(|c| c.kind == InputType::Choice) {
                        Some(c) => match c.option(&option) {
                            Some(o) => o.to_string(),
                            None => {
                                self.problem(
                                    &key,
                                    format!(
                                        "“{option}”不是输入项 {input} 的选项（{}）",
                                        c.options.join("、")
                                    ),
                                );
                                option
                            }
                        },
                        None => option,
                    };
                    points.push((canonical, p));
                }
                Rule::Choice { input, points }
            }
            RuleKind::Formula => {
                if item.formula.as_deref().is_none_or(|f| f.trim().is_empty()) {
                    self.problem(format!("{at}.formula"), "缺少 formula");
                }
                let step = self.step(at, item.step, Points::HUNDREDTH);
                // Parsed and checked once every code is known (see `formulas`).
                Rule::Formula {
                    formula: Condition {
                        source: item.formula.clone().unwrap_or_default(),
                        expr: expr::parse("0").expect("0 parses"),
                    },
                    step,
                }
            }
        }
    }

    /// Parses and checks `formula` items once the names are known.
    fn formulas(&mut self, items: Vec<Item>, names: &Names<'_>) -> Vec<Item> {
        items
            .into_iter()
            .map(|mut item| {
                if let Rule::Formula { formula, step } = &item.rule
                    && !formula.source.trim().is_empty()
                {
                    let at = format!("items[{}].formula", item.code);
                    let step = *step;
                    let source = formula.source.clone();
                    if let Some(checked) = self.condition(
                        &at,
                        &source,
                        names,
                        Place::ItemFormula,
                        &[ValueType::Bool, ValueType::Number],
                    ) {
                        item.rule = Rule::Formula {
                            formula: checked,
                            step,
                        };
                    }
                }
                item
            })
            .collect()
    }

    fn vetoes(&mut self, raw: Vec<RawVeto>, names: &Names<'_>) -> Vec<Veto> {
        let mut seen = BTreeSet::new();
        let mut vetoes = Vec::with_capacity(raw.len());
        for (index, veto) in raw.into_iter().enumerate() {
            let at = format!("vetoes[{index}]");
            if veto.reason.trim().is_empty() {
                self.problem(format!("{at}.reason"), "不能为空");
            }
            let trigger = match (veto.input, veto.when) {
                (Some(input), None) => {
                    match names.inputs.iter().find(|i| i.key == input) {
                        None => {
                            self.problem(format!("{at}.input"), format!("未定义的输入项“{input}”"))
                        }
                        Some(i) if i.kind != InputType::YesNo => self.problem(
                            format!("{at}.input"),
                            format!(
                                "一票否决需要是/否型输入项，“{input}”是{}",
                                i.kind.label_zh()
                            ),
                        ),
                        Some(_) => {}
                    }
                    if !seen.insert(input.clone()) {
                        self.problem(format!("{at}.input"), format!("重复的否决项“{input}”"));
                    }
                    VetoTrigger::Input(input)
                }
                (None, Some(when)) => {
                    match self.condition(
                        &format!("{at}.when"),
                        &when,
                        names,
                        Place::Veto,
                        &[ValueType::Bool],
                    ) {
                        Some(c) => VetoTrigger::When(c),
                        None => continue,
                    }
                }
                (Some(_), Some(_)) => {
                    self.problem(&at, "input 与 when 只能写一个");
                    continue;
                }
                (None, None) => {
                    self.problem(&at, "需要 input（是/否型输入项）或 when（条件）");
                    continue;
                }
            };
            vetoes.push(Veto {
                trigger,
                reason: veto.reason,
            });
        }
        vetoes
    }

    fn tiers(
        &mut self,
        raw: Vec<RawTier>,
        inputs: &[Input],
        items: &[Item],
        names: &Names<'_>,
    ) -> Vec<Tier> {
        let mut tiers: Vec<Tier> = Vec::with_capacity(raw.len());
        let mut codes = BTreeSet::new();
        let mut tier_names = BTreeSet::new();
        for (index, tier) in raw.into_iter().enumerate() {
            let at = format!("tiers[{}]", display_key(&tier.code, index));
            if !is_id(&tier.code) {
                self.problem(
                    format!("{at}.code"),
                    format!("只能由小写字母、数字和 - 组成，实际为“{}”", tier.code),
                );
            }
            if !codes.insert(tier.code.clone()) {
                self.problem(
                    format!("{at}.code"),
                    format!("重复的等级编号“{}”", tier.code),
                );
            }
            if !tier_names.insert(fold_label(&tier.name)) {
                self.problem(
                    format!("{at}.name"),
                    format!("重复的等级名称“{}”", tier.name),
                );
            }
            let min_total = self.points(&format!("{at}.min_total"), tier.min_total);
            if let Some(previous) = tiers.last()
                && min_total < previous.min_total
            {
                self.problem(
                    format!("{at}.min_total"),
                    format!(
                        "等级应从低到高排列、分数线不能下降：{min_total} 低于上一级 {}",
                        previous.min_total
                    ),
                );
            }
            for code in &tier.required_items {
                match items.iter().find(|i| &i.code == code) {
                    None => self.problem(
                        format!("{at}.required_items"),
                        format!("未定义的条目“{code}”"),
                    ),
                    Some(item) if item.optional => self.problem(
                        format!("{at}.required_items"),
                        format!("条目“{code}”可不适用（optional），不能作为必须满分条目"),
                    ),
                    Some(_) => {}
                }
            }
            let category_floor = tier.category_floor.map(|floor| {
                let key = format!("{at}.category_floor");
                match floor.to_decimal().and_then(|d| d.scaled_to(1)) {
                    Some(tenths) if (0..=1000).contains(&tenths) => tenths as i32,
                    _ => {
                        self.problem(&key, format!("应为 0–100 之间的百分数，实际为 {floor}"));
                        0
                    }
                }
            });
            let mut min_inputs = Vec::with_capacity(tier.min_inputs.len());
            for (key, value) in tier.min_inputs {
                let at_key = format!("{at}.min_inputs.{key}");
                let Some(input) = inputs.iter().find(|i| i.key == key) else {
                    self.problem(&at_key, format!("“{key}”不是输入项"));
                    continue;
                };
                let min = match (input.kind, value) {
                    (InputType::Choice, _) => {
                        self.problem(&at_key, "选项型输入项不能写最低要求，请用 requires 写条件");
                        continue;
                    }
                    (InputType::YesNo, RawMinValue::Bool(b)) => MinInput::Yes(b),
                    (InputType::YesNo, RawMinValue::Number(_)) => {
                        self.problem(&at_key, "是/否型输入项的最低要求应写 true");
                        continue;
                    }
                    (_, RawMinValue::Number(n)) => MinInput::AtLeast(self.decimal(&at_key, n)),
                    (_, RawMinValue::Bool(_)) => {
                        self.problem(&at_key, "数值型输入项的最低要求应写数值");
                        continue;
                    }
                };
                min_inputs.push((key, min));
            }
            let requires = tier.requires.as_ref().and_then(|source| {
                self.condition(
                    &format!("{at}.requires"),
                    source,
                    names,
                    Place::TierOrGrade,
                    &[ValueType::Bool],
                )
            });
            tiers.push(Tier {
                code: tier.code,
                name: tier.name,
                min_total,
                required_items: tier.required_items,
                category_floor,
                min_inputs,
                requires,
            });
        }
        tiers
    }

    fn grades(&mut self, raw: Vec<RawGrade>, names: &Names<'_>) -> Vec<Grade> {
        let mut grades: Vec<Grade> = Vec::with_capacity(raw.len());
        for (index, grade) in raw.into_iter().enumerate() {
            let at = format!("grades[{index}]");
            if grade.name.trim().is_empty() {
                self.problem(format!("{at}.name"), "不能为空");
            }
            let min_total = self.points(&format!("{at}.min_total"), grade.min_total);
            if let Some(previous) = grades.last()
                && min_total < previous.min_total
            {
                self.problem(
                    format!("{at}.min_total"),
                    format!(
                        "结论应从低到高排列、分数线不能下降：{min_total} 低于上一档 {}",
                        previous.min_total
                    ),
                );
            }
            let requires = grade.requires.as_ref().and_then(|source| {
                self.condition(
                    &format!("{at}.requires"),
                    source,
                    names,
                    Place::TierOrGrade,
                    &[ValueType::Bool],
                )
            });
            grades.push(Grade {
                name: grade.name,
                min_total,
                requires,
            });
        }
        grades
    }
}
