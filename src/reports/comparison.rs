//! 逐项对比: two assessments of one unit side by side (this year and last,
//! self and reviewed, two reviewers) — per item the points, the facts
//! behind them and what changed; per fact (人、财、物) the two values. The
//! model is filled by `service::comparison`; here it is written as a
//! one-sheet workbook that prints on A4 landscape.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};
use serde::Serialize;

use crate::domain::Points;

use super::ReportError;
use super::district_xlsx::{Style, cell_base, header_format, properties, put_text, title_format};

/// One of the two assessments compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Side {
    pub assessment_id: i64,
    pub year: i32,
    /// "2012 年度 · 自评" or "2012 年度 · 抽查（inspector）".
    pub label: String,
    /// `id@version`
    pub checklist: String,
    pub total: Points,
    /// The tier's name, or 未达标 / 待现场评定.
    pub tier: String,
}

/// An item on either side, matched by its code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    pub code: String,
    pub title: String,
    pub max_a: Option<Points>,
    pub max_b: Option<Points>,
    /// None: not in that side's checklist; 不适用 items count as none too.
    pub points_a: Option<Points>,
    pub points_b: Option<Points>,
    /// How each side was scored (条目说明), one line per fact.
    pub notes_a: Vec<String>,
    pub notes_b: Vec<String>,
    /// b − a where both have points.
    pub change: Option<Points>,
    pub changed: bool,
}

/// A fact (人、财、物投入) on either side, matched by its key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactRow {
    pub label: String,
    pub unit: Option<String>,
    pub value_a: Option<String>,
    pub value_b: Option<String>,
    pub changed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub unit_code: String,
    pub unit_name: String,
    pub a: Side,
    pub b: Side,
    pub items: Vec<ItemRow>,
    pub facts: Vec<FactRow>,
    /// Items whose points differ, and facts whose values differ.
    pub changed_items: usize,
    pub changed_facts: usize,
}

const SHEET: &str = "逐项对比";

