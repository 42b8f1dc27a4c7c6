//! The checklist file as written (TOML, deserialised by `ingest`), before
//! validation: every field as the author typed it, numbers as TOML gives
//! them. [`super::Checklist::from_raw`] turns it into the model or says
//! everything that is wrong with it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::super::number::Decimal;

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
    /// One of the input's `options` (由社区文书担任 / 其他人员 / 无).
    Choice,
}

impl InputType {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            InputType::Integer | InputType::Decimal | InputType::Percent
        )
    }

    /// The word used in messages and in the workbook's instructions.
    pub fn label_zh(self) -> &'static str {
        match self {
            InputType::Integer => "整数",
            InputType::Decimal => "数值",
            InputType::Percent => "百分比（0–100）",
            InputType::YesNo => "是/否",
            InputType::Choice => "选项",
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
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawMinValue {
    Bool(bool),
    Number(RawNumber),
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
    /// Deductions per defect, down to zero (扣完为止).
    Deduct,
    /// One of named levels (由社区文书担任得3分，其他人员担任得1分).
    Level,
    /// The points of the option a `choice` input was answered with.
    Choice,
    /// An expression over the inputs.
    Formula,
}

impl RuleKind {
    /// The rule's name as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::SelfScored => "self",
            RuleKind::YesNo => "yes_no",
            RuleKind::Bands => "bands",
            RuleKind::Each => "each",
            RuleKind::Linear => "linear",
            RuleKind::Deduct => "deduct",
            RuleKind::Level => "level",
            RuleKind::Choice => "choice",
            RuleKind::Formula => "formula",
        }
    }

    /// The rule in Chinese, for pages and the authoring workbook.
    pub fn label_zh(self) -> &'static str {
        match self {
            RuleKind::SelfScored => "自评",
            RuleKind::YesNo => "是否",
            RuleKind::Bands => "分档",
            RuleKind::Each => "每项计分",
            RuleKind::Linear => "按比例",
            RuleKind::Deduct => "扣分",
            RuleKind::Level => "分级",
            RuleKind::Choice => "选项",
            RuleKind::Formula => "公式",
        }
    }

    /// Rules whose answer the item's row on 自查评分 (or its deduction rows)
    /// carries, rather than the facts on 人财物投入.
    pub fn is_answered_on_the_sheet(self) -> bool {
        matches!(
            self,
            RuleKind::SelfScored | RuleKind::Level | RuleKind::Deduct
        )
    }
}

/// Base items make up the total; bonus items add above it (加分项), penalty
/// items subtract (扣分项).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    #[default]
    Base,
    Bonus,
    Penalty,
}

impl ItemKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Base => "基本项",
            ItemKind::Bonus => "加分项",
            ItemKind::Penalty => "扣分项",
        }
    }
}

/// Who answers an item: the unit in its self-check, or the inspection team
/// (检查分, or an on-site review).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessor {
    #[default]
    Unit,
    Inspector,
}

/// The checklist file as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    pub id: String,
    pub version: String,
    pub title: String,
    pub unit_kinds: Vec<String>,
    pub total: RawNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rectify_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_max: Option<RawNumber>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cap_total: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<RawInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<RawCategory>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<RawGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<RawItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vetoes: Vec<RawVeto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<RawTier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<RawGrade>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub key: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(rename = "type")]
    pub kind: InputType,
    pub group: InputGroup,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub code: String,
    pub name: String,
    /// Percent of the total (weighted categories: all or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<RawNumber>,
}

/// 二级指标: items under a heading, optionally capped.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub code: String,
    pub category: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<RawNumber>,
}

/// One deduction of a `deduct` item: what is wrong, what it costs each time.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeduction {
    pub text: String,
    pub points: RawNumber,
    /// The defect counts once at most (found or not).
    #[serde(default, skip_serializing_if = "is_false")]
    pub once: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub code: String,
    /// May be left out when `group` is given (the group's category).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "is_base")]
    pub kind: ItemKind,
    pub max: RawNumber,
    pub rule: RuleKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bands: Option<Vec<(RawNumber, RawNumber)>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub each: Option<RawNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<RawNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_at: Option<RawNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deductions: Option<Vec<RawDeduction>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<(String, RawNumber)>>,
    /// `choice`: points per option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<BTreeMap<String, RawNumber>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    #[serde(default, skip_serializing_if = "is_unit")]
    pub assessed_by: Assessor,
    /// The concrete requirement shown on a rectification notice (整改要求).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// 佐证材料: what the inspector expects to see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

fn is_base(k: &ItemKind) -> bool {
    *k == ItemKind::Base
}

fn is_unit(a: &Assessor) -> bool {
    *a == Assessor::Unit
}

/// 一票否决: a yes_no `input` whose 是 triggers it, or a `when` condition.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawVeto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub code: String,
    pub name: String,
    pub min_total: RawNumber,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_items: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_floor: Option<RawNumber>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub min_inputs: BTreeMap<String, RawMinValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub name: String,
    pub min_total: RawNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
}
