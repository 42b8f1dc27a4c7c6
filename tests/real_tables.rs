//! The checklists transcribed from published scoring tables
//! (`checklists/shaoyang-unit`, `checklists/yanbian-community`,
//! `checklists/jiangsu-5a-digital`), loaded by the project's loader and
//! scored from answers built here; every expected figure is worked out by
//! hand in the comments, from the tables' own rules.
//!
//! The second half reads the filled example workbooks in
//! `tests/fixtures/real-tables/` (written by `cargo run --example
//! real_table_workbooks`, independently of the project's template writer)
//! through the project's workbook reader and expects the same results.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use nianjian::domain::Decimal;
use nianjian::domain::checklist::Checklist;
use nianjian::domain::number::Points;
use nianjian::domain::scoring::{Answers, InputValue, ItemAnswer, Scorecard, score};
use nianjian::ingest::checklists::Catalog;
use nianjian::ingest::self_check::read_self_check;
use nianjian::ingest::workbook::Limits;

fn catalog() -> Catalog {
    Catalog::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists"))
        .unwrap_or_else(|problems| panic!("shipped checklists: {problems:?}"))
}

fn checklist(reference: &str) -> Arc<Checklist> {
    catalog()
        .get(reference)
        .unwrap_or_else(|| panic!("{reference} is shipped"))
        .clone()
}

/// Points from a decimal written as text ("46.5" → 4650 hundredths).
fn p(text: &str) -> Points {
    Points::from_decimal(Decimal::parse(text).expect("a number")).expect("whole hundredths")
}

fn yes(v: bool) -> InputValue {
    InputValue::YesNo(v)
}

fn num(text: &str) -> InputValue {
    InputValue::Number(Decimal::parse(text).expect("a number"))
}

struct Build(Answers);

impl Build {
    fn new(kind: &str) -> Build {
        Build(Answers {
            unit_kind: kind.into(),
            ..Answers::default()
        })
    }
    fn input(mut self, key: &str, value: InputValue) -> Build {
        self.0.inputs.insert(key.into(), value);
        self
    }
    fn points(mut self, code: &str, points: &str) -> Build {
        self.0
            .self_scores
            .insert(code.into(), ItemAnswer::Points(p(points)));
        self
    }
    fn level(mut self, code: &str, name: &str) -> Build {
        self.0
            .self_scores
            .insert(code.into(), ItemAnswer::Level(name.into()));
        self
    }
    fn counts(mut self, code: &str, counts: &[u32]) -> Build {
        self.0
            .self_scores
            .insert(code.into(), ItemAnswer::Counts(counts.to_vec()));
        self
    }
    fn without(mut self, code: &str) -> Build {
        self.0.self_scores.remove(code);
        self
    }
}

fn scored(checklist: &Checklist, answers: &Answers) -> Scorecard {
    score(checklist, answers, &BTreeMap::new())
}

fn item(card: &Scorecard, code: &str) -> Points {
    card.item(code)
        .unwrap_or_else(|| panic!("item {code}"))
        .points
}

fn tier(card: &Scorecard) -> Option<String> {
    card.tier.as_ref().map(|t| t.code.clone())
}

// ------------------------------------------------------------------ 邵阳

