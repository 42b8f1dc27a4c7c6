//! The checklist (考核细则): inputs asked on sheet 人财物投入, categories, items
//! with their scoring rules, vetoes (一票否决), tiers and grades.
//!
//! [`RawChecklist`] is the file as written (deserialised by `ingest`);
//! [`Checklist::from_raw`] validates it and returns every problem found, each
//! naming the offending key, so an author fixes a file in one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::number::{Decimal, Points};
use super::text::fold_label;

/// The type of an input, which decides how its cell is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// A whole number ≥ 0 (people, cabinets, items).
    Integer,
    /// A number ≥ 0 (area, money).
    Decimal,
    /// A number 0..=100.
    Percent,
    /// 是 / 否.
    YesNo,
}

impl InputType {
    pub fn is_numeric(self) -> bool {
        !matches!(self, InputType::YesNo)
    }

    /// The word used in messages and in the workbook's instructions.
    pub fn label_zh(self) -> &'static str {
        match self {
            InputType::Integer => "整数",
            InputType::Decimal => "数值",
            InputType::Percent => "百分比（0–100）",
            InputType::YesNo => "是/否",
        }
    }
}

/// The 人、财、物 grouping of inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InputGroup {
    #[serde(rename = "人")]
    People,
    #[serde(rename = "财")]
    Money,
    #[serde(rename = "物")]
    Facilities,
    #[serde(rename = "其他")]
    Other,
}

impl InputGroup {
    pub fn label_zh(self) -> &'static str {
        match self {
            InputGroup::People => "人",
            InputGroup::Money => "财",
            InputGroup::Facilities => "物",
            InputGroup::Other => "其他",
        }
    }
}

/// A number as TOML gives it: integer or float.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Int(i64),
    Float(f64),
}

impl RawNumber {
    pub fn to_decimal(self) -> Option<Decimal> {
        match self {
            RawNumber::Int(i) => Some(Decimal::from_int(i)),
            RawNumber::Float(f) => Decimal::from_f64(f),
        }
    }
}

impl fmt::Display for RawNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawNumber::Int(i) => write!(f, "{i}"),
            RawNumber::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A `min_inputs` value: a number for numeric inputs, `true` for yes_no ones.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawMinValue {
    Bool(bool),
    Number(RawNumber),
}

/// The checklist file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    pub id: String,
    pub version: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    pub total: RawNumber,
    pub rectify_days: Option<u32>,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
    #[serde(default)]
    pub categories: Vec<RawCategory>,
    #[serde(default)]
    pub items: Vec<RawItem>,
    #[serde(default)]
    pub vetoes: Vec<RawVeto>,
    #[serde(default)]
    pub tiers: Vec<RawTier>,
    #[serde(default)]
    pub grades: Vec<RawGrade>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    #[serde(rename = "type")]
    pub kind: InputType,
    pub group: InputGroup,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub code: String,
    pub name: String,
}

/// The rule kinds of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    #[serde(rename = "self")]
    SelfScored,
    YesNo,
    Bands,
    Each,
    Linear,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub code: String,
    pub category: String,
    pub title: String,
    pub max: RawNumber,
    pub rule: RuleKind,
    pub input: Option<String>,
    pub inputs: Option<Vec<String>>,
    pub bands: Option<Vec<(RawNumber, RawNumber)>>,
    pub each: Option<RawNumber>,
    pub step: Option<RawNumber>,
    pub full_at: Option<RawNumber>,
    #[serde(default)]
    pub optional: bool,
    /// The concrete requirement shown on a rectification notice (整改要求).
    pub requirement: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVeto {
    pub input: String,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub code: String,
    pub name: String,
    pub min_total: RawNumber,
    #[serde(default)]
    pub required_items: Vec<String>,
    pub category_floor: Option<RawNumber>,
    #[serde(default)]
    pub min_inputs: BTreeMap<String, RawMinValue>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub name: String,
    pub min_total: RawNumber,
}

/// A fact asked on sheet 人财物投入.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Input {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    pub kind: InputType,
    pub group: InputGroup,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
}

