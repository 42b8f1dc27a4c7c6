//! The authoring workbook (考核细则编制表): the words both its writer
//! (`reports::authoring`) and its reader (`ingest::authoring`) use — sheet
//! names, column headers with their explanations, the Chinese names of rule
//! kinds, input types and the like, and how lists and minimums are written
//! in one cell. Kept in one place so that writer and reader cannot drift.

use std::collections::BTreeMap;

use super::checklist::{
    Assessor, InputGroup, InputType, ItemKind, RawMinValue, RawNumber, RuleKind,
};
use super::text::fold_width;

pub const SHEET_BASICS: &str = "基本信息";
pub const SHEET_INPUTS: &str = "投入项";
pub const SHEET_CATEGORIES: &str = "类别";
pub const SHEET_GROUPS: &str = "分组";
pub const SHEET_ITEMS: &str = "细则";
pub const SHEET_DETAILS: &str = "扣分与档次";
pub const SHEET_VETOES: &str = "否决项";
pub const SHEET_TIERS: &str = "等级";
pub const SHEET_GRADES: &str = "评定";
pub const SHEET_HELP: &str = "填写说明";

/// One column of a table sheet (or one label row of 基本信息).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    /// What to write there, for 填写说明 and the cell's input message.
    pub help: &'static str,
    /// Must the column (or label) be present for the sheet to be read.
    pub required: bool,
    /// Width in characters.
    pub width: u16,
}

const fn col(header: &'static str, required: bool, width: u16, help: &'static str) -> Column {
    Column {
        header,
        help,
        required,
        width,
    }
}

/// One sheet of the workbook: its name, what it holds, its columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SheetSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [Column],
}

impl SheetSpec {
    /// The 0-based position of a header in the written layout.
    pub fn position(&self, header: &str) -> u16 {
        self.columns
            .iter()
            .position(|c| c.header == header)
            .map_or(0, |p| p as u16)
    }
}

// Headers, named once so writer and reader use the same words.
pub const H_LABEL: &str = "项目";
pub const H_VALUE: &str = "内容";

pub const B_ID: &str = "编号";
pub const B_VERSION: &str = "版本";
pub const B_TITLE: &str = "标题";
pub const B_UNIT_KINDS: &str = "适用单位类型";
pub const B_TOTAL: &str = "总分";
pub const B_DECIMALS: &str = "总分保留小数位数";
pub const B_RECTIFY_DAYS: &str = "整改期限（天）";
pub const B_BONUS_MAX: &str = "加分上限";
pub const B_CAP_TOTAL: &str = "总分不超过满分";

pub const I_KEY: &str = "代码";
pub const I_LABEL: &str = "名称";
pub const I_UNIT: &str = "计量单位";
pub const I_TYPE: &str = "类型";
pub const I_GROUP: &str = "人财物";
pub const I_OPTIONS: &str = "选项";
pub const I_NOTE: &str = "填写说明";

pub const C_CODE: &str = "编号";
pub const C_NAME: &str = "名称";
pub const C_WEIGHT: &str = "权重（%）";

pub const G_CODE: &str = "编号";
pub const G_CATEGORY: &str = "所属类别";
pub const G_TITLE: &str = "标题";
pub const G_MAX: &str = "封顶分";

pub const T_CODE: &str = "编号";
pub const T_CATEGORY: &str = "类别";
pub const T_GROUP: &str = "分组";
pub const T_TITLE: &str = "考核内容";
pub const T_KIND: &str = "性质";
pub const T_MAX: &str = "分值";
pub const T_RULE: &str = "评分方式";
pub const T_INPUT: &str = "投入项";
pub const T_EACH: &str = "每项得分";
pub const T_STEP: &str = "步长";
pub const T_FULL_AT: &str = "满分所需数值";
pub const T_FORMULA: &str = "公式";
pub const T_OPTIONAL: &str = "可不适用";
pub const T_ASSESSED_BY: &str = "评分人";
pub const T_REQUIREMENT: &str = "整改要求";
pub const T_EVIDENCE: &str = "佐证材料";

pub const D_ITEM: &str = "条目编号";
pub const D_KIND: &str = "类型";
pub const D_TEXT: &str = "内容";
pub const D_POINTS: &str = "分值";
pub const D_ONCE: &str = "只扣一次";

pub const V_INPUT: &str = "投入项";
pub const V_WHEN: &str = "条件";
pub const V_REASON: &str = "否决原因";