/// The 邵阳 unit of the example workbook `shaoyang-unit.xlsx`.
fn shaoyang_answers() -> Answers {
    Build::new("机关")
        // A1 每项计1分: 计算机 2台, 复印机, 照相机, 扫描仪 1台, 消毒柜, 移动硬盘 → 6 of 8
        .input("computer", num("2"))
        .input("copier", yes(true))
        .input("camera", yes(true))
        .input("disc_burner", yes(false))
        .input("scanner", num("1"))
        .input("magnetic_shield_cabinet", yes(false))
        .input("disinfection_cabinet", yes(true))
        .input("removable_drive", yes(true))
        // A2 每项计2分: 空调, 去湿机 → 4 of 6
        .input("air_conditioner", yes(true))
        .input("dehumidifier", yes(true))
        .input("climate_controller", yes(false))
        // A3 每项计1分: 铁门铁窗, 铁质柜, 防光窗帘 → 3 of 4
        .input("iron_doors_windows", yes(true))
        .input("steel_cabinets", yes(true))
        .input("blackout_curtains", yes(true))
        .input("pest_control", yes(false))
        // D12 每项计3分: 继续教育 (2人 > 0) → 3 of 6
        .input("trained_staff", num("2"))
        .input("annual_registration", yes(false))
        // D13 每项计1分: 利用实例 3条, 立卷说明 → 2 of 2
        .input("use_cases", num("3"))
        .input("filing_note_sent", yes(true))
        // C11: 35% ≥ 30% and 登记表报送 → 10
        .input("family_archive_percent", num("35"))
        .input("family_register_sent", yes(true))
        // B4 (检查组) 抽查12项, 10 项齐全 → 20
        .points("B4", "20")
        // B5: 装订不整齐, 未填写备考表 → 10 − 2 − 2 = 6
        .counts("B5", &[0, 1, 0, 0, 1])
        .points("B6", "8.5")
        .points("B7", "5")
        .points("B8", "5")
        .points("B9", "2")
        .points("C10", "5")
        .points("D14", "2")
        .0
}

#[test]
fn shaoyang_scores_item_by_item_and_grades_by_the_published_bands() {
    let checklist = checklist("shaoyang-unit@v1");
    let card = scored(&checklist, &shaoyang_answers());
    // A 保管保护条件 = 6 + 4 + 3 = 13
    assert_eq!(item(&card, "A1"), p("6"));
    assert_eq!(item(&card, "A2"), p("4"));
    assert_eq!(item(&card, "A3"), p("3"));
    assert_eq!(card.category("A").unwrap().points, p("13"));
    // B 基础业务 = 20 + 6 + 8.5 + 5 + 5 + 2 = 46.5
    assert_eq!(item(&card, "B5"), p("6"));
    assert_eq!(card.category("B").unwrap().points, p("46.5"));
    // C 民生档案工作 = 5 + 10 = 15
    assert_eq!(item(&card, "C11"), p("10"));
    assert_eq!(card.category("C").unwrap().points, p("15"));
    // D 开发利用 = 3 + 2 + 2 = 7
    assert_eq!(item(&card, "D12"), p("3"));
    assert_eq!(item(&card, "D13"), p("2"));
    assert_eq!(card.category("D").unwrap().points, p("7"));
    // total = 13 + 46.5 + 15 + 7 = 81.5 ≥ 80 → 优秀; the table has no tiers
    assert_eq!(card.raw, p("81.5"));
    assert_eq!(card.applicable_max, p("100"));
    assert_eq!(card.total, p("81.5"));
    assert!(!card.provisional);
    assert_eq!(card.grade.as_deref(), Some("优秀"));
    assert_eq!(tier(&card), None);
}

#[test]
fn shaoyang_two_conditions_in_one_item_both_count() {
    let checklist = checklist("shaoyang-unit@v1");
    // 建档面 29.5% < 30%: C11 earns 0 though the 登记表 was sent;
    // total = 81.5 − 10 = 71.5 → 合格 (60 ≤ 71.5 < 80)
    let mut answers = shaoyang_answers();
    answers
        .inputs
        .insert("family_archive_percent".into(), num("29.5"));
    let card = scored(&checklist, &answers);
    assert_eq!(item(&card, "C11"), Points::ZERO);
    assert_eq!(card.total, p("71.5"));
    assert_eq!(card.grade.as_deref(), Some("合格"));

    // 建档面 30% exactly but no 登记表: 0 as well
    let mut answers = shaoyang_answers();
    answers
        .inputs
        .insert("family_archive_percent".into(), num("30"));
    answers
        .inputs
        .insert("family_register_sent".into(), yes(false));
    assert_eq!(
        item(&score(&checklist, &answers, &BTreeMap::new()), "C11"),
        Points::ZERO
    );
    answers
        .inputs
        .insert("family_register_sent".into(), yes(true));
    assert_eq!(
        item(&score(&checklist, &answers, &BTreeMap::new()), "C11"),
        p("10")
    );
}