/// How an item earns its points.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The unit's own score from sheet 自查评分, a multiple of `step`.
    SelfScored { step: Points },
    /// `max` if the input is 是.
    YesNo { input: String },
    /// The points of the first band whose threshold the input reaches.
    Bands {
        input: String,
        bands: Vec<(Decimal, Points)>,
    },
    /// `each` per input that is 是 (or > 0), capped at `max`.
    Each { inputs: Vec<String>, each: Points },
    /// `max × min(v / full_at, 1)`, rounded down to 0.5.
    Linear { input: String, full_at: Decimal },
}

impl Rule {
    pub fn kind(&self) -> RuleKind {
        match self {
            Rule::SelfScored { .. } => RuleKind::SelfScored,
            Rule::YesNo { .. } => RuleKind::YesNo,
            Rule::Bands { .. } => RuleKind::Bands,
            Rule::Each { .. } => RuleKind::Each,
            Rule::Linear { .. } => RuleKind::Linear,
        }
    }

    /// The inputs this rule reads.
    pub fn inputs(&self) -> Vec<&str> {
        match self {
            Rule::SelfScored { .. } => Vec::new(),
            Rule::YesNo { input } | Rule::Bands { input, .. } | Rule::Linear { input, .. } => {
                vec![input.as_str()]
            }
            Rule::Each { inputs, .. } => inputs.iter().map(String::as_str).collect(),
        }
    }
}

/// One checklist item (考核条目).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub code: String,
    pub category: String,
    pub title: String,
    pub max: Points,
    pub rule: Rule,
    /// A `self` item the unit may answer 不适用.
    pub optional: bool,
    pub requirement: Option<String>,
}

/// 一票否决: a yes_no input whose 是 denies every tier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Veto {
    pub input: String,
    pub reason: String,
}

/// A minimum on an input that a tier requires.
#[derive(Clone, Debug, PartialEq)]
pub enum MinInput {
    /// Numeric input: `v >= min`.
    AtLeast(Decimal),
    /// yes_no input: `true` requires 是; `false` requires nothing.
    Yes(bool),
}

/// An accreditation tier (市级规范化 / 省级规范化 / 省级示范档案室).
#[derive(Clone, Debug, PartialEq)]
pub struct Tier {
    pub code: String,
    pub name: String,
    pub min_total: Points,
    pub required_items: Vec<String>,
    /// Every category must earn at least this share of its applicable max,
    /// in tenths of a percent (80% = 800).
    pub category_floor: Option<i32>,
    pub min_inputs: Vec<(String, MinInput)>,
}

/// The year's inspection grade (年检结论).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grade {
    pub name: String,
    pub min_total: Points,
}

/// A validated checklist version.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub id: String,
    pub version: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    pub total: Points,
    pub rectify_days: u32,
    pub inputs: Vec<Input>,
    pub categories: Vec<Category>,
    pub items: Vec<Item>,
    pub vetoes: Vec<Veto>,
    pub tiers: Vec<Tier>,
    pub grades: Vec<Grade>,
}

/// The days a unit has to rectify when the checklist does not say.
pub const DEFAULT_RECTIFY_DAYS: u32 = 30;

