//! `nianjian rescore`: a year's current results previewed under another
//! checklist version — one named in the catalog, or a draft file — as a
//! Chinese summary or the preview as JSON. Stores nothing.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::domain::{Checklist, Points};
use crate::ingest::checklists::{Catalog, parse_draft};
use crate::ingest::workbook::Limits;
use crate::service::rescore::{Preview, UnitPreview, preview, standing_name};
use crate::service::{Actor, Env};

use super::server::{now, open};
use super::{CliError, DatabaseArg, problems_text};

#[derive(clap::Args, Debug)]
pub struct RescoreArgs {
    /// 年度。
    #[arg(long, value_name = "年度")]
    year: i32,
    /// 考核细则：ID@VERSION（如 community@2013），或一份尚未放入考核细则目录的草稿：.toml 文件或考核细则编制表（.xlsx）。
    #[arg(long, value_name = "ID@VERSION|文件")]
    checklist: String,
    #[command(flatten)]
    db: DatabaseArg,
    /// 在标准输出写预览的 JSON。
    #[arg(long)]
    json: bool,
}

pub fn run(args: &RescoreArgs) -> Result<ExitCode, CliError> {
    let (db, catalog) = open(
        (&args.db.database, args.db.district.as_deref()),
        args.db.checklists.as_deref(),
        2,
    )?;
    let checklist = resolve(&catalog, &args.checklist)?;
    let mut conn = db.get()?;
    let env = Env {
        catalog: &catalog,
        limits: &Limits::default(),
        clock: now(),
        plausibility: &crate::domain::plausibility::DEFAULT_RULES,
    };
    let preview = preview(
        &mut conn,
        env,
        &Actor::command_line(),
        args.year,
        &checklist,
    )
    .map_err(|e| match e {
        // An unknown year is a bad argument here (exit 2).
        crate::service::ServiceError::NotFound(m) => CliError::Invalid(m),
        other => other.into(),
    })?;
    let text = if args.json {
        serde_json::to_string(&preview)
            .map_err(|e| CliError::Failed(format!("无法写出 JSON：{e}")))?
            + "\n"
    } else {
        render(&preview)
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is the reader's choice, not a failure.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(ExitCode::SUCCESS)
}

/// `ID@VERSION` from the catalog, or a checklist file (a draft).
fn resolve(catalog: &Catalog, written: &str) -> Result<Arc<Checklist>, CliError> {
    let path = Path::new(written);
    let lower = written.to_lowercase();
    if [".xlsx", ".xlsm", ".xls", ".ods"]
        .iter()
        .any(|x| lower.ends_with(x))
    {
        // A draft still in its authoring workbook (考核细则编制表).
        return Ok(Arc::new(crate::service::authoring::draft(path)?));
    }
    if written.ends_with(".toml") || path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Invalid(format!("无法读取 {written}：{e}")))?;
        return parse_draft(written, &text)
            .map(Arc::new)
            .map_err(|problems| {
                CliError::Invalid(format!("考核细则有误：\n{}", problems_text(&problems)))
            });
    }
    catalog
        .get(written)
        .cloned()
        .ok_or_else(|| CliError::Invalid(format!("未知的考核细则 {written}")))
}

