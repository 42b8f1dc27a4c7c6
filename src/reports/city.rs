//! 全市汇总: the city bureau's view of its districts, districts × tiers,
//! each district counted as its own summary counts it (the same cumulative
//! counting: a unit at a tier counts at every tier below), and the city's
//! total as their sum. The workbook is one sheet a leader prints.

use std::sync::Arc;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Serialize;

use super::ReportError;
use super::model::{DistrictReport, TierCounts};

/// One district's summary, as the city reads it.
pub struct DistrictPart {
    pub code: String,
    pub name: String,
    pub report: Arc<DistrictReport>,
}

/// One district's row (or the city's total) of the city summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CityRow {
    /// The district's code; empty on the total.
    pub code: String,
    pub name: String,
    pub units: usize,
    pub submitted: usize,
    pub not_submitted: usize,
    pub no_tier: usize,
    /// Per tier of [`CitySummary::tiers`], lowest first: at this tier or above.
    pub cumulative: Vec<usize>,
    /// Per tier, lowest first: exactly this tier.
    pub exact: Vec<usize>,
}

/// The city summary of a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CitySummary {
    pub year: i32,
    /// The tiers' names, lowest first, as the districts' checklists name them.
    pub tiers: Vec<String>,
    pub districts: Vec<CityRow>,
    pub total: CityRow,
    /// "3 个区县共 104 个单位，省级示范 12 个、…".
    pub sentence: String,
}

impl CitySummary {
    /// Sums the districts' own totals; tiers are matched by name, so
    /// districts on different checklists still add up where they agree.
    pub fn of(year: i32, parts: &[DistrictPart]) -> CitySummary {
        let mut tiers: Vec<String> = Vec::new();
        for part in parts {
            for tier in &part.report.tiers {
                if !tiers.contains(&tier.short) {
                    tiers.push(tier.short.clone());
                }
            }
        }
        let districts: Vec<CityRow> = parts
            .iter()
            .map(|p| row_of(&p.code, &p.name, &p.report, &tiers))
            .collect();
        let mut total = CityRow {
            code: String::new(),
            name: "全市合计".into(),
            units: 0,
            submitted: 0,
            not_submitted: 0,
            no_tier: 0,
            cumulative: vec![0; tiers.len()],
            exact: vec![0; tiers.len()],
        };
        for row in &districts {
            total.units += row.units;
            total.submitted += row.submitted;
            total.not_submitted += row.not_submitted;
            total.no_tier += row.no_tier;
            for (sum, n) in total.cumulative.iter_mut().zip(&row.cumulative) {
                *sum += n;
            }
            for (sum, n) in total.exact.iter_mut().zip(&row.exact) {
                *sum += n;
            }
        }
        let sentence = sentence(districts.len(), &total, &tiers);
        CitySummary {
            year,
            tiers,
            districts,
            total,
            sentence,
        }
    }
}

fn row_of(code: &str, name: &str, report: &DistrictReport, tiers: &[String]) -> CityRow {
    let counts: &TierCounts = &report.total;
    let at = |values: &Vec<usize>, tier: &str| {
        report
            .tiers
            .iter()
            .position(|t| t.short == tier)
            .and_then(|i| values.get(i).copied())
            .unwrap_or(0)
    };
    CityRow {
        code: code.into(),
        name: name.into(),
        units: counts.units,
        submitted: counts.submitted,
        not_submitted: counts.not_submitted,
        no_tier: counts.no_tier,
        cumulative: tiers.iter().map(|t| at(&counts.cumulative, t)).collect(),
        exact: tiers.iter().map(|t| at(&counts.exact, t)).collect(),
    }
}

/// Highest tier first, as the districts' own sentences go.
fn sentence(districts: usize, total: &CityRow, tiers: &[String]) -> String {
    let mut parts: Vec<String> = tiers
        .iter()
        .zip(&total.cumulative)
        .rev()
        .map(|(tier, n)| format!("{tier} {n} 个"))
        .collect();
    parts.push(format!("未提交 {} 个", total.not_submitted));
    format!(
        "{districts} 个区县共 {} 个单位，{}。",
        total.units,
        parts.join("、")
    )
}

/// The city summary as an xlsx workbook of one sheet.
pub fn city_xlsx(summary: &CitySummary) -> Result<Vec<u8>, ReportError> {
    Ok(write(summary)?)
}

