//! Narrow reads for the district report: per-item figures summed in the
//! database, so that a district's item rows (some 50 a unit) are not
//! carried out one by one.

use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;

use crate::store::schema::assessment_items;
use crate::store::{DbConn, StoreResult};

/// One item summed over a set of assessments: the applicable rows, and of
/// them those that lost points (`points < max`) with their maxima and
/// points summed (lost = `max_sum - points_sum`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemSum {
    pub item_code: String,
    pub category_code: String,
    pub max: i32,
    pub applicable: i64,
    pub losing: i64,
    pub losing_max_sum: i64,
    pub losing_points_sum: i64,
}

/// Per item code, summed over the applicable items of `assessment_ids`;
/// codes in no applicable row are absent. Chunks keep the IN list under
/// SQLite's variable limit; a code's sums over chunks add up.
pub fn item_sums(conn: &mut DbConn, assessment_ids: &[i64]) -> StoreResult<Vec<ItemSum>> {
    let mut sums: std::collections::BTreeMap<String, ItemSum> = Default::default();
    for chunk in assessment_ids.chunks(500) {
        let applicable = assessment_items::table
            .filter(assessment_items::assessment_id.eq_any(chunk))
            .filter(assessment_items::applicable.eq(true))
            .group_by(assessment_items::item_code)
            .select((
                assessment_items::item_code,
                min(assessment_items::category_code),
                min(assessment_items::max),
                count_star(),
            ))
            .load::<(String, Option<String>, Option<i32>, i64)>(conn)?;
        for (code, category, max, count) in applicable {
            let entry = sums.entry(code.clone()).or_insert_with(|| ItemSum {
                item_code: code,
                category_code: category.unwrap_or_default(),
                max: max.unwrap_or_default(),
                ..ItemSum::default()
            });
            entry.applicable += count;
        }
        let losing = assessment_items::table
            .filter(assessment_items::assessment_id.eq_any(chunk))
            .filter(assessment_items::applicable.eq(true))
            .filter(assessment_items::points.lt(assessment_items::max))
            .group_by(assessment_items::item_code)
            .select((
                assessment_items::item_code,
                count_star(),
                sum(assessment_items::max),
                sum(assessment_items::points),
            ))
            .load::<(String, i64, Option<i64>, Option<i64>)>(conn)?;
        for (code, count, max_sum, points_sum) in losing {
            // Every losing row is applicable, so the first query has it.
            if let Some(entry) = sums.get_mut(&code) {
                entry.losing += count;
                entry.losing_max_sum += max_sum.unwrap_or_default();
                entry.losing_points_sum += points_sum.unwrap_or_default();
            }
        }
    }
    Ok(sums.into_values().collect())
}
