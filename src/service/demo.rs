//! Realistic made-up self-checks, for the demonstration district and for
//! benchmarks: answers whose quality varies from unit to unit, so a district
//! shows the spread of tiers a real one does.

use crate::domain::checklist::{Checklist, InputType, MinInput, Rule};
use crate::domain::data_version::Scope;
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
            Rule::Linear { input, full_at, .. } if input == key => found.push(*full_at),
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
        let steps = item.max.hundredths() / step.hundredths().max(1);
        // Lose a step or more with a chance that falls as quality rises.
        let mut lost = 0;
        while lost < steps && rng.chance(0.55 * (1.0 - quality) + 0.03) {
            lost += 1;
        }
        answers.self_scores.insert(
            item.code.clone(),
            ItemAnswer::Points(Points((steps - lost) * step.hundredths())),
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
        // The checklists the demonstration answers with `answers` (which
        // fills inputs and `self` items): those the demo's campaigns name,
        // and digital@2012. The checklists transcribed from published tables
        // (shaoyang-unit, yanbian-community, jiangsu-5a-digital) have level,
        // deduct and inspector items and one tier or none; tests/real_tables.rs
        // scores them.
        for reference in [
            "community@2012",
            "community@2013",
            "agency@2012",
            "digital@2012",
        ] {
            let checklist = catalog.get(reference).expect("a shipped checklist");
            let mut rng = SplitMix64::new(1);
            let mut tiers = std::collections::BTreeSet::new();
            for n in 0..200 {
                let quality = f64::from(n % 20) / 19.0;
                let a = answers(checklist, quality, &mut rng);
                for input in &checklist.inputs {
                    assert!(
                        value_fits(input.kind, &a.inputs[&input.key]),
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

/// The demonstration district, modelled on 上城区 (杭州): six streets, 52
/// communities, agencies, schools and enterprises.
mod district {
    /// Communities per street (52 in all). 小营巷社区 was the province's
    /// first 省级示范社区档案室 (2008, 98.5 points).
    pub const COMMUNITIES: [(&str, &[&str]); 6] = [
        (
            "清波街道",
            &[
                "清波门社区",
                "劳动路社区",
                "柳翠井巷社区",
                "清河坊社区",
                "勾山里社区",
                "河坊街社区",
                "定安路社区",
                "大井巷社区",
            ],
        ),
        (
            "湖滨街道",
            &[
                "东坡路社区",
                "青年路社区",
                "吴山路社区",
                "岳王路社区",
                "东平巷社区",
                "涌金门社区",
                "星火社区",
                "平海路社区",
            ],
        ),
        (
            "小营街道",
            &[
                "小营巷社区",
                "葵巷社区",
                "马市街社区",
                "长明寺巷社区",
                "大学路社区",
                "茅廊巷社区",
                "西牌楼社区",
                "菜市桥社区",
                "金钱巷社区",
            ],
        ),
        (
            "南星街道",
            &[
                "馒头山社区",
                "复兴南苑社区",
                "梵天寺社区",
                "水澄桥社区",
                "海月水景社区",
                "美政桥社区",
                "宋城社区",
                "白塔岭社区",
                "江城社区",
            ],
        ),
        (
            "紫阳街道",
            &[
                "上羊市街社区",
                "十五家园社区",
                "春江社区",
                "凤凰社区",
                "新工社区",
                "紫阳山社区",
                "察院前巷社区",
                "彩霞岭社区",
                "始版桥社区",
            ],
        ),
        (
            "望江街道",
            &[
                "近江东园社区",
                "望江新园社区",
                "采荷社区",
                "始版桥南社区",
                "婺江路社区",
                "秋涛社区",
                "望江家园社区",
                "近江南园社区",
                "新塘社区",
            ],
        ),
    ];

    /// (name, kind, street).
    pub const ORGANISATIONS: [(&str, &str, &str); 40] = [
        ("上城区委办公室", "机关", "湖滨街道"),
        ("上城区人民政府办公室", "机关", "湖滨街道"),
        ("上城区档案局", "机关", "湖滨街道"),
        ("上城区财政局", "机关", "小营街道"),
        ("上城区民政局", "机关", "小营街道"),
        ("上城区教育局", "机关", "紫阳街道"),
        ("上城区卫生局", "机关", "清波街道"),
        ("上城区人力资源和社会保障局", "机关", "小营街道"),
        ("上城区住房和城市建设局", "机关", "望江街道"),
        ("上城区城市管理局", "机关", "南星街道"),
        ("上城区商务局", "机关", "湖滨街道"),
        ("上城区审计局", "机关", "清波街道"),
        ("上城区统计局", "机关", "小营街道"),
        ("上城区司法局", "机关", "紫阳街道"),
        ("上城区文化广电新闻出版局", "机关", "清波街道"),
        ("上城区科学技术局", "机关", "望江街道"),
        ("上城区农业和水利局", "机关", "南星街道"),
        ("上城区环境保护局", "机关", "南星街道"),
        ("上城区发展和改革局", "机关", "湖滨街道"),
        ("上城区安全生产监督管理局", "机关", "望江街道"),
        ("清波街道办事处", "机关", "清波街道"),
        ("湖滨街道办事处", "机关", "湖滨街道"),
        ("小营街道办事处", "机关", "小营街道"),
        ("南星街道办事处", "机关", "南星街道"),
        ("紫阳街道办事处", "机关", "紫阳街道"),
        ("望江街道办事处", "机关", "望江街道"),
        ("杭州市胜利小学", "学校", "小营街道"),
        ("杭州市天长小学", "学校", "清波街道"),
        ("杭州市建兰中学", "学校", "紫阳街道"),
        ("杭州市娃哈哈小学", "学校", "湖滨街道"),
        ("杭州市饮马井巷小学", "学校", "南星街道"),
        ("杭州市开元中学", "学校", "望江街道"),
        ("杭州市凤凰小学", "学校", "紫阳街道"),
        ("杭州市采荷中学", "学校", "望江街道"),
        ("上城区城市建设投资集团有限公司", "企事业单位", "望江街道"),
        ("上城区国有资产投资有限公司", "企事业单位", "湖滨街道"),
        ("杭州湖滨商贸旅游发展有限公司", "企事业单位", "湖滨街道"),
        ("上城区人民医院", "企事业单位", "小营街道"),
        ("上城区社区卫生服务中心", "企事业单位", "紫阳街道"),
        ("杭州清河坊历史街区管理有限公司", "企事业单位", "清波街道"),
    ];
}

/// Counts of the demo: the end-of-2011 figures of 上城区's communities
/// (6 省级示范, 19 省级规范化 and 47 市级规范化 reached, cumulatively),
/// as exact tiers: 6 model, 13 province-standard, 28 city-standard, 5 none.
const COMMUNITY_TIERS_2011: [(Option<&str>, usize); 4] = [
    (Some("province-model"), 6),
    (Some("province-standard"), 13),
    (Some("city-standard"), 28),
    (None, 5),
];

pub use super::accounts::{DEMO_PASSWORD, DEMO_USERS};

/// Typical size of a fact for a good unit (weaker units report less),
/// for the facts no threshold of the checklist sizes: [`answers`] draws those
/// around 50, and a community does not have 50 兼职档案员 or 50 扫描仪.
const TYPICAL: &[(&str, f64)] = &[
    ("fulltime_staff", 2.0),
    ("parttime_staff", 3.0),
    ("trained_staff", 3.0),
    ("annual_budget", 10000.0),
    ("room_area", 40.0),
    ("cabinets", 8.0),
    ("computer", 3.0),
    ("scanner", 1.0),
    ("holdings_volumes", 600.0),
    ("holdings_items", 3000.0),
    ("photos", 300.0),
    ("filed_this_year", 400.0),
    ("e_filed_items", 600.0),
    ("e_records_gb", 80.0),
    ("uses", 80.0),
    ("use_cases", 20.0),
    ("catalogue_entries", 1500.0),
];

/// A drawn figure as the workbook holds it: whole for integers, one decimal
/// otherwise, percentages at most 100.
fn figure(kind: InputType, v: f64) -> Decimal {
    let v = if kind == InputType::Percent {
        v.clamp(0.0, 100.0)
    } else {
        v.max(0.0)
    };
    let text = match kind {
        InputType::Integer => format!("{}", v.round() as i64),
        _ => format!("{v:.1}"),
    };
    Decimal::parse(&text).unwrap_or(Decimal::ZERO)
}

fn number_of(answers: &Answers, key: &str) -> Option<Decimal> {
    match answers.inputs.get(key) {
        Some(InputValue::Number(n)) => Some(*n),
        _ => None,
    }
}

/// Gives the facts no threshold sizes a realistic size, keeping which are
/// 0 (an `each` item counts the facts above 0, so the score stays).
fn realistic(checklist: &Checklist, answers: &mut Answers, rng: &mut SplitMix64) {
    for input in checklist.inputs.iter().filter(|i| i.kind.is_numeric()) {
        if input.kind == InputType::Percent || !thresholds(checklist, &input.key).is_empty() {
            continue;
        }
        let Some(drawn) = number_of(answers, &input.key) else {
            continue;
        };
        if drawn.is_zero() {
            continue;
        }
        let typical = TYPICAL
            .iter()
            .find(|(k, _)| *k == input.key)
            .map_or(10.0, |(_, t)| *t);
        let mut v = figure(input.kind, typical * (0.5 + rng.unit()));
        if v.is_zero() {
            v = Decimal::from_int(1);
        }
        answers
            .inputs
            .insert(input.key.clone(), InputValue::Number(v));
    }
}

/// Facts that agree with one another: someone keeps the archive, no more
/// people trained than there are keepers, a budget that is in the plan is
/// not 0.
fn consistent(answers: &mut Answers) {
    let full = number_of(answers, "fulltime_staff");
    let part = number_of(answers, "parttime_staff");
    if let (Some(full), Some(part)) = (full, part) {
        let mut part = part;
        if full.is_zero() && part.is_zero() {
            part = Decimal::from_int(1);
        }
        if let Some(trained) = number_of(answers, "trained_staff")
            && full
                .checked_add(part)
                .is_some_and(|keepers| trained > keepers)
            && let (Some(t), Some(f)) = (trained.as_i64(), full.as_i64())
        {
            part = Decimal::from_int(t - f);
        }
        answers
            .inputs
            .insert("parttime_staff".into(), InputValue::Number(part));
    }
    if answers.inputs.get("budget_included") == Some(&InputValue::YesNo(true))
        && number_of(answers, "annual_budget").is_some_and(|b| b.is_zero())
    {
        answers.inputs.insert(
            "annual_budget".into(),
            InputValue::Number(Decimal::from_int(3000)),
        );
    }
}

/// This year's facts as a drift from last year's: each figure stays near
/// last year's (`mild`: within −15%..+30%, or ±1 for counts), and never so
/// far that the plausibility rules would flag it.
fn follow(
    checklist: &Checklist,
    answers: &mut Answers,
    previous: &std::collections::BTreeMap<String, InputValue>,
    mild: bool,
) {
    let rules = crate::domain::plausibility::Rules::default();
    for input in checklist.inputs.iter().filter(|i| i.kind.is_numeric()) {
        let (Some(InputValue::Number(before)), Some(drawn)) =
            (previous.get(&input.key), number_of(answers, &input.key))
        else {
            continue;
        };
        let p = before.to_f64();
        let mut v = drawn.to_f64();
        if mild {
            let whole = input.kind == InputType::Integer;
            let low = if whole {
                (p * 0.85).min(p - 1.0)
            } else {
                p * 0.85
            };
            let high = if whole {
                (p * 1.3).max(p + 1.0)
            } else {
                p * 1.3
            };
            v = v.clamp(low.max(0.0), high);
        }
        let mut now = figure(input.kind, v);
        for _ in 0..40 {
            if !rules.flags_move(&input.key, input.kind, *before, now) {
                break;
            }
            v = p + (v - p) * 0.8;
            now = figure(input.kind, v);
        }
        if rules.flags_move(&input.key, input.kind, *before, now) {
            now = *before;
        }
        answers
            .inputs
            .insert(input.key.clone(), InputValue::Number(now));
    }
}

/// The deliberate implausibilities of the demo's 2012 self-checks, each a
/// slip an inspector should catch: (unit, input, the figure written).
pub const PLANTED: [(&str, &str, Planted); 3] = [
    // 计算机台数填成了设备总数。
    ("上城区商务局", "computer", Planted::Set(40)),
    // 室藏档案（件）少写一位。
    ("杭州市天长小学", "holdings_items", Planted::Divide(10)),
    // 年度档案经费多写一个 0。
    ("金钱巷社区", "annual_budget", Planted::Multiply(10)),
];

/// How a planted figure is mistyped from last year's.
#[derive(Clone, Copy, Debug)]
pub enum Planted {
    Set(i64),
    Divide(i64),
    Multiply(i64),
}

fn plant(
    unit: &str,
    answers: &mut Answers,
    previous: &std::collections::BTreeMap<String, InputValue>,
) {
    for (name, key, how) in PLANTED {
        if name != unit {
            continue;
        }
        let Some(InputValue::Number(before)) = previous.get(key) else {
            continue;
        };
        let value = match how {
            Planted::Set(v) => Decimal::from_int(v),
            Planted::Divide(by) => Decimal::from_int((before.to_f64() / by as f64).round() as i64),
            Planted::Multiply(by) => before.checked_mul_int(by).unwrap_or(*before),
        };
        answers
            .inputs
            .insert(key.to_string(), InputValue::Number(value));
    }
}

fn quality_for(
    checklist: &Checklist,
    wanted: Option<&str>,
    rng: &mut SplitMix64,
    shape: &dyn Fn(&mut Answers, &mut SplitMix64, usize),
) -> Answers {
    let start = match wanted {
        Some("province-model") => 0.97,
        Some("province-standard") => 0.85,
        Some("city-standard") => 0.7,
        _ => 0.35,
    };
    let draw = |quality: f64, attempt: usize, rng: &mut SplitMix64| {
        let mut a = answers(checklist, quality, rng);
        shape(&mut a, rng, attempt);
        a
    };
    // Draw until the answers reach exactly the wanted tier; nudge the
    // quality when the draws keep missing.
    let mut quality: f64 = start;
    let mut best = draw(quality, 0, rng);
    for attempt in 0..400 {
        let card = crate::domain::score(checklist, &best, &Default::default());
        let got = card.tier.as_ref().map(|t| t.code.as_str());
        if got == wanted && card.vetoes.is_empty() {
            return best;
        }
        if attempt % 20 == 19 {
            let rank = |t: Option<&str>| {
                checklist
                    .tiers
                    .iter()
                    .position(|x| Some(x.code.as_str()) == t)
                    .map_or(0, |p| p + 1)
            };
            quality += if rank(got) < rank(wanted) {
                0.02
            } else {
                -0.02
            };
            quality = quality.clamp(0.0, 1.0);
        }
        best = draw(quality, attempt + 1, rng);
    }
    best
}

/// Fills an empty database with the demonstration district: roster,
/// accounts, the 2011 and 2012 campaigns with every unit's self-check sent
/// through the real upload path, a few on-site reviews, rectification under
/// way. Everything is dated from `env.clock.today` (2012's campaign is the
/// current one, 2011's a year earlier) and drawn from fixed seeds, so a
/// given today always gives the same demo. Returns a summary, or `None` when
/// the database already holds data.
///
/// All of it is one transaction: a failure part-way leaves the database
/// empty, so the next `--demo` tries again instead of finding half a district.
pub fn populate(
    conn: &mut crate::store::DbConn,
    env: super::Env<'_>,
) -> super::ServiceResult<Option<String>> {
    crate::store::write(conn, |conn| {
        let filled = fill(conn, env)?;
        // Some of the demo is written without an audit entry.
        crate::store::queries::versions::bump(conn, &[Scope::Data, Scope::Checklists])?;
        Ok(filled)
    })
}

fn fill(
    conn: &mut crate::store::DbConn,
    env: super::Env<'_>,
) -> super::ServiceResult<Option<String>> {
    use super::campaigns::{self, CampaignChange, KindChecklist};
    use super::reviews::{ItemOverride, ReviewKind, ReviewRequest};
    use super::{Actor, Clock, Role, ServiceError, accounts, reviews, roster, uploads};
    use crate::reports::template::{Prefill, self_check_template};
    use crate::store::queries;

    if queries::units::list(conn)?.len() + queries::users::count(conn)? as usize > 0 {
        return Ok(None);
    }
    let actor = Actor::command_line();
    // The demo is dated from the service's today: 2012's campaign is the one
    // under way (uploads a few weeks ago, orders due around today), 2011's
    // lies 52 weeks earlier. The inspection years stay 2011 and 2012.
    let today = env.clock.today;
    let at = |days: i64| {
        let now = (today + chrono::Duration::days(days))
            .and_hms_opt(2, 0, 0)
            .expect("a valid demo time");
        Clock {
            now,
            today: now.date(),
            zone: env.clock.zone,
        }
    };
    let year_start = |year: i32| if year == 2011 { -364 } else { 0 };
    let env_at = |clock: Clock| super::Env { clock, ..env };

    // Roster: codes 3301023NN for communities, 3301029NN for organisations.
    let mut units: Vec<(String, String, String, String)> = Vec::new();
    for (street, names) in district::COMMUNITIES {
        for name in names {
            let code = format!("3301023{:02}", units.len() + 1);
            units.push((code, (*name).into(), "社区".into(), street.into()));
        }
    }
    for (n, (name, kind, street)) in district::ORGANISATIONS.iter().enumerate() {
        units.push((
            format!("3301029{:02}", n + 1),
            (*name).into(),
            (*kind).into(),
            (*street).into(),
        ));
    }
    let setup = env_at(at(-364 - 60));
    for (code, name, kind, street) in &units {
        roster::save_unit(
            conn,
            setup,
            &actor,
            &roster::UnitView {
                code: code.clone(),
                name: name.clone(),
                kind: kind.clone(),
                street: Some(street.clone()),
                contact_person: None,
                contact_phone: None,
            },
        )?;
    }
    for (username, role, bound_to) in DEMO_USERS {
        // A unit account names its unit by code; a street officer its street.
        let bound_to = match role {
            Role::Unit => bound_to
                .and_then(|name| units.iter().find(|u| u.1 == name))
                .map(|u| u.0.as_str()),
            _ => bound_to,
        };
        accounts::add_demo_user(conn, &actor, username, role, bound_to, setup.clock)?;
    }

    let mut rng = SplitMix64::new(20111231);
    let mut uploaded = 0;
    // Each unit's facts of the year before, for this year's to follow.
    let mut last_year: std::collections::HashMap<
        String,
        std::collections::BTreeMap<String, InputValue>,
    > = std::collections::HashMap::new();
    for (year, community) in [(2011, "community@2012"), (2012, "community@2013")] {
        let start = year_start(year);
        let deadline = (today + chrono::Duration::days(start - 9))
            .format("%Y-%m-%d")
            .to_string();
        let mapping = |kind: &str, reference: &str| KindChecklist {
            unit_kind: kind.into(),
            checklist: reference.into(),
            title: String::new(),
        };
        campaigns::create(
            conn,
            &actor,
            env.catalog,
            year,
            &CampaignChange {
                deadline: Some(deadline),
                checklists: vec![
                    mapping("社区", community),
                    mapping("机关", "agency@2012"),
                    mapping("学校", "agency@2012"),
                    mapping("企事业单位", "agency@2012"),
                ],
                ..CampaignChange::default()
            },
            at(start - 50),
        )?;

        // Community tiers: 2011 as the bureau reported; 2012 a little better.
        let mut wanted: Vec<Option<&str>> = COMMUNITY_TIERS_2011
            .iter()
            .flat_map(|(tier, n)| std::iter::repeat_n(*tier, *n))
            .collect();
        // Spread over the streets (the same spread both years), with
        // 小营巷社区 at the top as it was.
        SplitMix64::new(52).shuffle(&mut wanted);
        let xiaoying = units.iter().position(|u| u.1 == "小营巷社区").unwrap_or(0);
        if let Some(model) = wanted.iter().position(|t| *t == Some("province-model")) {
            wanted.swap(model, xiaoying);
        }
        if year == 2012 {
            // A few units move up, one slips.
            for (from, to) in [
                (None, Some("city-standard")),
                (Some("city-standard"), Some("province-standard")),
                (Some("province-standard"), Some("province-model")),
            ] {
                if let Some(i) = wanted.iter().position(|t| *t == from) {
                    wanted[i] = to;
                }
            }
            if let Some(i) = wanted.iter().rposition(|t| *t == Some("province-standard")) {
                wanted[i] = Some("city-standard");
            }
        }
        let mut community_index = 0;
        for (n, (code, name, kind, street)) in units.iter().enumerate() {
            let reference = if kind == "社区" {
                community
            } else {
                "agency@2012"
            };
            let checklist = env
                .catalog
                .get(reference)
                .ok_or_else(|| ServiceError::Internal(format!("演示需要考核细则 {reference}")))?
                .clone();
            let target = if kind == "社区" {
                let t = wanted[community_index];
                community_index += 1;
                t
            } else {
                [
                    Some("province-standard"),
                    Some("city-standard"),
                    Some("province-model"),
                    None,
                    Some("city-standard"),
                ][n % 5]
            };
            // Two units miss the 2012 deadline, one never submits in 2012.
            if year == 2012 && n == units.len() - 1 {
                continue;
            }
            let previous = last_year.get(code.as_str());
            let shape = |a: &mut Answers, rng: &mut SplitMix64, attempt: usize| {
                realistic(&checklist, a, rng);
                if let Some(previous) = previous {
                    follow(&checklist, a, previous, attempt < 250);
                }
                consistent(a);
                if let (2012, Some(previous)) = (year, previous) {
                    plant(name, a, previous);
                }
            };
            let answers = quality_for(&checklist, target, &mut rng, &shape);
            last_year.insert(code.clone(), answers.inputs.clone());
            let declared = match target {
                Some("province-model") | Some("province-standard") => {
                    checklist.tiers.last().map(|t| t.name.clone())
                }
                Some(_) => checklist.tiers.get(1).map(|t| t.name.clone()),
                None => checklist.tiers.first().map(|t| t.name.clone()),
            };
            let prefill = Prefill {
                unit_name: Some(name.clone()),
                unit_code: Some(code.clone()),
                unit_kind: Some(kind.clone()),
                street: Some(street.clone()),
                year: Some(year),
                target_tier: declared,
                answers: Some(answers),
            };
            let bytes = self_check_template(&checklist, &prefill)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let day = if year == 2012 && (n == 3 || n == 60) {
                at(start - 5)
            } else {
                at(start - 36 + (n % 27) as i64)
            };
            uploads::upload(
                conn,
                env_at(day),
                &actor,
                &format!("{name}-{year}年度自查表.xlsx"),
                &bytes,
                false,
            )?;
            uploaded += 1;
        }

        // On-site checks: every tenth unit; an inspector lowers a self item.
        for (n, (code, ..)) in units.iter().enumerate().filter(|(n, _)| n % 10 == 4) {
            let Some(unit) = queries::units::find_by_code(conn, code)? else {
                continue;
            };
            let campaign = campaigns::by_year(conn, year)?;
            let Some(submission) = queries::submissions::current(conn, unit.id, campaign.id)?
            else {
                continue;
            };
            let checklist =
                super::checklists::get(conn, env.catalog, &submission.checklist_reference)?;
            // A self item scored in steps below its max: the inspector takes one step off.
            let Some((item, step)) = checklist.items.iter().find_map(|i| match i.rule {
                crate::domain::Rule::SelfScored { step }
                    if step < i.max && i.max.hundredths() >= 200 =>
                {
                    Some((i, step))
                }
                _ => None,
            }) else {
                continue;
            };
            let lowered = (item.max - step).hundredths().max(0);
            let kind = [ReviewKind::Spot, ReviewKind::Mutual, ReviewKind::SelfCheck][n % 3];
            reviews::review(
                conn,
                env_at(at(start - 7)),
                &actor,
                submission.id,
                &ReviewRequest {
                    kind,
                    note: format!(
                        "{}：现场查看库房与案卷，{}有欠缺。",
                        kind.label_zh(),
                        item.title
                    ),
                    items: vec![ItemOverride {
                        code: item.code.clone(),
                        points: Some(serde_json::json!(f64::from(lowered) / 100.0)),
                        reason: "现场检查发现记录不全".into(),
                        ..ItemOverride::default()
                    }],
                    inputs: Vec::new(),
                },
            )?;
        }
        if year == 2012 {
            // Orders carried from 2011 keep their old due date: the bureau sets a
            // new one.
            let mut due_rng = SplitMix64::new(20130101);
            for order in super::rectifications::list(
                conn,
                &actor,
                &super::rectifications::Filter {
                    year: Some(2012),
                    ..Default::default()
                },
                today,
            )? {
                let active = matches!(order.state.as_str(), "open" | "returned");
                if order.origin_year == 2012 || !active {
                    continue;
                }
                let due = today + chrono::Duration::days(14 + due_rng.below(21) as i64);
                super::rectifications::set_due(
                    conn,
                    env_at(at(-4)),
                    &actor,
                    order.id,
                    &due.format("%Y-%m-%d").to_string(),
                    "上年度结转事项，重新确定整改期限。",
                )?;
            }
        }
        rectify(conn, env, &actor, year, at(start))?;
        if year == 2011 {
            // The 2011 campaign is over before 2012's begins.
            campaigns::update(
                conn,
                &actor,
                env.catalog,
                2011,
                &CampaignChange {
                    closed: Some(true),
                    ..CampaignChange::default()
                },
                at(start + 60),
            )?;
        }
    }
    peer_reviews(conn, env_at(at(-3)))?;
    Ok(Some(format!(
        "已生成演示数据：{} 个单位，{uploaded} 份自查表（2011、2012 年度）。\n演示账号（密码均为 {DEMO_PASSWORD}）：admin 管理员，inspector 检查员，leader 领导，xiaoyingxiang 小营巷社区，jianlan 建兰中学",
        units.len()
    )))
}

/// 互查 in 2012: the communities in nine groups, nobody reviewing its own
/// street, and the first group's reviews recorded by its units (one finds
/// too few compilations, 编研成果).
fn peer_reviews(conn: &mut crate::store::DbConn, env: super::Env<'_>) -> super::ServiceResult<()> {
    use super::peer_reviews::{DrawRequest, FormRequest, PeerReviewRequest, form, record};
    use super::reviews::ItemOverride;
    use super::{Actor, Role, ServiceError};
    let request = FormRequest {
        draw: Some(DrawRequest {
            groups: 9,
            seed: Some(2012),
            kind: Some("社区".into()),
        }),
        groups: None,
        cross_street: true,
    };
    let plan = form(conn, env, &Actor::command_line(), 2012, &request)?;
    let Some(first) = plan.groups.first() else {
        return Ok(());
    };
    for (n, pair) in first.reviews.iter().enumerate() {
        let Some(unit) = crate::store::queries::units::find_by_code(conn, &pair.reviewer.code)?
        else {
            continue;
        };
        let peer = Actor {
            user_id: None,
            name: pair.reviewer.name.clone(),
            role: Role::Unit,
            unit_id: Some(unit.id),
            street: None,
        };
        let items = if n == 0 {
            vec![ItemOverride {
                code: "F8".into(),
                points: Some(serde_json::json!(0.5)),
                reason: "编研成果只有一项".into(),
                ..ItemOverride::default()
            }]
        } else {
            Vec::new()
        };
        let request = PeerReviewRequest {
            unit: pair.reviewed.code.clone(),
            note: "互查：对照自查表逐项查看案卷和台账。".into(),
            items,
            inputs: Vec::new(),
        };
        match record(conn, env, &peer, 2012, &request) {
            // A unit that did not upload this year has nothing to review.
            Err(ServiceError::Conflict(_)) => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// A year's rectification after its uploads and reviews (`end` is a few
/// days after them): most orders answered and closed, some answered and
/// waiting for the bureau, one returned now and then, the rest still open.
/// 2011's: all closed but a few, which 2012's assessments carry over.
fn rectify(
    conn: &mut crate::store::DbConn,
    env: super::Env<'_>,
    actor: &super::Actor,
    year: i32,
    end: super::Clock,
) -> super::ServiceResult<()> {
    use super::rectifications::{self, ActionRequest, Filter};
    let on = |days: i64| {
        let now = end.now + chrono::Duration::days(days);
        super::Clock {
            now,
            today: now.date(),
            zone: end.zone,
        }
    };
    let orders = rectifications::list(
        conn,
        actor,
        &Filter {
            year: Some(year),
            state: Some("open".into()),
            ..Default::default()
        },
        end.today,
    )?;
    let mut step = |id: i64, action: &str, note: &str, days: i64| {
        rectifications::act(
            conn,
            super::Env {
                clock: on(days),
                ..env
            },
            actor,
            id,
            &ActionRequest {
                action: action.into(),
                note: note.into(),
                recheck_points: None,
            },
            Vec::new(),
        )
        .map(|_| ())
    };
    // 2012: a few days ago; 2011: long done.
    let (answered, checked) = if year == 2011 { (20, 40) } else { (-3, -1) };
    for (n, order) in orders.iter().enumerate() {
        let slot = n % 20;
        match (year, slot) {
            (2011, 0..=15) | (2012, 0..=10) => {
                step(order.id, "submit", "已整改完毕，附整改说明。", answered)?;
                step(order.id, "verify", "复查合格，予以销号。", checked)?;
            }
            (2011, 16) | (2012, 11) => step(
                order.id,
                "waive",
                "该项因单位搬迁暂缓，经研究免于整改。",
                checked,
            )?,
            (2012, 12..=14) => step(
                order.id,
                "submit",
                "已按要求补充整理，附整改说明。",
                answered,
            )?,
            (2012, 15) => {
                step(order.id, "submit", "已整改。", answered)?;
                step(
                    order.id,
                    "return",
                    "整改材料不完整，请补充后重新提交。",
                    checked,
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}