#[test]
fn shaoyang_the_inspectors_sample_check_keeps_the_result_provisional() {
    let checklist = checklist("shaoyang-unit@v1");
    // B4 is the inspection team's: without its score B4 counts 0 and the
    // result waits: 81.5 − 20 = 61.5, no grade yet.
    let answers = Build(shaoyang_answers()).without("B4").0;
    let card = scored(&checklist, &answers);
    assert!(card.provisional);
    assert_eq!(card.pending, vec!["B4".to_string()]);
    assert_eq!(card.total, p("61.5"));
    assert_eq!(card.grade, None);
    // The inspector's review (抽查12项 all complete: 24) settles it:
    // 61.5 + 24 = 85.5 → 优秀.
    let overrides = BTreeMap::from([("B4".to_string(), ItemAnswer::Points(p("24")))]);
    let card = score(&checklist, &answers, &overrides);
    assert!(!card.provisional);
    assert_eq!(card.total, p("85.5"));
    assert_eq!(card.grade.as_deref(), Some("优秀"));
}

#[test]
fn shaoyang_every_requirement_missed_costs_its_two_points_down_to_zero() {
    let checklist = checklist("shaoyang-unit@v1");
    // B5: all five requirements missed → 10 − 5 × 2 = 0; total 81.5 − 6 = 75.5 → 合格
    let answers = Build(shaoyang_answers()).counts("B5", &[1, 1, 1, 1, 1]).0;
    let card = scored(&checklist, &answers);
    assert_eq!(item(&card, "B5"), Points::ZERO);
    assert_eq!(card.total, p("75.5"));
    assert_eq!(card.grade.as_deref(), Some("合格"));
    // A bare minimum: only B4 = 12, everything else 0 → 12 → 不合格 (< 60)
    let mut bare = Build::new("企事业单位");
    for input in &checklist.inputs {
        let value = match input.kind {
            nianjian::domain::InputType::YesNo => yes(false),
            _ => num("0"),
        };
        bare = bare.input(&input.key, value);
    }
    let bare = bare
        .points("B4", "12")
        .counts("B5", &[1, 1, 1, 1, 1])
        .points("B6", "0")
        .points("B7", "0")
        .points("B8", "0")
        .points("B9", "0")
        .points("C10", "0")
        .points("D14", "0");
    let card = scored(&checklist, &bare.0);
    assert_eq!(card.total, p("12"));
    assert_eq!(card.grade.as_deref(), Some("不合格"));
}

// ------------------------------------------------------------------ 盐边

fn yanbian_answers() -> Answers {
    Build::new("社区")
        // 1.1 其他人员担任: 3 − 2 = 1; 参加了培训: 1 → group A1 = 2 (cap 4)
        .input("archivist_role", InputValue::Choice("其他人员".into()))
        .input("county_training", yes(true))
        // 1.2 范围不全，扣2分 → 3
        .level("A2", "范围不全（扣2分）")
        // 1.3 缺两种档案 → 6 − 2 × 1 = 4
        .counts("A3", &[2])
        // 1.4 检查组酌情扣1.5分 → 4.5
        .points("A4", "4.5")
        .0
}

#[test]
fn yanbian_choice_level_deductions_and_the_inspectors_item() {
    let checklist = checklist("yanbian-community@v1");
    let card = scored(&checklist, &yanbian_answers());
    assert_eq!(item(&card, "A1a"), p("1"));
    assert_eq!(item(&card, "A1b"), p("1"));
    let group = card.group("A1").unwrap();
    assert_eq!(group.points, p("2"));
    assert_eq!(group.applicable_max, p("4"));
    assert_eq!(item(&card, "A2"), p("3"));
    assert_eq!(item(&card, "A3"), p("4"));
    assert_eq!(card.item("A3").unwrap().deductions[0].count, Some(2));
    // total = 2 + 3 + 4 + 4.5 = 13.5 of 21; 扣分 2 ≤ 3 → 验收 may be organised
    assert_eq!(card.applicable_max, p("21"));
    assert_eq!(card.total, p("13.5"));
    assert_eq!(tier(&card).as_deref(), Some("accepted"));
    assert_eq!(card.grade, None);

    // 由社区文书担任 → 3: 15.5
    let answers = Build(yanbian_answers())
        .input("archivist_role", InputValue::Choice("社区文书".into()))
        .0;
    assert_eq!(
        score(&checklist, &answers, &BTreeMap::new()).total,
        p("15.5")
    );
}