pub const R_CODE: &str = "编号";
pub const R_NAME: &str = "名称";
pub const R_MIN_TOTAL: &str = "最低总分";
pub const R_REQUIRED_ITEMS: &str = "须得满分的条目";
pub const R_FLOOR: &str = "各类别最低得分率（%）";
pub const R_MIN_INPUTS: &str = "投入项最低要求";
pub const R_REQUIRES: &str = "附加条件";

pub const BASICS: SheetSpec = SheetSpec {
    name: SHEET_BASICS,
    about: "考核细则的基本信息：A 列是项目名称（不要改动），B 列填写内容。",
    columns: &[
        col(
            B_ID,
            true,
            0,
            "细则的英文代码，只能用小写字母、数字和 -，如 community。同一细则的各个版本代码相同。",
        ),
        col(
            B_VERSION,
            true,
            0,
            "版本号，只能用字母、数字、. 和 -，如 2013。已用于考核的版本不能再修改，修改时请另起新版本号。",
        ),
        col(
            B_TITLE,
            true,
            0,
            "细则的完整中文名称，如“社区档案工作考核细则（2013版）”。",
        ),
        col(
            B_UNIT_KINDS,
            true,
            0,
            "适用的单位类型，多个用顿号“、”隔开，如“机关、企事业单位、学校”。",
        ),
        col(
            B_TOTAL,
            true,
            0,
            "满分，通常为 100。各类别（基本项）满分之和须等于它（类别设了权重时除外）。",
        ),
        col(B_DECIMALS, false, 0, "总分保留几位小数：1 或 2，不填为 1。"),
        col(
            B_RECTIFY_DAYS,
            false,
            0,
            "检查后整改的默认期限（天），不填为 30。",
        ),
        col(
            B_BONUS_MAX,
            false,
            0,
            "加分项合计最多加几分；不填则为全部加分项分值之和。",
        ),
        col(
            B_CAP_TOTAL,
            false,
            0,
            "填“是”时，加分后的总分不超过满分；不填或“否”则可以超过。",
        ),
    ],
};

pub const INPUTS: SheetSpec = SheetSpec {
    name: SHEET_INPUTS,
    about: "单位在自查表“人财物投入”中填报的数据，每行一项。",
    columns: &[
        col(
            I_KEY,
            true,
            22,
            "英文代码，只能用小写字母、数字和 _，不能重复，如 room_area。同一含义在各细则中用同一代码。",
        ),
        col(I_LABEL, true, 30, "自查表中显示的名称，如“档案室面积”。"),
        col(
            I_UNIT,
            false,
            10,
            "计量单位，如 平方米、人、元、台；是否型可不填。",
        ),
        col(
            I_TYPE,
            true,
            10,
            "整数、数值、百分比（0–100）、是否，或 选项（从“选项”一栏中选一个）。",
        ),
        col(I_GROUP, true, 8, "自查表中归在哪一类：人、财、物 或 其他。"),
        col(
            I_OPTIONS,
            false,
            30,
            "类型为“选项”时的可选答案，用顿号“、”隔开，如“社区文书、其他人员、无”。",
        ),
        col(
            I_NOTE,
            false,
            40,
            "给填表单位的简短说明（怎么数、填什么），可不填。",
        ),
    ],
};

pub const CATEGORIES: SheetSpec = SheetSpec {
    name: SHEET_CATEGORIES,
    about: "一级指标（类别），按顺序每行一个。",
    columns: &[
        col(C_CODE, true, 10, "类别编号，如 A、B，不能重复。"),
        col(C_NAME, true, 30, "类别名称，如“组织领导与人员”。"),
        col(
            C_WEIGHT,
            false,
            12,
            "权重（百分数）。要么每个类别都填、合计 100，要么都不填。",
        ),
    ],
};

pub const GROUPS: SheetSpec = SheetSpec {
    name: SHEET_GROUPS,
    about: "二级指标（分组），可不用；条目在“细则”的“分组”一栏写分组编号。",
    columns: &[
        col(
            G_CODE,
            true,
            10,
            "分组编号，如 A1、G1，不能与类别、条目编号重复。",
        ),
        col(G_CATEGORY, true, 10, "分组所属类别的编号（从下拉中选）。"),
        col(G_TITLE, true, 30, "分组标题，如“（一）管理职责”。"),
        col(
            G_MAX,
            false,
            10,
            "封顶分：分组内条目合计最多得几分；不填则不封顶。",
        ),
    ],
};