fn write(summary: &CitySummary) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("全市汇总")?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let bold = cell.clone().set_bold();
    ws.write_string_with_format(
        0,
        0,
        format!("{} 年度档案工作年检全市汇总", summary.year),
        &title,
    )?;
    ws.write_string(1, 0, &summary.sentence)?;
    let mut headers: Vec<String> = ["区县代码", "区县", "单位数", "已提交", "未提交", "未达标"]
        .iter()
        .map(ToString::to_string)
        .collect();
    headers.extend(summary.tiers.iter().map(|t| format!("{t}（含以上）")));
    for (col, text) in headers.iter().enumerate() {
        ws.write_string_with_format(3, col as u16, text, &head)?;
        ws.set_column_width(col as u16, if col == 1 { 16 } else { 12 })?;
    }
    let rows = summary
        .districts
        .iter()
        .chain(std::iter::once(&summary.total));
    for (i, row) in rows.enumerate() {
        let r = 4 + i as u32;
        let f = if row.code.is_empty() { &bold } else { &cell };
        ws.write_string_with_format(r, 0, &row.code, f)?;
        ws.write_string_with_format(r, 1, &row.name, f)?;
        let numbers = [row.units, row.submitted, row.not_submitted, row.no_tier]
            .into_iter()
            .chain(row.cumulative.iter().copied());
        for (j, n) in numbers.enumerate() {
            ws.write_number_with_format(r, 2 + j as u16, n as f64, f)?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::model::Tier;

    fn report(
        tiers: &[&str],
        units: usize,
        cumulative: Vec<usize>,
        exact: Vec<usize>,
    ) -> Arc<DistrictReport> {
        let mut report = DistrictReport {
            year: 2012,
            previous_year: 2011,
            street: None,
            generated_at: String::new(),
            tiers: Vec::new(),
            by_kind: Vec::new(),
            by_street: Vec::new(),
            total: TierCounts::default(),
            sentences: Vec::new(),
            units: Vec::new(),
            lost: Vec::new(),
            claims: Vec::new(),
            transitions: crate::reports::model::Transitions {
                labels: Vec::new(),
                cells: Vec::new(),
                counts: Vec::new(),
                upgraded: 0,
                unchanged: 0,
                downgraded: 0,
            },
            orders: Vec::new(),
            order_counts: Default::default(),
            inputs: Vec::new(),
            trend: Vec::new(),
            publication: None,
        };
        report.tiers = tiers
            .iter()
            .map(|t| Tier {
                code: (*t).into(),
                name: (*t).into(),
                short: (*t).into(),
            })
            .collect();
        report.total = TierCounts {
            label: "全区".into(),
            units,
            submitted: units - 1,
            not_submitted: 1,
            no_tier: 2,
            exact,
            cumulative,
            last_year: None,
        };
        Arc::new(report)
    }

    #[test]
    fn the_city_is_the_sum_of_its_districts_tier_by_tier_name() {
        let parts = [
            DistrictPart {
                code: "330102".into(),
                name: "上城区".into(),
                report: report(
                    &["市级规范化", "省级规范化", "省级示范"],
                    10,
                    vec![7, 3, 1],
                    vec![4, 2, 1],
                ),
            },
            DistrictPart {
                code: "330106".into(),
                name: "西湖区".into(),
                // A district whose checklist knows two tiers only.
                report: report(&["市级规范化", "省级规范化"], 6, vec![3, 1], vec![2, 1]),
            },
        ];
        let city = CitySummary::of(2012, &parts);
        assert_eq!(city.tiers, ["市级规范化", "省级规范化", "省级示范"]);
        assert_eq!(city.districts[1].cumulative, [3, 1, 0]);
        assert_eq!(
            (
                city.total.units,
                city.total.submitted,
                city.total.not_submitted,
                city.total.no_tier
            ),
            (16, 14, 2, 4)
        );
        assert_eq!(city.total.cumulative, [10, 4, 1]);
        assert_eq!(city.total.exact, [6, 3, 1]);
        assert_eq!(
            city.sentence,
            "2 个区县共 16 个单位，省级示范 1 个、省级规范化 4 个、市级规范化 10 个、未提交 2 个。"
        );
        let bytes = city_xlsx(&city).expect("xlsx");
        assert!(bytes.starts_with(b"PK"));
    }

    #[test]
    fn no_district_is_an_empty_city() {
        let city = CitySummary::of(2012, &[]);
        assert_eq!(city.total.units, 0);
        assert_eq!(city.sentence, "0 个区县共 0 个单位，未提交 0 个。");
    }
}