#[test]
fn yanbian_more_than_three_points_deducted_blocks_the_acceptance() {
    let checklist = checklist("yanbian-community@v1");
    // 缺三种: 扣3分, not more than 3 → A3 = 3, total 12.5, still accepted
    let answers = Build(yanbian_answers()).counts("A3", &[3]).0;
    let card = scored(&checklist, &answers);
    assert_eq!(card.total, p("12.5"));
    assert_eq!(tier(&card).as_deref(), Some("accepted"));
    // 缺四种: 扣4分 > 3 → 视为未实行集中统一管理: A3 = 2, total 11.5, no tier
    let answers = Build(yanbian_answers()).counts("A3", &[4]).0;
    let card = scored(&checklist, &answers);
    assert_eq!(item(&card, "A3"), p("2"));
    assert_eq!(card.total, p("11.5"));
    assert_eq!(tier(&card), None);
    assert!(!card.gaps("accepted").is_empty());
    // 缺七种: 6 − 7 → 0 (扣完为止), total 9.5
    let answers = Build(yanbian_answers()).counts("A3", &[7]).0;
    let card = scored(&checklist, &answers);
    assert_eq!(item(&card, "A3"), Points::ZERO);
    assert_eq!(card.total, p("9.5"));
    assert_eq!(tier(&card), None);
}

#[test]
fn yanbian_waits_for_the_inspection_team() {
    let checklist = checklist("yanbian-community@v1");
    // 1.4 not yet scored: 13.5 − 4.5 = 9, provisional, no tier
    let answers = Build(yanbian_answers()).without("A4").0;
    let card = scored(&checklist, &answers);
    assert!(card.provisional);
    assert_eq!(card.pending, vec!["A4".to_string()]);
    assert_eq!(card.total, p("9"));
    assert_eq!(tier(&card), None);
}

// ------------------------------------------------------------------ 江苏 5A

fn jiangsu_answers() -> Answers {
    Build::new("档案馆")
        // 1: 领导小组 0.5 + 领导分管 0.5 = 1
        .input("da_leading_group", yes(true))
        .input("da_leader_in_charge", yes(true))
        // 2: 纳入规划 1, 建设方案 0 = 1
        .input("da_in_it_plan", yes(true))
        .input("da_build_plan", yes(false))
        // 3: 0.5 + 0.5 = 1  → （一）= 3 of 4
        .input("da_tasks_issued", yes(true))
        .input("da_annual_plan", yes(true))
        // 4: 机构 0.5, 职责 0 = 0.5; *(3) 人员编制 +0.5 (bonus)
        .input("da_unit_set_up", yes(true))
        .input("da_unit_duties", yes(false))
        .input("da_extra_posts", yes(true))
        // 5: 1人 0.5 + 岗位职责 0.5 + 60% ≥ 50% 0.5 = 1.5 → （二）= 2 of 3
        .level("A5a", "1人")
        .input("da_staff_duties", yes(true))
        .input("da_degree_percent", num("60"))
        // 6: 缺电子文件归档管理制度, 缺电子档案利用制度 → 1 − 2 × 0.25 = 0.5
        .counts("A6", &[1, 0, 0, 1, 0, 0])
        .0
}