pub const ITEMS: SheetSpec = SheetSpec {
    name: SHEET_ITEMS,
    about: "考核条目，每行一条，按自查表中的顺序排列。扣分项、等级、分档和选项分值写在“扣分与档次”中。",
    columns: &[
        col(T_CODE, true, 8, "条目编号，如 A1，不能重复。"),
        col(
            T_CATEGORY,
            false,
            8,
            "所属类别编号（从下拉中选）；写了分组时可不填。",
        ),
        col(
            T_GROUP,
            false,
            8,
            "所属分组编号（从下拉中选），可不填。加分项、扣分项不能写分组。",
        ),
        col(
            T_TITLE,
            true,
            40,
            "考核内容，自查表和整改通知书中显示的文字。",
        ),
        col(
            T_KIND,
            false,
            8,
            "基本项、加分项或扣分项；不填为基本项。只有基本项计入满分。",
        ),
        col(T_MAX, true, 8, "条目分值，最小单位 0.01 分。"),
        col(
            T_RULE,
            true,
            10,
            "评分方式：自评（单位自己打分）、是否（投入项为“是”得满分）、分档（按投入项数值分档，档位写在“扣分与档次”）、每项计分（所列投入项每有一项得“每项得分”）、按比例（分值×数值÷满分所需数值）、扣分（按“扣分与档次”中的扣分项扣分，扣完为止）、分级（从“扣分与档次”中的等级选一个）、选项（按选项型投入项的答案得分）、公式（按“公式”一栏计算）。",
        ),
        col(
            T_INPUT,
            false,
            18,
            "评分用到的投入项代码：是否、分档、按比例、选项写一个；每项计分写多个，用顿号“、”隔开。",
        ),
        col(T_EACH, false, 8, "每项计分：每有一项得几分。"),
        col(
            T_STEP,
            false,
            8,
            "自评的打分步长（不填为 0.5）；按比例、公式的向下取整单位。",
        ),
        col(T_FULL_AT, false, 10, "按比例：数值达到多少得满分。"),
        col(
            T_FORMULA,
            false,
            30,
            "公式：条件成立得满分，或计算出的分数，写法见 checklists/README.md“表达式”。",
        ),
        col(
            T_OPTIONAL,
            false,
            8,
            "填“是”时单位可答“不适用”（只限自评、分级、扣分）。",
        ),
        col(
            T_ASSESSED_BY,
            false,
            10,
            "“检查组”表示由检查组评分，单位不填（只限自评、分级、扣分）；不填为单位自评。",
        ),
        col(
            T_REQUIREMENT,
            false,
            30,
            "整改通知书上写的具体整改要求，可不填。",
        ),
        col(T_EVIDENCE, false, 30, "检查时查看的佐证材料，可不填。"),
    ],
};

pub const DETAILS: SheetSpec = SheetSpec {
    name: SHEET_DETAILS,
    about: "条目的扣分项、等级、分档和选项分值，每行一个，按顺序排列；条目编号须在“细则”中。",
    columns: &[
        col(D_ITEM, true, 10, "所属条目的编号。"),
        col(
            D_KIND,
            true,
            10,
            "扣分（扣分方式的一项扣分）、等级（分级方式的一个等级）、分档（分档方式的一档）或 选项（选项方式中一个选项的得分）。",
        ),
        col(
            D_TEXT,
            true,
            40,
            "扣分：扣分原因；等级：等级名称；分档：投入项达到的数值（门槛，从高到低排列）；选项：选项的文字。",
        ),
        col(D_POINTS, true, 8, "扣分：每发现一处扣几分；其余：得几分。"),
        col(D_ONCE, false, 10, "扣分：填“是”时最多扣一次。"),
    ],
};

pub const VETOES: SheetSpec = SheetSpec {
    name: SHEET_VETOES,
    about: "一票否决：出现时不评任何等级、结论为最低一档。每行一项，投入项和条件二选一。",
    columns: &[
        col(V_INPUT, false, 20, "是否型投入项的代码，答“是”即否决。"),
        col(
            V_WHEN,
            false,
            40,
            "或者写一个条件，成立即否决，如 ${safety_incidents_5y} > 0。",
        ),
        col(
            V_REASON,
            true,
            40,
            "否决原因，如“年度内发生档案损毁、丢失或泄密事件”。",
        ),
    ],
};

