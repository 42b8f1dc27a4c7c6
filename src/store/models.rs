//! Rows as stored. `*Row` is read, `New*` is written. Scores are hundredths
//! of a point in `Integer` columns; times are UTC `NaiveDateTime`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = streets, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StreetRow {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub street_id: Option<i64>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = units)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub street_id: Option<i64>,
    pub contact_person: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// The street of a street officer's account (街道档案员).
    pub street_id: Option<i64>,
    /// Where the account's daily digest goes, if anywhere.
    pub email: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = checklist_versions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ChecklistVersionRow {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub fingerprint: String,
    pub source: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `file` (from `checklists/`) or `workbook` (authored on the pages).
    pub origin: String,
    pub workbook_sha256: Option<String>,
    pub workbook_name: Option<String>,
    /// Set when an admin publishes the version or a campaign adopts it.
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = campaigns, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CampaignRow {
    pub id: i64,
    pub year: i32,
    pub deadline: Option<NaiveDate>,
    pub closed: bool,
    pub rectify_days: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = submissions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SubmissionRow {
    pub id: i64,
    pub unit_id: i64,
    pub campaign_id: i64,
    pub file_sha256: String,
    pub file_name: String,
    pub checklist_reference: String,
    pub target_tier: Option<String>,
    pub filled_by: Option<String>,
    pub phone: Option<String>,
    pub filled_on: Option<String>,
    pub late: bool,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = submissions)]
pub struct NewSubmission<'a> {
    pub unit_id: i64,
    pub campaign_id: i64,
    pub file_sha256: &'a str,
    pub file_name: &'a str,
    pub checklist_reference: &'a str,
    pub target_tier: Option<&'a str>,
    pub filled_by: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub filled_on: Option<&'a str>,
    pub late: bool,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reviews, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ReviewRow {
    pub id: i64,
    pub submission_id: i64,
    pub kind: String,
    pub note: String,
    pub reviewer_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = review_overrides, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ReviewOverrideRow {
    pub review_id: i64,
    pub target: String,
    pub code: String,
    pub value: String,
    pub reason: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = assessments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AssessmentRow {
    pub id: i64,
    pub submission_id: i64,
    pub review_id: Option<i64>,
    pub unit_id: i64,
    pub campaign_id: i64,
    pub year: i32,
    pub checklist_reference: String,
    pub raw: i32,
    pub applicable_max: i32,
    pub total: i32,
    pub tier_code: Option<String>,
    pub tier_name: Option<String>,
    pub grade: Option<String>,
    pub vetoes: String,
    pub target_tier: Option<String>,
    pub gaps: String,
    pub created_at: NaiveDateTime,
    pub bonus: i32,
    pub penalty: i32,
    pub provisional: bool,
    /// JSON list of the pending item codes.
    pub pending: String,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = assessments)]
pub struct NewAssessment<'a> {
    pub submission_id: i64,
    pub review_id: Option<i64>,
    pub unit_id: i64,
    pub campaign_id: i64,
    pub year: i32,
    pub checklist_reference: &'a str,
    pub raw: i32,
    pub applicable_max: i32,
    pub total: i32,
    pub tier_code: Option<&'a str>,
    pub tier_name: Option<&'a str>,
    pub grade: Option<&'a str>,
    pub vetoes: String,
    pub target_tier: Option<&'a str>,
    pub gaps: String,
    pub created_at: NaiveDateTime,
    pub bonus: i32,
    pub penalty: i32,
    pub provisional: bool,
    pub pending: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = assessment_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AssessmentItemRow {
    pub assessment_id: i64,
    pub position: i32,
    pub item_code: String,
    pub category_code: String,
    pub max: i32,
    pub points: i32,
    pub applicable: bool,
    /// base | bonus | penalty
    pub item_kind: String,
    pub group_code: Option<String>,
    pub pending: bool,
    /// JSON: a deduct item's defects with their counts, a level item's level.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = assessment_categories, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AssessmentCategoryRow {
    pub assessment_id: i64,
    pub position: i32,
    pub category_code: String,
    pub name: String,
    pub points: i32,
    pub applicable_max: i32,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = plausibility_flags, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct FlagRow {
    pub id: i64,
    pub submission_id: i64,
    pub input_key: Option<String>,
    pub message: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    pub resolution: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = samples, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SampleRow {
    pub id: i64,
    pub year: i32,
    pub seed: i64,
    pub requested_count: Option<i32>,
    pub requested_percent: Option<i32>,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: String,
    /// Place in the hash chain; absent on a row written around the service.
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// An entry to append; the store gives it its place and hashes
/// (see `queries::audit::append`).
#[derive(Clone, Debug)]
pub struct NewAudit<'a> {
    pub at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectifications, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RectificationRow {
    pub id: i64,
    pub unit_id: i64,
    pub origin_campaign_id: i64,
    pub campaign_id: i64,
    pub assessment_id: i64,
    pub kind: String,
    pub finding_key: String,
    pub item_code: Option<String>,
    pub category_code: Option<String>,
    pub title: String,
    pub requirement: String,
    pub points_lost: i32,
    pub state: String,
    pub due: NaiveDate,
    pub due_set_by_hand: bool,
    pub previous_id: Option<i64>,
    pub closed_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON list of the defects a deduct item's order names.
    pub defects: Option<String>,
}

/// What a list of orders filters and sorts on, without the long texts
/// (requirements, defects): a board of 100,000 orders reads only these,
/// then the whole rows of the page it shows.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectifications, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OrderKeyRow {
    pub id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub item_code: Option<String>,
    pub category_code: Option<String>,
    pub title: String,
    pub state: String,
    pub due: NaiveDate,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = rectifications)]
pub struct NewRectification<'a> {
    pub unit_id: i64,
    pub origin_campaign_id: i64,
    pub campaign_id: i64,
    pub assessment_id: i64,
    pub kind: &'a str,
    pub finding_key: &'a str,
    pub item_code: Option<&'a str>,
    pub category_code: Option<&'a str>,
    pub title: &'a str,
    pub requirement: &'a str,
    pub points_lost: i32,
    pub state: &'a str,
    pub due: NaiveDate,
    pub due_set_by_hand: bool,
    pub previous_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub defects: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectification_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RectificationEventRow {
    pub id: i64,
    pub rectification_id: i64,
    pub at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub before_total: Option<i32>,
    pub after_total: Option<i32>,
    pub before_tier: Option<String>,
    pub after_tier: Option<String>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = rectification_events)]
pub struct NewRectificationEvent<'a> {
    pub rectification_id: i64,
    pub at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub note: &'a str,
    pub before_total: Option<i32>,
    pub after_total: Option<i32>,
    pub before_tier: Option<&'a str>,
    pub after_tier: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectification_evidence, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EvidenceRow {
    pub id: i64,
    pub rectification_id: i64,
    pub event_id: i64,
    pub file_sha256: String,
    pub file_name: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = item_evidence, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ItemEvidenceRow {
    pub id: i64,
    pub unit_id: i64,
    pub campaign_id: i64,
    pub item_code: String,
    pub file_sha256: String,
    pub file_name: String,
    pub note: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = item_evidence)]
pub struct NewItemEvidence<'a> {
    pub unit_id: i64,
    pub campaign_id: i64,
    pub item_code: &'a str,
    pub file_sha256: &'a str,
    pub file_name: &'a str,
    pub note: &'a str,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

/// A 整改通知书 as issued (its number within the year is kept for good).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = rectification_notices, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct NoticeRow {
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub number: i32,
    pub issued_on: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i64>,
    pub issuer: String,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = rectification_notices)]
