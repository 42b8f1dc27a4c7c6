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

/// The demo's accounts, all with [`DEMO_PASSWORD`].
/// (user name, role, the unit's name for unit accounts).
pub const DEMO_USERS: [(&str, super::Role, Option<&str>); 5] = [
    ("admin", super::Role::Admin, None),
    ("inspector", super::Role::Inspector, None),
    ("leader", super::Role::Leader, None),
    ("xiaoyingxiang", super::Role::Unit, Some("小营巷社区")),
    ("jianlan", super::Role::Unit, Some("杭州市建兰中学")),
];

pub const DEMO_PASSWORD: &str = "nianjian2012";

fn quality_for(checklist: &Checklist, wanted: Option<&str>, rng: &mut SplitMix64) -> Answers {
    let start = match wanted {
        Some("province-model") => 0.97,
        Some("province-standard") => 0.85,
        Some("city-standard") => 0.7,
        _ => 0.35,
    };
    // Draw until the answers reach exactly the wanted tier; nudge the
    // quality when the draws keep missing.
    let mut quality: f64 = start;
    let mut best = answers(checklist, quality, rng);
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
        best = answers(checklist, quality, rng);
    }
    best
}

/// Fills an empty database with the demonstration district: roster,
/// accounts, the 2011 and 2012 campaigns with every unit's self-check sent
/// through the real upload path, a few on-site reviews. Returns a summary,
/// or `None` when the database already holds data.
///
/// All of it is one transaction: a failure part-way leaves the database
/// empty, so the next `--demo` tries again instead of finding half a district.
pub fn populate(
    conn: &mut crate::store::DbConn,
    env: super::Env<'_>,
) -> super::ServiceResult<Option<String>> {
    crate::store::write(conn, |conn| fill(conn, env))
}

fn fill(
    conn: &mut crate::store::DbConn,
    env: super::Env<'_>,
) -> super::ServiceResult<Option<String>> {
    use super::campaigns::{self, CampaignChange, KindChecklist};
    use super::reviews::{ItemOverride, ReviewKind, ReviewRequest};
    use super::{Actor, Clock, ServiceError, accounts, reviews, roster, uploads};
    use crate::reports::template::{Prefill, self_check_template};
    use crate::store::queries;

    if queries::units::list(conn)?.len() + queries::users::count(conn)? as usize > 0 {
        return Ok(None);
    }
    let actor = Actor::command_line();
    let at = |y: i32, m: u32, d: u32| {
        let now = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .expect("a valid demo date");
        Clock {
            now,
            today: now.date(),
            zone: env.clock.zone,
        }
    };
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
    let setup = env_at(at(2012, 1, 5));
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
    for (username, role, unit_name) in DEMO_USERS {
        let code = unit_name
            .and_then(|name| units.iter().find(|u| u.1 == name))
            .map(|u| u.0.as_str());
        accounts::add_user(
            conn,
            &actor,
            username,
            DEMO_PASSWORD,
            role,
            code,
            setup.clock,
        )?;
    }

    let mut rng = SplitMix64::new(20111231);
    let mut uploaded = 0;
    for (year, community, deadline) in [
        (2011, "community@2012", "2012-03-31"),
        (2012, "community@2013", "2013-03-31"),
    ] {
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
                deadline: Some(deadline.into()),
                checklists: vec![
                    mapping("社区", community),
                    mapping("机关", "agency@2012"),
                    mapping("学校", "agency@2012"),
                    mapping("企事业单位", "agency@2012"),
                ],
                ..CampaignChange::default()
            },
            at(year + 1, 1, 4),
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
            let answers = quality_for(&checklist, target, &mut rng);
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
                at(year + 1, 4, 8)
            } else {
                at(year + 1, 2, 1 + (n % 27) as u32)
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
                env_at(at(year + 1, 4, 20)),
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
    }
    // Rectification under way in 2012: units have answered some orders,
    // the bureau has checked some of the answers.
    let orders = super::rectifications::list(
        conn,
        &actor,
        &super::rectifications::Filter {
            year: Some(2012),
            kind: Some("item".into()),
            ..Default::default()
        },
        at(2013, 5, 1).today,
    )?;
    let step = |conn: &mut crate::store::DbConn, id: i64, action: &str, note: &str, day: u32| {
        super::rectifications::act(
            conn,
            env_at(at(2013, 5, day)),
            &actor,
            id,
            &super::rectifications::ActionRequest {
                action: action.into(),
                note: note.into(),
                recheck_points: None,
            },
            Vec::new(),
        )
        .map(|_| ())
    };
    for (n, order) in orders
        .iter()
        .filter(|o| o.state == "open")
        .take(280)
        .enumerate()
    {
        match n % 7 {
            0..=2 => step(
                conn,
                order.id,
                "submit",
                "已按要求补充整理，附整改说明。",
                10,
            )?,
            3 => {
                step(conn, order.id, "submit", "已整改完毕。", 10)?;
                step(conn, order.id, "verify", "复查合格，予以销号。", 20)?;
            }
            4 => {
                step(conn, order.id, "submit", "已整改。", 10)?;
                step(
                    conn,
                    order.id,
                    "return",
                    "整改材料不完整，请补充后重新提交。",
                    20,
                )?;
            }
            5 if n % 21 == 5 => step(
                conn,
                order.id,
                "waive",
                "该项因单位搬迁暂缓，经研究免于整改。",
                20,
            )?,
            _ => {}
        }
    }

    // The 2011 campaign is over; 2012's is the one under way.
    campaigns::update(
        conn,
        &actor,
        env.catalog,
        2011,
        &CampaignChange {
            closed: Some(true),
            ..CampaignChange::default()
        },
        at(2012, 6, 30),
    )?;
    Ok(Some(format!(
        "已生成演示数据：{} 个单位，{uploaded} 份自查表（2011、2012 年度）。\n演示账号（密码均为 {DEMO_PASSWORD}）：admin 管理员，inspector 检查员，leader 领导，xiaoyingxiang 小营巷社区，jianlan 建兰中学",
        units.len()
    )))
}