/// The summary line, the transition matrix, the units that move, and what
/// the old answers cannot tell.
pub fn render(p: &Preview) -> String {
    let c = &p.counts;
    let mut out = format!(
        "{} 年度按《{}》（{}）重新计分预览（原按 {} 评定）：共 {} 个单位，升级 {}，降级 {}，不变 {}，待定 {}；总分上升 {}，下降 {}；{} 个单位有原答案无法判断的内容。不保存任何结果。\n",
        p.year,
        p.title,
        p.checklist,
        if p.assessed_under.is_empty() {
            "—".to_string()
        } else {
            p.assessed_under.join("、")
        },
        c.units,
        c.up,
        c.down,
        c.unchanged,
        c.undecided,
        c.total_up,
        c.total_down,
        c.with_unknowns,
    );
    out.push_str("\n等级变化（行：原等级，列：新等级）\n");
    out.push_str(&matrix_table(p));
    let moved: Vec<&UnitPreview> = p.units.iter().filter(|u| u.moved).collect();
    out.push_str(&format!("\n等级变动的单位（{} 个）\n", moved.len()));
    for u in moved {
        out.push_str(&format!("  {}\n", unit_line(u)));
    }
    let unknown: Vec<&UnitPreview> = p
        .units
        .iter()
        .filter(|u| !u.unknown.items.is_empty() || !u.unknown.inputs.is_empty())
        .collect();
    if !unknown.is_empty() {
        out.push_str(&format!(
            "\n原答案无法判断的内容（{} 个单位，按未填计）\n",
            unknown.len()
        ));
        for u in unknown {
            out.push_str(&format!("  {}\n", unknown_line(u)));
        }
    }
    out
}

fn matrix_table(p: &Preview) -> String {
    let names: Vec<&str> = p.matrix.rungs.iter().map(|r| r.name.as_str()).collect();
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once("原＼新".to_string())
            .chain(names.iter().map(|n| n.to_string()))
            .collect(),
    ];
    for (name, counts) in names.iter().zip(&p.matrix.counts) {
        rows.push(
            std::iter::once(name.to_string())
                .chain(counts.iter().map(usize::to_string))
                .collect(),
        );
    }
    aligned(&rows)
}

/// Columns padded to their widest cell (a CJK character counts two).
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = " ".repeat(widths[c] - width(s));
                // The first column (a name) left, the counts right.
                if c == 0 {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
                }
            })
            .collect();
        out.push_str("  ");
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Display width: ASCII one column, anything else (CJK) two.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn signed(p: Points) -> String {
    if p > Points::ZERO {
        format!("+{p}")
    } else {
        p.to_string()
    }
}

fn shown(p: Option<Points>) -> String {
    p.map_or_else(|| "无此条目".to_string(), |p| p.to_string())
}

fn unit_line(u: &UnitPreview) -> String {
    let street = u
        .street
        .as_deref()
        .map(|s| format!("（{s}）"))
        .unwrap_or_default();
    let movers: Vec<String> = u
        .movers
        .iter()
        .map(|m| {
            format!(
                "{} {} {} → {}（{}）",
                m.code,
                m.title,
                shown(m.old),
                shown(m.new),
                signed(m.delta)
            )
        })
        .collect();
    format!(
        "{} {}{street}：{} {} → {} {}（{}）{}",
        u.code,
        u.name,
        u.old_total,
        standing_name(u.old_tier.as_ref(), u.old_provisional),
        u.new_total,
        standing_name(u.new_tier.as_ref(), u.new_provisional),
        signed(u.delta),
        if movers.is_empty() {
            String::new()
        } else {
            format!("；主要变化：{}", movers.join("；"))
        }
    )
}

fn unknown_line(u: &UnitPreview) -> String {
    let mut parts = Vec::new();
    if !u.unknown.items.is_empty() {
        parts.push(format!("条目 {}", u.unknown.items.join("、")));
    }
    if !u.unknown.inputs.is_empty() {
        let inputs: Vec<String> = u
            .unknown
            .inputs
            .iter()
            .map(|i| format!("{}（{}）", i.label, i.key))
            .collect();
        parts.push(format!("输入项 {}", inputs.join("、")));
    }
    if !u.unknown.unfit.is_empty() {
        parts.push(format!(
            "其中原答案不符合新版要求：{}",
            u.unknown.unfit.join("、")
        ));
    }
    format!("{} {}：{}", u.code, u.name, parts.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_with_wide_characters() {
        let rows = vec![
            vec!["原＼新".to_string(), "未达标".into(), "待定".into()],
            vec!["未达标".to_string(), "12".into(), "3".into()],
        ];
        let text = aligned(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "  原＼新  未达标  待定");
        assert_eq!(lines[1], "  未达标      12     3");
        assert_eq!(width(lines[0]), width(lines[1]));
    }
}
