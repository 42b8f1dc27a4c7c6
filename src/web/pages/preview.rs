//! The what-if page's model (试算): the service's preview laid out for
//! reading — the transition matrix as rows with each cell's direction, each
//! standing by its name, the items that changed anywhere, and the units
//! the old answers cannot tell about.

use serde::Serialize;

use crate::domain::Points;
use crate::domain::rescore::Direction;
use crate::service::rescore::{Preview, UnitPreview, standing_name};

/// Units listed by name on the page at most, per list; the API and
/// `nianjian rescore --json` give them all.
const LISTED: usize = 500;

#[derive(Serialize)]
pub struct PreviewPage {
    #[serde(flatten)]
    preview: Preview,
    matrix_rows: Vec<MatrixRow>,
    moved: Vec<UnitLine>,
    moved_more: usize,
    changed_items: Vec<ItemLine>,
    unknown: Vec<UnitLine>,
    unknown_more: usize,
}

#[derive(Serialize)]
struct MatrixRow {
    name: String,
    cells: Vec<MatrixCell>,
    total: usize,
}

#[derive(Serialize)]
struct MatrixCell {
    count: usize,
    /// same (diagonal), up (a higher standing), down.
    class: &'static str,
}

#[derive(Serialize)]
struct UnitLine {
    code: String,
    name: String,
    street: Option<String>,
    old_total: Points,
    new_total: Points,
    delta: Points,
    old_standing: String,
    new_standing: String,
    direction: &'static str,
    movers: Vec<String>,
    unknown: Vec<String>,
}

#[derive(Serialize)]
struct ItemLine {
    code: String,
    title: String,
    units_changed: usize,
    delta: Points,
}

impl PreviewPage {
    pub fn of(preview: Preview) -> PreviewPage {
        let rungs = &preview.matrix.rungs;
        // Rungs run 未达标, the tiers lowest first, then 待定 (neither up nor down).
        let undecided = |i: usize| rungs[i].code.is_none() && i + 1 == rungs.len() && i > 0;
        let matrix_rows = preview
            .matrix
            .counts
            .iter()
            .enumerate()
            .map(|(r, row)| MatrixRow {
                name: rungs[r].name.clone(),
                total: row.iter().sum(),
                cells: row
                    .iter()
                    .enumerate()
                    .map(|(c, &count)| MatrixCell {
                        count,
                        class: if r == c {
                            "same"
                        } else if undecided(r) || undecided(c) {
                            "undecided"
                        } else if c > r {
                            "up"
                        } else {
                            "down"
                        },
                    })
                    .collect(),
            })
            .collect();
        let moved: Vec<UnitLine> = preview
            .units
            .iter()
            .filter(|u| u.moved)
            .map(UnitLine::of)
            .collect();
        let unknown: Vec<UnitLine> = preview
            .units
            .iter()
            .filter(|u| !u.unknown.items.is_empty() || !u.unknown.inputs.is_empty())
            .map(UnitLine::of)
            .collect();
        let mut changed_items: Vec<ItemLine> = preview
            .items
            .iter()
            .filter(|i| i.units_changed > 0)
            .map(|i| ItemLine {
                code: i.code.clone(),
                title: i.title.clone(),
                units_changed: i.units_changed,
                delta: i.delta,
            })
            .collect();
        changed_items.sort_by_key(|i| std::cmp::Reverse(i.units_changed));
        let (moved, moved_more) = capped(moved);
        let (unknown, unknown_more) = capped(unknown);
        PreviewPage {
            matrix_rows,
            moved,
            moved_more,
            changed_items,
            unknown,
            unknown_more,
            preview,
        }
    }
}

fn capped(mut lines: Vec<UnitLine>) -> (Vec<UnitLine>, usize) {
    let more = lines.len().saturating_sub(LISTED);
    lines.truncate(LISTED);
    (lines, more)
}

impl UnitLine {
    fn of(u: &UnitPreview) -> UnitLine {
        let unknown = u
            .unknown
            .items
            .iter()
            .cloned()
            .chain(u.unknown.inputs.iter().map(|i| i.label.clone()))
            .collect();
        UnitLine {
            code: u.code.clone(),
            name: u.name.clone(),
            street: u.street.clone(),
            old_total: u.old_total,
            new_total: u.new_total,
            delta: u.delta,
            old_standing: standing_name(u.old_tier.as_ref(), u.old_provisional),
            new_standing: standing_name(u.new_tier.as_ref(), u.new_provisional),
            direction: match u.direction {
                Direction::Up => "up",
                Direction::Down => "down",
                Direction::Undecided => "undecided",
                Direction::Same => "same",
            },
            movers: u
                .movers
                .iter()
                .map(|m| {
                    let shown = |p: Option<Points>| p.map_or("—".to_string(), |p| p.to_string());
                    format!(
                        "{} {}（{} → {}）",
                        m.code,
                        m.title,
                        shown(m.old),
                        shown(m.new)
                    )
                })
                .collect(),
            unknown,
        }
    }
}