/// One reason a checklist file is refused, at a key such as `items[B1].bands`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistProblem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ChecklistProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl Checklist {
    /// `id@version`, the name campaigns and workbooks use.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    pub fn input(&self, key: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.key == key)
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn tier(&self, code: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.code == code)
    }

    pub fn applies_to(&self, unit_kind: &str) -> bool {
        self.unit_kinds.iter().any(|k| k == unit_kind)
    }

    /// Finds a tier as a unit writes it in 申报等级: its code or its name,
    /// compared after folding, and the name also without its trailing 档案室
    /// ("省级示范" for "省级示范档案室").
    pub fn find_tier(&self, written: &str) -> Option<&Tier> {
        let wanted = fold_label(written);
        if wanted.is_empty() {
            return None;
        }
        self.tiers.iter().find(|t| {
            let name = fold_label(&t.name);
            wanted.eq_ignore_ascii_case(&fold_label(&t.code))
                || wanted == name
                || name.strip_suffix("档案室") == Some(wanted.as_str())
        })
    }

    /// The total of the `max` of the items in one category.
    pub fn category_max(&self, code: &str) -> Points {
        self.items
            .iter()
            .filter(|i| i.category == code)
            .map(|i| i.max)
            .sum()
    }

    /// Validates a file's content; every problem is returned, not only the first.
    pub fn from_raw(raw: RawChecklist) -> Result<Checklist, Vec<ChecklistProblem>> {
        let mut v = Validator::default();
        let checklist = v.checklist(raw);
        if v.problems.is_empty() {
            Ok(checklist)
        } else {
            Err(v.problems)
        }
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

impl Validator {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ChecklistProblem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// Points in tenths from a file number; `half` demands a multiple of 0.5.
    fn points(&mut self, key: &str, value: RawNumber, half: bool) -> Points {
        let points = value.to_decimal().and_then(Points::from_decimal);
        match points {
            Some(p) if p.0 < 0 => {
                self.problem(key, format!("不能为负数，实际为 {value}"));
                Points::ZERO
            }
            Some(p) if half && p.0 % 5 != 0 => {
                self.problem(key, format!("应为 0.5 的倍数，实际为 {value}"));
                p
            }
            Some(p) => p,
            None => {
                self.problem(key, format!("应为最多一位小数的分值，实际为 {value}"));
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
        let total = self.points("total", raw.total, true);
        if total.0 <= 0 {
            self.problem("total", "总分应大于 0");
        }

        let inputs = self.inputs(raw.inputs);
        let categories = self.categories(raw.categories);
        let items = self.items(raw.items, &inputs, &categories);

        let item_sum: Points = items.iter().map(|i| i.max).sum();
        if item_sum != total {
            self.problem(
                "total",
                format!("各条目分值之和为 {item_sum}，与总分 {total} 不符"),
            );
        }

        let vetoes = self.vetoes(raw.vetoes, &inputs);
        let tiers = self.tiers(raw.tiers, &inputs, &items);
        let grades = self.grades(raw.grades);

        Checklist {
            id: raw.id,
            version: raw.version,
            title: raw.title,
            unit_kinds: raw.unit_kinds,
            total,
            rectify_days: raw.rectify_days.unwrap_or(DEFAULT_RECTIFY_DAYS),
            inputs,
            categories,
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
            inputs.push(Input {
                key: input.key,
                label: input.label,
                unit: input.unit.filter(|u| !u.trim().is_empty()),
                kind: input.kind,
                group: input.group,
                note: input.note,
            });
        }
        inputs
    }

    fn categories(&mut self, raw: Vec<RawCategory>) -> Vec<Category> {
        let mut codes = BTreeSet::new();
        for (index, category) in raw.iter().enumerate() {
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
        }
        raw.into_iter()
            .map(|c| Category {
                code: c.code,
                name: c.name,
            })
            .collect()
    }

    fn input_of_type(
        &mut self,
        at: &str,
        key: &str,
        inputs: &[Input],
        rule: RuleKind,
        numeric: bool,
    ) {
        match inputs.iter().find(|i| i.key == key) {
            None => self.problem(at, format!("未定义的输入项“{key}”")),
            Some(input) if numeric && !input.kind.is_numeric() => self.problem(
                at,
                format!("规则 {rule:?} 需要数值型输入项，“{key}”是是/否型"),
            ),
            Some(input) if !numeric && input.kind != InputType::YesNo => self.problem(
                at,
                format!(
                    "规则 yes_no 需要是/否型输入项，“{key}”是{}",
                    input.kind.label_zh()
                ),
            ),
            Some(_) => {}
        }
    }

    fn items(&mut self, raw: Vec<RawItem>, inputs: &[Input], categories: &[Category]) -> Vec<Item> {
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
            if !categories.iter().any(|c| c.code == item.category) {
                self.problem(
                    format!("{at}.category"),
                    format!("未定义的类别“{}”", item.category),
                );
            }
            let max = self.points(&format!("{at}.max"), item.max, true);
            if max.0 == 0 {
                self.problem(format!("{at}.max"), "分值应大于 0");
            }
            let rule = self.rule(&at, &item, max, inputs);
            if item.optional && item.rule != RuleKind::SelfScored {
                self.problem(
                    format!("{at}.optional"),
                    "只有 rule = \"self\" 的条目可以设为可不适用（optional）",
                );
            }
            // Fields that belong to another rule are most likely a slip; say so.
            let stray = [
                ("input", item.input.is_some()),
                ("inputs", item.inputs.is_some()),
                ("bands", item.bands.is_some()),
                ("each", item.each.is_some()),
                ("step", item.step.is_some()),
                ("full_at", item.full_at.is_some()),
            ];
            let allowed: &[&str] = match item.rule {
                RuleKind::SelfScored => &["step"],
                RuleKind::YesNo => &["input"],
                RuleKind::Bands => &["input", "bands"],
                RuleKind::Each => &["inputs", "each"],
                RuleKind::Linear => &["input", "full_at"],
            };
            for (field, present) in stray {
                if present && !allowed.contains(&field) {
                    self.problem(
                        format!("{at}.{field}"),
                        format!("规则 {:?} 不使用字段 {field}", item.rule),
                    );
                }
            }
            items.push(Item {
                code: item.code,
                category: item.category,
                title: item.title,
                max,
                rule,
                optional: item.optional,
                requirement: item.requirement,
            });
        }
        items
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

    fn rule(&mut self, at: &str, item: &RawItem, max: Points, inputs: &[Input]) -> Rule {
        match item.rule {
            RuleKind::SelfScored => {
                let step = match item.step {
                    Some(step) => self.points(&format!("{at}.step"), step, false),
                    None => Points(5),
                };
                if step.0 <= 0 {
                    self.problem(format!("{at}.step"), "步长应大于 0");
                } else if !max.is_multiple_of(step) {
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
                    self.input_of_type(&format!("{at}.input"), &input, inputs, item.rule, false);
                }
                Rule::YesNo { input }
            }
            RuleKind::Bands => {
                let input = self.required_input(at, &item.input);
                if !input.is_empty() {
                    self.input_of_type(&format!("{at}.input"), &input, inputs, item.rule, true);
                }
                let raw_bands = item.bands.clone().unwrap_or_default();
                if raw_bands.is_empty() {
                    self.problem(format!("{at}.bands"), "至少需要一档");
                }
                let mut bands: Vec<(Decimal, Points)> = Vec::with_capacity(raw_bands.len());
                for (n, (threshold, points)) in raw_bands.into_iter().enumerate() {
                    let key = format!("{at}.bands[{n}]");
                    let threshold = self.decimal(&key, threshold);
                    let points = self.points(&key, points, false);
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
                    }
                    if !seen.insert(key) {
                        self.problem(format!("{at}.inputs"), format!("重复列出“{key}”"));
                    }
                }
                let each = match item.each {
                    Some(each) => self.points(&format!("{at}.each"), each, false),
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
                    self.input_of_type(&format!("{at}.input"), &input, inputs, item.rule, true);
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
                Rule::Linear { input, full_at }
            }
        }
    }

    fn vetoes(&mut self, raw: Vec<RawVeto>, inputs: &[Input]) -> Vec<Veto> {
        let mut seen = BTreeSet::new();
        for (index, veto) in raw.iter().enumerate() {
            let at = format!("vetoes[{index}].input");
            match inputs.iter().find(|i| i.key == veto.input) {
                None => self.problem(&at, format!("未定义的输入项“{}”", veto.input)),
                Some(i) if i.kind != InputType::YesNo => self.problem(
                    &at,
                    format!(
                        "一票否决需要是/否型输入项，“{}”是{}",
                        veto.input,
                        i.kind.label_zh()
                    ),
                ),
                Some(_) => {}
            }
            if !seen.insert(&veto.input) {
                self.problem(&at, format!("重复的否决项“{}”", veto.input));
            }
        }
        raw.into_iter()
            .map(|v| Veto {
                input: v.input,
                reason: v.reason,
            })
            .collect()
    }

    fn tiers(&mut self, raw: Vec<RawTier>, inputs: &[Input], items: &[Item]) -> Vec<Tier> {
        let mut tiers: Vec<Tier> = Vec::with_capacity(raw.len());
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::new();
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
            if !names.insert(fold_label(&tier.name)) {
                self.problem(
                    format!("{at}.name"),
                    format!("重复的等级名称“{}”", tier.name),
                );
            }
            let min_total = self.points(&format!("{at}.min_total"), tier.min_total, false);
            if let Some(previous) = tiers.last()
                && min_total <= previous.min_total
            {
                self.problem(
                    format!("{at}.min_total"),
                    format!(
                        "等级应从低到高排列、分数线逐级上升：{min_total} 不高于上一级 {}",
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
            tiers.push(Tier {
                code: tier.code,
                name: tier.name,
                min_total,
                required_items: tier.required_items,
                category_floor,
                min_inputs,
            });
        }
        tiers
    }

    fn grades(&mut self, raw: Vec<RawGrade>) -> Vec<Grade> {
        let mut grades: Vec<Grade> = Vec::with_capacity(raw.len());
        for (index, grade) in raw.into_iter().enumerate() {
            let at = format!("grades[{index}].min_total");
            let min_total = self.points(&at, grade.min_total, false);
            if let Some(previous) = grades.last()
                && min_total <= previous.min_total
            {
                self.problem(
                    &at,
                    format!(
                        "结论应从低到高排列、分数线逐级上升：{min_total} 不高于上一档 {}",
                        previous.min_total
                    ),
                );
            }
            grades.push(Grade {
                name: grade.name,
                min_total,
            });
        }
        grades
    }
}

/// Names an element by its code, or by its position when the code is empty.
fn display_key(code: &str, index: usize) -> String {
    if code.is_empty() {
        index.to_string()
    } else {
        code.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid checklist used across the domain tests.
    pub(crate) fn sample_toml() -> &'static str {
        r#"
id = "community"
version = "2013"
title = "社区档案工作考核细则（2013版）"
unit_kinds = ["社区"]
total = 20
rectify_days = 30

[[inputs]]
key = "room_area"
label = "档案室面积"
unit = "平方米"
type = "decimal"
group = "物"

[[inputs]]
key = "has_budget"
label = "档案经费列入预算"
type = "yes_no"
group = "财"

[[inputs]]
key = "air_conditioner"
label = "空调"
type = "yes_no"
group = "物"

[[inputs]]
key = "scanners"
label = "扫描仪"
unit = "台"
type = "integer"
group = "物"

[[inputs]]
key = "digitised"
label = "数字化率"
type = "percent"
group = "其他"

[[inputs]]
key = "loss_incident"
label = "发生档案损毁丢失"
type = "yes_no"
group = "其他"

[[categories]]
code = "A"
name = "组织"

[[categories]]
code = "B"
name = "设施"

[[items]]
code = "A1"
category = "A"
title = "明确分管领导"
max = 4
rule = "self"

[[items]]
code = "A2"
category = "A"
title = "科技档案"
max = 2
rule = "self"
optional = true

[[items]]
code = "A3"
category = "A"
title = "经费列入预算"
max = 2
rule = "yes_no"
input = "has_budget"

[[items]]
code = "B1"
category = "B"
title = "档案室面积"
max = 4
rule = "bands"
input = "room_area"
bands = [[40, 4], [20, 2], [10, 1]]

[[items]]
code = "B2"
category = "B"
title = "设备"
max = 3
rule = "each"
inputs = ["air_conditioner", "scanners"]
each = 2

[[items]]
code = "B3"
category = "B"
title = "数字化"
max = 5
rule = "linear"
input = "digitised"
full_at = 80

[[vetoes]]
input = "loss_incident"
reason = "年度内发生档案损毁、丢失或泄密事件"

[[tiers]]
code = "city-standard"
name = "市级规范化档案室"
min_total = 12

[[tiers]]
code = "province-model"
name = "省级示范档案室"
min_total = 18
required_items = ["A1", "B1"]
category_floor = 80
min_inputs = { room_area = 40, has_budget = true }

[[grades]]
name = "不合格"
min_total = 0

[[grades]]
name = "合格"
min_total = 12
"#
    }

    pub(crate) fn parse(text: &str) -> Result<Checklist, Vec<ChecklistProblem>> {
        let raw: RawChecklist = toml::from_str(text).expect("sample is TOML");
        Checklist::from_raw(raw)
    }

    pub(crate) fn sample() -> Checklist {
        parse(sample_toml()).expect("sample is valid")
    }

    fn problems_after(edit: impl Fn(&str) -> String) -> Vec<String> {
        match parse(&edit(sample_toml())) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn assert_refused(edit: impl Fn(&str) -> String, key: &str) {
        let problems = problems_after(edit);
        assert!(
            problems.iter().any(|p| p.starts_with(key)),
            "expected a problem at {key}, got {problems:?}"
        );
    }

    #[test]
    fn sample_is_valid() {
        let c = sample();
        assert_eq!(c.reference(), "community@2013");
        assert_eq!(c.total, Points(200));
        assert_eq!(c.items.len(), 6);
        assert_eq!(c.tiers[1].category_floor, Some(800));
        assert_eq!(c.category_max("B"), Points(120));
    }

    #[test]
    fn refuses_items_not_summing_to_total() {
        assert_refused(|t| t.replace("total = 20", "total = 21"), "total");
    }

    #[test]
    fn refuses_duplicate_item_codes() {
        assert_refused(
            |t| t.replace("code = \"A2\"", "code = \"A1\""),
            "items[A1].code",
        );
    }

    #[test]
    fn refuses_duplicate_input_keys() {
        assert_refused(
            |t| t.replace("key = \"scanners\"", "key = \"room_area\""),
            "inputs[room_area].key",
        );
    }

    #[test]
    fn refuses_duplicate_category_codes() {
        assert_refused(
            |t| t.replace("code = \"B\"", "code = \"A\""),
            "categories[A].code",
        );
    }

    #[test]
    fn refuses_unknown_category() {
        assert_refused(
            |t| t.replacen("category = \"B\"", "category = \"Z\"", 1),
            "items[B1].category",
        );
    }

    #[test]
    fn refuses_unknown_input() {
        assert_refused(
            |t| t.replace("input = \"has_budget\"", "input = \"budget\""),
            "items[A3].input",
        );
        assert_refused(
            |t| {
                t.replace(
                    "[\"air_conditioner\", \"scanners\"]",
                    "[\"air_conditioner\", \"printer\"]",
                )
            },
            "items[B2].inputs",
        );
    }

    #[test]
    fn refuses_input_of_wrong_type_for_rule() {
        assert_refused(
            |t| t.replace("input = \"has_budget\"", "input = \"room_area\""),
            "items[A3].input",
        );
        assert_refused(
            |t| {
                t.replace(
                    "input = \"room_area\"\nbands",
                    "input = \"has_budget\"\nbands",
                )
            },
            "items[B1].input",
        );
        assert_refused(
            |t| t.replace("input = \"digitised\"", "input = \"air_conditioner\""),
            "items[B3].input",
        );
    }

    #[test]
    fn refuses_bands_not_strictly_descending() {
        assert_refused(
            |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[40, 4], [40, 2], [10, 1]]"),
            "items[B1].bands[1]",
        );
        assert_refused(
            |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[10, 1], [20, 2]]"),
            "items[B1].bands[1]",
        );
    }

    #[test]
    fn refuses_band_points_above_max() {
        assert_refused(
            |t| t.replace("[[40, 4], [20, 2], [10, 1]]", "[[40, 5], [20, 2]]"),
            "items[B1].bands[0]",
        );
    }

    #[test]
    fn refuses_labels_equal_after_folding() {
        assert_refused(
            |t| t.replace("label = \"空调\"", "label = \"档案室 面积：\""),
            "inputs[air_conditioner].label",
        );
        assert_refused(
            |t| t.replace("label = \"空调\"", "label = \"档案室面积\u{3000}\""),
            "inputs[air_conditioner].label",
        );
    }

    #[test]
    fn refuses_self_max_not_multiple_of_step() {
        assert_refused(
            |t| {
                t.replace(
                    "max = 4\nrule = \"self\"",
                    "max = 4\nrule = \"self\"\nstep = 1.5",
                )
            },
            "items[A1].max",
        );
    }

    #[test]
    fn refuses_max_not_multiple_of_half() {
        assert_refused(
            |t| {
                t.replace("max = 2\nrule = \"yes_no\"", "max = 2.2\nrule = \"yes_no\"")
                    .replace("max = 5\nrule = \"linear\"", "max = 4.8\nrule = \"linear\"")
            },
            "items[A3].max",
        );
    }

    #[test]
    fn refuses_required_item_that_is_optional() {
        assert_refused(
            |t| {
                t.replace(
                    "required_items = [\"A1\", \"B1\"]",
                    "required_items = [\"A2\"]",
                )
            },
            "tiers[province-model].required_items",
        );
    }

    #[test]
    fn refuses_unknown_required_item() {
        assert_refused(
            |t| {
                t.replace(
                    "required_items = [\"A1\", \"B1\"]",
                    "required_items = [\"Q9\"]",
                )
            },
            "tiers[province-model].required_items",
        );
    }

    #[test]
    fn refuses_tiers_not_rising() {
        assert_refused(
            |t| t.replace("min_total = 18", "min_total = 12"),
            "tiers[province-model].min_total",
        );
    }

    #[test]
    fn refuses_grades_not_rising() {
        assert_refused(
            |t| {
                t.replace(
                    "name = \"合格\"\nmin_total = 12",
                    "name = \"合格\"\nmin_total = 0",
                )
            },
            "grades[1].min_total",
        );
    }

    #[test]
    fn refuses_min_inputs_key_not_an_input() {
        assert_refused(
            |t| t.replace("room_area = 40, has_budget", "area = 40, has_budget"),
            "tiers[province-model].min_inputs.area",
        );
    }

    #[test]
    fn refuses_min_inputs_of_wrong_shape() {
        assert_refused(
            |t| {
                t.replace(
                    "room_area = 40, has_budget = true",
                    "room_area = true, has_budget = 1",
                )
            },
            "tiers[province-model].min_inputs.has_budget",
        );
        assert_refused(
            |t| t.replace("room_area = 40, has_budget = true", "room_area = true"),
            "tiers[province-model].min_inputs.room_area",
        );
    }

    #[test]
    fn refuses_category_floor_outside_percent() {
        assert_refused(
            |t| t.replace("category_floor = 80", "category_floor = 101"),
            "tiers[province-model].category_floor",
        );
        assert_refused(
            |t| t.replace("category_floor = 80", "category_floor = -1"),
            "tiers[province-model].category_floor",
        );
    }

    #[test]
    fn refuses_veto_on_non_yes_no_input() {
        assert_refused(
            |t| t.replace("input = \"loss_incident\"", "input = \"room_area\""),
            "vetoes[0].input",
        );
    }

    #[test]
    fn refuses_optional_on_rule_items() {
        assert_refused(
            |t| t.replace("rule = \"yes_no\"", "rule = \"yes_no\"\noptional = true"),
            "items[A3].optional",
        );
    }

    #[test]
    fn refuses_fields_of_another_rule() {
        assert_refused(
            |t| t.replace("rule = \"yes_no\"", "rule = \"yes_no\"\nfull_at = 3"),
            "items[A3].full_at",
        );
    }

    #[test]
    fn refuses_bad_ids_and_versions() {
        assert_refused(
            |t| t.replace("id = \"community\"", "id = \"Community\""),
            "id",
        );
        assert_refused(
            |t| t.replace("version = \"2013\"", "version = \"2013 v\""),
            "version",
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        let problems = problems_after(|t| {
            t.replace("total = 20", "total = 21")
                .replace("code = \"A2\"", "code = \"A1\"")
                .replace("category_floor = 80", "category_floor = 120")
        });
        assert!(problems.len() >= 3, "{problems:?}");
    }

    #[test]
    fn finds_tiers_by_code_name_or_short_name() {
        let c = sample();
        assert_eq!(
            c.find_tier("province-model").unwrap().code,
            "province-model"
        );
        assert_eq!(
            c.find_tier(" 省级示范档案室 ").unwrap().code,
            "province-model"
        );
        assert_eq!(c.find_tier("省级示范").unwrap().code, "province-model");
        assert_eq!(
            c.find_tier("PROVINCE-MODEL").unwrap().code,
            "province-model"
        );
        assert!(c.find_tier("国家级").is_none());
        assert!(c.find_tier("").is_none());
    }
}