#[test]
fn jiangsu_quarter_points_groups_and_the_bonus() {
    let checklist = checklist("jiangsu-5a-digital@v1");
    let card = scored(&checklist, &jiangsu_answers());
    assert_eq!(card.group("G1").unwrap().points, p("3"));
    assert_eq!(card.group("G2").unwrap().points, p("2"));
    assert_eq!(card.group("G3").unwrap().points, p("0.5"));
    assert_eq!(item(&card, "A5a"), p("0.5"));
    assert_eq!(item(&card, "A6"), p("0.5"));
    // base = 3 + 2 + 0.5 = 5.5 of 8; bonus 0.5 → total 6.00
    assert_eq!(card.raw, p("5.5"));
    assert_eq!(card.applicable_max, p("8"));
    assert_eq!(card.bonus, p("0.5"));
    assert_eq!(card.total, p("6"));

    // 缺三项制度: 1 − 0.75 = 0.25 → 5.25 + 0.5 = 5.75 (two decimals kept)
    let answers = Build(jiangsu_answers()).counts("A6", &[1, 1, 0, 1, 0, 0]).0;
    let card = score(&checklist, &answers, &BTreeMap::new());
    assert_eq!(item(&card, "A6"), p("0.25"));
    assert_eq!(card.total, p("5.75"));

    // 六项全缺: 1 − 1.5 → 0 (扣完为止); no 编制: bonus 0 → 5.0
    let answers = Build(jiangsu_answers())
        .counts("A6", &[1, 1, 1, 1, 1, 1])
        .input("da_extra_posts", yes(false))
        .0;
    let card = score(&checklist, &answers, &BTreeMap::new());
    assert_eq!(item(&card, "A6"), Points::ZERO);
    assert_eq!(card.bonus, Points::ZERO);
    assert_eq!(card.total, p("5"));
}

#[test]
fn jiangsu_full_marks_plus_the_bonus_go_above_the_total() {
    let checklist = checklist("jiangsu-5a-digital@v1");
    let mut answers = Build(jiangsu_answers())
        .level("A5a", "2人以上")
        .counts("A6", &[0; 6])
        .0;
    for key in ["da_build_plan", "da_unit_duties"] {
        answers.inputs.insert(key.into(), yes(true));
    }
    // every base item full: 4 + 3 + 1 = 8; bonus +0.5; no cap_total → 8.5
    let card = scored(&checklist, &answers);
    assert_eq!(card.raw, p("8"));
    assert_eq!(card.total, p("8.5"));
    // below 50% 本科: A5c 0 → 7.5 + 0.5 = 8
    answers
        .inputs
        .insert("da_degree_percent".into(), num("49.9"));
    assert_eq!(score(&checklist, &answers, &BTreeMap::new()).total, p("8"));
}

// ------------------------------------------------------------------ workbooks

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real-tables")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> (Arc<Checklist>, Answers) {
    let catalog = catalog();
    let read = read_self_check(&fixture(name), &catalog, &Limits::default())
        .unwrap_or_else(|problems| panic!("{name}: {problems:?}"));
    (read.checklist, read.answers)
}

#[test]
fn shaoyang_workbook_scores_as_computed_by_hand() {
    let (checklist, answers) = read("shaoyang-unit.xlsx");
    assert_eq!(checklist.reference(), "shaoyang-unit@v1");
    let card = scored(&checklist, &answers);
    // as in shaoyang_scores_item_by_item_and_grades_by_the_published_bands
    assert_eq!(item(&card, "B4"), p("20"));
    assert_eq!(item(&card, "B5"), p("6"));
    assert_eq!(card.total, p("81.5"));
    assert_eq!(card.grade.as_deref(), Some("优秀"));
}

#[test]
fn yanbian_workbook_scores_as_computed_by_hand() {
    let (checklist, answers) = read("yanbian-community.xlsx");
    assert_eq!(checklist.reference(), "yanbian-community@v1");
    let card = scored(&checklist, &answers);
    // as in yanbian_choice_level_deductions_and_the_inspectors_item
    assert_eq!(item(&card, "A1a"), p("1"));
    assert_eq!(item(&card, "A2"), p("3"));
    assert_eq!(item(&card, "A3"), p("4"));
    assert_eq!(card.total, p("13.5"));
    assert_eq!(tier(&card).as_deref(), Some("accepted"));
}

#[test]
fn jiangsu_workbook_scores_as_computed_by_hand() {
    let (checklist, answers) = read("jiangsu-5a-digital.xlsx");
    assert_eq!(checklist.reference(), "jiangsu-5a-digital@v1");
    let card = scored(&checklist, &answers);
    // as in jiangsu_quarter_points_groups_and_the_bonus
    assert_eq!(item(&card, "A5a"), p("0.5"));
    assert_eq!(item(&card, "A6"), p("0.5"));
    assert_eq!(card.bonus, p("0.5"));
    assert_eq!(card.total, p("6"));
}