pub struct NewNotice<'a> {
    pub unit_id: i64,
    pub year: i32,
    pub number: i32,
    pub issued_on: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i64>,
    pub issuer: &'a str,
}

/// A year's results as published.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = publications, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PublicationRow {
    pub id: i64,
    pub year: i32,
    pub published_at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: String,
    pub sha256: String,
    pub snapshot: String,
    pub audit_id: Option<i64>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = publications)]
pub struct NewPublication<'a> {
    pub year: i32,
    pub published_at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub sha256: &'a str,
    pub snapshot: &'a str,
    pub audit_id: Option<i64>,
}

/// A unit's result as published.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = publication_units, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_default_value = false)]
pub struct PublicationUnitRow {
    pub publication_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub street: Option<String>,
    pub kind: String,
    pub checklist: Option<String>,
    pub total: Option<i32>,
    pub standing: Option<String>,
    pub reviewed: bool,
    pub assessment_id: Option<i64>,
}

/// A change of a published result.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = publication_corrections, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CorrectionRow {
    pub id: i64,
    pub publication_id: i64,
    pub unit_code: String,
    pub old_total: Option<i32>,
    pub old_standing: Option<String>,
    pub new_total: Option<i32>,
    pub new_standing: Option<String>,
    pub assessment_id: i64,
    pub user_id: Option<i64>,
    pub actor: String,
    pub at: NaiveDateTime,
    pub audit_id: Option<i64>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = publication_corrections)]
pub struct NewCorrection<'a> {
    pub publication_id: i64,
    pub unit_code: &'a str,
    pub old_total: Option<i32>,
    pub old_standing: Option<&'a str>,
    pub new_total: Option<i32>,
    pub new_standing: Option<&'a str>,
    pub assessment_id: i64,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub at: NaiveDateTime,
    pub audit_id: Option<i64>,
}

/// A digest's delivery and how it went (投递记录).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: i64,
    pub day: NaiveDate,
    /// `email` or `webhook`.
    pub channel: String,
    /// Whom it is for: `user:<id>`, or `bureau`.
    pub audience: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `failed` (given up).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = deliveries)]
pub struct NewDelivery<'a> {
    pub day: NaiveDate,
    pub channel: &'a str,
    pub audience: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}