pub const TIERS: SheetSpec = SheetSpec {
    name: SHEET_TIERS,
    about: "可达到的等级（如市级规范化、省级示范档案室），从低到高每行一个。",
    columns: &[
        col(
            R_CODE,
            true,
            18,
            "等级的英文代码，如 province-model，不能重复。",
        ),
        col(R_NAME, true, 24, "等级名称，如“省级示范档案室”。"),
        col(
            R_MIN_TOTAL,
            true,
            10,
            "达到该等级的最低总分；从上到下不能下降。",
        ),
        col(
            R_REQUIRED_ITEMS,
            false,
            24,
            "必须得满分的条目编号，用顿号“、”隔开。",
        ),
        col(
            R_FLOOR,
            false,
            12,
            "每个类别得分不低于其满分的百分之几（0–100），可不填。",
        ),
        col(
            R_MIN_INPUTS,
            false,
            40,
            "投入项的最低要求，用顿号隔开：数值型写“代码>=数值”，如 room_area>=40；是否型写“代码=是”。",
        ),
        col(
            R_REQUIRES,
            false,
            30,
            "还须成立的条件，可不填，如 points(A3) >= 3。",
        ),
    ],
};

pub const GRADES: SheetSpec = SheetSpec {
    name: SHEET_GRADES,
    about: "年检结论（如不合格、合格、优秀），从低到高每行一个；没有结论可留空。",
    columns: &[
        col(R_NAME, true, 16, "结论名称，如“合格”。"),
        col(
            R_MIN_TOTAL,
            true,
            10,
            "得出该结论的最低总分；从上到下不能下降。",
        ),
        col(R_REQUIRES, false, 30, "还须成立的条件，可不填。"),
    ],
};

/// Every sheet with columns, in workbook order (填写说明 comes last).
pub const SHEETS: [SheetSpec; 9] = [
    BASICS, INPUTS, CATEGORIES, GROUPS, ITEMS, DETAILS, VETOES, TIERS, GRADES,
];

/// How conditions and formulas are written, in brief, for 填写说明 (the
/// full grammar is in checklists/README.md, 表达式).
pub const EXPRESSION_HELP: [&str; 5] = [
    "公式与条件（细则的“公式”、否决项的“条件”、等级和评定的“附加条件”）的写法：",
    "${代码} 是投入项的值，如 ${room_area}；points(A3) 是条目得分，full(A3) 表示条目得满分，category(A) 是类别得分率（%）——这三种只能用于否决项、等级和评定；total 是总分，只能用于等级和评定。",
    "比较用 >= <= > < == !=，并且 and，或者 or，取反 not，运算 + - * /，还有 min(…)、max(…)、count(…)、if 条件 then 值 else 值；文字用半角双引号，如 ${keeper} == \"社区文书\"。",
    "例：min(${rooms} * 0.5, 2)（公式：每间库房 0.5 分，最多 2 分）；${loss_incident} 或 ${safety_incidents_5y} > 0（否决条件）；points(A3) >= 3（附加条件）。",
    "全部符号都用半角（英文）字符；编号直接写，如 A3，不加引号。",
];

pub const YES: &str = "是";
pub const NO: &str = "否";

/// The kinds of row on 扣分与档次.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailKind {
    Deduction,
    Level,
    Band,
    ChoicePoints,
}

impl DetailKind {
    pub const ALL: [DetailKind; 4] = [
        DetailKind::Deduction,
        DetailKind::Level,
        DetailKind::Band,
        DetailKind::ChoicePoints,
    ];

    pub fn word(self) -> &'static str {
        match self {
            DetailKind::Deduction => "扣分",
            DetailKind::Level => "等级",
            DetailKind::Band => "分档",
            DetailKind::ChoicePoints => "选项",
        }
    }
}

/// The words of an input type on 投入项.
pub fn input_type_word(kind: InputType) -> &'static str {
    match kind {
        InputType::Integer => "整数",
        InputType::Decimal => "数值",
        InputType::Percent => "百分比",
        InputType::YesNo => "是否",
        InputType::Choice => "选项",
    }
}

pub const INPUT_TYPES: [InputType; 5] = [
    InputType::Integer,
    InputType::Decimal,
    InputType::Percent,
    InputType::YesNo,
    InputType::Choice,
];
pub const INPUT_GROUPS: [InputGroup; 4] = [
    InputGroup::People,
    InputGroup::Money,
    InputGroup::Facilities,
    InputGroup::Other,
];
pub const RULE_KINDS: [RuleKind; 9] = [
    RuleKind::SelfScored,
    RuleKind::YesNo,
    RuleKind::Bands,
    RuleKind::Each,
    RuleKind::Linear,
    RuleKind::Deduct,
    RuleKind::Level,
    RuleKind::Choice,
    RuleKind::Formula,
];
pub const ITEM_KINDS: [ItemKind; 3] = [ItemKind::Base, ItemKind::Bonus, ItemKind::Penalty];