/// Writes the comparison as xlsx bytes; the same comparison, the same bytes.
pub fn comparison_xlsx(c: &Comparison) -> Result<Vec<u8>, ReportError> {
    let mut ws = Worksheet::new();
    ws.set_name(SHEET)?;
    let cell = Style::new(cell_base().set_text_wrap().set_align(FormatAlign::Top));
    let header = Style::new(header_format());
    let number = cell_base()
        .set_num_format("0.##")
        .set_align(FormatAlign::Top);
    let changed = cell_base()
        .set_num_format("+0.##;-0.##;0")
        .set_bold()
        .set_font_color(0xC00000)
        .set_align(FormatAlign::Top);
    let title = format!("{}（{}）逐项对比", c.unit_name, c.unit_code);
    ws.merge_range(0, 0, 0, 7, &title, &title_format())?;
    let sides = format!(
        "甲：{}，总分 {}，{}；乙：{}，总分 {}，{}",
        c.a.label, c.a.total, c.a.tier, c.b.label, c.b.total, c.b.tier
    );
    ws.merge_range(1, 0, 1, 7, &sides, &Format::new().set_text_wrap())?;
    ws.set_row_height(1, 30)?;
    let heads = [
        "条目",
        "内容",
        "满分",
        "甲得分",
        "乙得分",
        "变化",
        "甲的依据",
        "乙的依据",
    ];
    for (col, text) in heads.iter().enumerate() {
        put_text(&mut ws, 3, col as u16, text, &header)?;
    }
    for (col, width) in [6.0, 30.0, 6.0, 7.0, 7.0, 7.0, 34.0, 34.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(col as u16, *width)?;
    }
    let mut row = 4;
    let put_points = |ws: &mut Worksheet, row, col, p: Option<Points>, f: &Format| match p {
        Some(p) => ws
            .write_number_with_format(row, col, p.as_f64(), f)
            .map(|_| ()),
        None => ws.write_string_with_format(row, col, "—", f).map(|_| ()),
    };
    for item in &c.items {
        put_text(&mut ws, row, 0, &item.code, &cell)?;
        put_text(&mut ws, row, 1, &item.title, &cell)?;
        put_points(&mut ws, row, 2, item.max_b.or(item.max_a), &number)?;
        put_points(&mut ws, row, 3, item.points_a, &number)?;
        put_points(&mut ws, row, 4, item.points_b, &number)?;
        match item.change {
            Some(d) if item.changed => put_points(&mut ws, row, 5, Some(d), &changed)?,
            Some(d) => put_points(&mut ws, row, 5, Some(d), &number)?,
            None if item.changed => put_text(&mut ws, row, 5, "有变化", &cell)?,
            None => put_text(&mut ws, row, 5, "", &cell)?,
        }
        put_text(&mut ws, row, 6, &item.notes_a.join("\n"), &cell)?;
        put_text(&mut ws, row, 7, &item.notes_b.join("\n"), &cell)?;
        row += 1;
    }
    row += 1;
    for (col, text) in ["人、财、物投入", "", "单位", "甲", "乙", "变化"]
        .iter()
        .enumerate()
    {
        put_text(&mut ws, row, col as u16, text, &header)?;
    }
    row += 1;
    for fact in &c.facts {
        put_text(&mut ws, row, 0, "", &cell)?;
        put_text(&mut ws, row, 1, &fact.label, &cell)?;
        put_text(&mut ws, row, 2, fact.unit.as_deref().unwrap_or(""), &cell)?;
        put_text(
            &mut ws,
            row,
            3,
            fact.value_a.as_deref().unwrap_or("—"),
            &cell,
        )?;
        put_text(
            &mut ws,
            row,
            4,
            fact.value_b.as_deref().unwrap_or("—"),
            &cell,
        )?;
        put_text(
            &mut ws,
            row,
            5,
            if fact.changed { "有变化" } else { "" },
            &cell,
        )?;
        row += 1;
    }
    ws.set_freeze_panes(4, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(3, 3)?;
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(&title, "逐项对比")?);
    workbook.push_worksheet(ws);
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: i64, year: i32, total: i32) -> Side {
        Side {
            assessment_id: id,
            year,
            label: format!("{year} 年度 · 自评"),
            checklist: "community@2013".into(),
            total: Points(total),
            tier: "市级规范化档案室".into(),
        }
    }

    #[test]
    fn the_workbook_holds_each_item_and_fact_and_is_the_same_twice() {
        let c = Comparison {
            unit_code: "330102301".into(),
            unit_name: "小营巷社区".into(),
            a: side(1, 2011, 8000),
            b: side(2, 2012, 8150),
            items: vec![ItemRow {
                code: "A4".into(),
                title: "=配备专职档案员".into(),
                max_a: Some(Points(200)),
                max_b: Some(Points(200)),
                points_a: Some(Points(50)),
                points_b: Some(Points(200)),
                notes_a: vec!["专职档案员 0 人".into()],
                notes_b: vec!["专职档案员 1 人".into()],
                change: Some(Points(150)),
                changed: true,
            }],
            facts: vec![FactRow {
                label: "专职档案员".into(),
                unit: Some("人".into()),
                value_a: Some("0".into()),
                value_b: Some("1".into()),
                changed: true,
            }],
            changed_items: 1,
            changed_facts: 1,
        };
        let bytes = comparison_xlsx(&c).expect("xlsx");
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(bytes, comparison_xlsx(&c).expect("again"));
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("read");
        use calamine::Reader;
        let sheet = book.worksheet_range(SHEET).expect("sheet");
        let text = |r: u32, c: u32| {
            sheet
                .get_value((r, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        assert_eq!(text(4, 0), "A4");
        // Text that looks like a formula stays text.
        assert_eq!(text(4, 1), "=配备专职档案员");
        assert_eq!(text(4, 3), "0.5");
        assert_eq!(text(4, 5), "1.5");
        assert_eq!(text(4, 7), "专职档案员 1 人");
        assert_eq!(text(7, 1), "专职档案员");
        assert_eq!(text(7, 4), "1");
        assert!(text(1, 0).contains("2011 年度 · 自评"), "{}", text(1, 0));
    }
}