pub fn assessor_word(a: Assessor) -> &'static str {
    match a {
        Assessor::Unit => "单位",
        Assessor::Inspector => "检查组",
    }
}

/// Text as compared: half-width, trimmed, lower case.
fn norm(text: &str) -> String {
    fold_width(text).trim().to_lowercase()
}

/// Finds the one of `all` whose Chinese word (or file name) `written` is.
fn find<T: Copy>(written: &str, all: &[T], words: impl Fn(T) -> Vec<&'static str>) -> Option<T> {
    let wanted = norm(written);
    all.iter()
        .copied()
        .find(|&t| words(t).iter().any(|w| norm(w) == wanted))
}

pub fn parse_rule_kind(written: &str) -> Option<RuleKind> {
    find(written, &RULE_KINDS, |k| vec![k.label_zh(), k.name()])
}

pub fn parse_input_type(written: &str) -> Option<InputType> {
    find(written, &INPUT_TYPES, |t| {
        let file = match t {
            InputType::Integer => "integer",
            InputType::Decimal => "decimal",
            InputType::Percent => "percent",
            InputType::YesNo => "yes_no",
            InputType::Choice => "choice",
        };
        vec![input_type_word(t), t.label_zh(), file]
    })
}

pub fn parse_input_group(written: &str) -> Option<InputGroup> {
    find(written, &INPUT_GROUPS, |g| vec![g.label_zh()])
}

pub fn parse_item_kind(written: &str) -> Option<ItemKind> {
    find(written, &ITEM_KINDS, |k| {
        let (short, file) = match k {
            ItemKind::Base => ("基本", "base"),
            ItemKind::Bonus => ("加分", "bonus"),
            ItemKind::Penalty => ("扣分", "penalty"),
        };
        vec![k.label_zh(), short, file]
    })
}

pub fn parse_assessor(written: &str) -> Option<Assessor> {
    find(
        written,
        &[Assessor::Unit, Assessor::Inspector],
        |a| match a {
            Assessor::Unit => vec!["单位", "单位自评", "unit"],
            Assessor::Inspector => vec!["检查组", "检查组评定", "inspector"],
        },
    )
}

pub fn parse_detail_kind(written: &str) -> Option<DetailKind> {
    find(written, &DetailKind::ALL, |k| match k {
        DetailKind::Deduction => vec!["扣分", "扣分项"],
        DetailKind::Level => vec!["等级", "档次"],
        DetailKind::Band => vec!["分档", "档位"],
        DetailKind::ChoicePoints => vec!["选项", "选项分值"],
    })
}

/// 是 / 否 as a clerk may write them; `None` for anything else.
pub fn parse_yes_no(written: &str) -> Option<bool> {
    match norm(written).as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" => Some(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "" => Some(false),
        _ => None,
    }
}

/// The separators a list cell may use; 、 is written.
const SEPARATORS: [char; 6] = ['、', '；', ';', '，', ',', '\n'];

/// A list written in one cell ("机关、企事业单位、学校").
pub fn split_list(text: &str) -> Vec<String> {
    text.split(&SEPARATORS[..])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn join_list(items: &[String]) -> String {
    items.join("、")
}

/// A number written as text: full-width digits folded, surrounding space
/// ignored. Whole numbers stay integers, as in a TOML file.
pub fn parse_number(text: &str) -> Option<RawNumber> {
    let t = fold_width(text).trim().replace([',', ' '], "");
    if let Ok(i) = t.parse::<i64>() {
        return Some(RawNumber::Int(i));
    }
    // Only plain decimals: no exponent, inf or nan from a stray word.
    let plain = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && t.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return None;
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(RawNumber::Float)
}

/// A number cell's value as a file number: whole values as integers.
pub fn number_of_f64(value: f64) -> RawNumber {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        RawNumber::Int(value as i64)
    } else {
        RawNumber::Float(value)
    }
}

/// `min_inputs` in one cell: "room_area>=40、budget_included=是".
pub fn min_inputs_text(min: &BTreeMap<String, RawMinValue>) -> String {
    let parts: Vec<String> = min
        .iter()
        .map(|(key, value)| match value {
            RawMinValue::Bool(true) => format!("{key}={YES}"),
            RawMinValue::Bool(false) => format!("{key}={NO}"),
            RawMinValue::Number(n) => format!("{key}>={n}"),
        })
        .collect();
    join_list(&parts)
}

/// One entry of a `min_inputs` cell, or the message why it is not one.
pub fn parse_min_input(entry: &str) -> Result<(String, RawMinValue), String> {
    let folded = fold_width(entry).replace('≥', ">=");
    let (key, value) = folded
        .split_once(">=")
        .or_else(|| folded.split_once('='))
        .ok_or_else(|| format!("“{entry}”应写作 代码>=数值 或 代码=是"))?;
    let key = key.trim().to_string();
    let value = value.trim();
    if key.is_empty() {
        return Err(format!("“{entry}”缺少投入项代码"));
    }
    if let Some(n) = parse_number(value) {
        return Ok((key, RawMinValue::Number(n)));
    }
    match parse_yes_no(value) {
        Some(b) if !value.is_empty() => Ok((key, RawMinValue::Bool(b))),
        _ => Err(format!("“{entry}”中的“{value}”应为数值或 是")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_as_written() {
        for kind in RULE_KINDS {
            assert_eq!(parse_rule_kind(kind.label_zh()), Some(kind));
            assert_eq!(parse_rule_kind(kind.name()), Some(kind));
        }
        for t in INPUT_TYPES {
            assert_eq!(parse_input_type(input_type_word(t)), Some(t));
        }
        for g in INPUT_GROUPS {
            assert_eq!(parse_input_group(g.label_zh()), Some(g));
        }
        for k in ITEM_KINDS {
            assert_eq!(parse_item_kind(k.label_zh()), Some(k));
        }
        for a in [Assessor::Unit, Assessor::Inspector] {
            assert_eq!(parse_assessor(assessor_word(a)), Some(a));
        }
        for d in DetailKind::ALL {
            assert_eq!(parse_detail_kind(d.word()), Some(d));
        }
        assert_eq!(parse_rule_kind("打分"), None);
    }

    #[test]
    fn numbers_from_text() {
        let cases: [(&str, Option<RawNumber>); 8] = [
            ("4", Some(RawNumber::Int(4))),
            (" ２０１４ ", Some(RawNumber::Int(2014))),
            ("0.5", Some(RawNumber::Float(0.5))),
            ("-1", Some(RawNumber::Int(-1))),
            ("1e3", None),
            ("inf", None),
            ("四", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_number(text), want, "{text:?}");
        }
        assert_eq!(number_of_f64(4.0), RawNumber::Int(4));
        assert_eq!(number_of_f64(0.25), RawNumber::Float(0.25));
    }

    #[test]
    fn lists_and_minimums() {
        assert_eq!(
            split_list("机关、企事业单位；学校, "),
            ["机关", "企事业单位", "学校"]
        );
        let mut min = BTreeMap::new();
        min.insert(
            "room_area".to_string(),
            RawMinValue::Number(RawNumber::Int(40)),
        );
        min.insert("has_budget".to_string(), RawMinValue::Bool(true));
        let text = min_inputs_text(&min);
        assert_eq!(text, "has_budget=是、room_area>=40");
        let back: BTreeMap<_, _> = split_list(&text)
            .iter()
            .map(|e| parse_min_input(e).unwrap())
            .collect();
        assert_eq!(back, min);
        let cases = [
            (
                "room_area ≥ 40",
                Ok((
                    "room_area".to_string(),
                    RawMinValue::Number(RawNumber::Int(40)),
                )),
            ),
            (
                "room_area",
                Err("“room_area”应写作 代码>=数值 或 代码=是".to_string()),
            ),
            (">=3", Err("“>=3”缺少投入项代码".to_string())),
            ("a=很多", Err("“a=很多”中的“很多”应为数值或 是".to_string())),
        ];
        for (entry, want) in cases {
            assert_eq!(parse_min_input(entry), want, "{entry}");
        }
    }

    #[test]
    fn every_sheet_explains_every_column() {
        for sheet in SHEETS {
            assert!(!sheet.about.is_empty());
            for c in sheet.columns {
                assert!(!c.help.is_empty(), "{}!{}", sheet.name, c.header);
            }
            let mut headers: Vec<_> = sheet.columns.iter().map(|c| c.header).collect();
            headers.sort_unstable();
            headers.dedup();
            assert_eq!(headers.len(), sheet.columns.len(), "{}", sheet.name);
        }
    }
}
