//! Use cases shared by the command line and the web: plain synchronous
//! functions over a connection that tie ingest, domain, store and reports
//! together. The clock comes in as an argument ([`Clock`]); nothing here
//! reads it.

pub mod accounts;
pub mod administration;
pub mod assessments;
pub mod audit;
pub mod authoring;
pub mod backup;
pub mod backup_archive;
pub mod batch;
pub mod board;
pub mod campaigns;
pub mod checklist_diff;
pub mod checklists;
pub mod comparison;
pub mod demo;
pub mod digests;
pub mod districts;
pub mod evidence;
pub mod first_checks;
pub mod flags;
pub mod freshness;
pub mod health;
pub mod list_cache;
pub mod listing;
pub mod notices;
pub mod peer_figures;
pub mod peer_reviews;
pub mod progress;
pub mod publication;
pub mod publishing;
pub mod recording;
pub mod rectifications;
pub mod reminders;
pub mod report_cache;
mod report_orders;
pub mod reports;
pub mod rescore;
pub mod reviews;
pub mod roster;
pub mod samples;
pub mod scoring;
pub mod street_desk;
pub mod templates;
pub mod unit_home;
pub mod unit_record;
pub mod upload_batch;
mod upload_set;
pub mod uploads;
pub mod verify;
pub mod versions;

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::local_time::Zone;
use sha2::{Digest, Sha256};

use crate::domain::{Decimal, InputValue, ItemAnswer, Points};
use crate::ingest::checklists::{Catalog, hex};
use crate::ingest::self_check::Problem;
use crate::ingest::workbook::Limits;
use crate::reports::ReportError;
use crate::store::StoreError;

/// Why a use case refused or failed. The web layer maps each [`Kind`] to
/// one status; a server fault keeps its cause (`source()`), so the one place
/// that logs it (`web::error`) writes the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A workbook or file with problems, each with its sheet and cell (422).
    #[error("文件有误")]
    Invalid(Vec<Problem>),
    /// A request that makes no sense as sent (400).
    #[error("{0}")]
    BadRequest(String),
    /// Wrong user name or password, or an expired token (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Allowed for other roles or other units only (403).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Not allowed in the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed sign-ins: locked for a while (429).
    #[error("{0}")]
    Locked(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A report, workbook or page could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("读写文件失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("JSON 处理失败：{0}")]
    Json(#[from] serde_json::Error),
    /// Another library failed; `what` says what we were doing.
    #[error("{what}：{source}")]
    Fault {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Something that cannot happen did: a broken invariant, no cause to keep.
    #[error("{0}")]
    Internal(String),
    /// One failure answering several requests (the files of a group stored
    /// together): each gets the same kind and message.
    #[error(transparent)]
    Shared(std::sync::Arc<ServiceError>),
}

/// What kind of answer a [`ServiceError`] calls for: the web layer has one
/// status per kind, the command line one exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Invalid,
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// Too many attempts: wait, or ask an admin.
    Locked,
    /// No capacity now (the database pool timed out): try again shortly.
    Busy,
    /// A fault of the server: logged with its cause, answered without it.
    Fault,
    /// The server's disk is full: nothing was written (507).
    Full,
}

impl ServiceError {
    pub fn kind(&self) -> Kind {
        match self {
            ServiceError::Invalid(_) => Kind::Invalid,
            ServiceError::BadRequest(_) => Kind::BadRequest,
            ServiceError::Unauthenticated(_) => Kind::Unauthenticated,
            ServiceError::Forbidden(_) => Kind::Forbidden,
            ServiceError::NotFound(_) | ServiceError::Store(StoreError::NotFound) => Kind::NotFound,
            ServiceError::Conflict(_) => Kind::Conflict,
            ServiceError::Locked(_) => Kind::Locked,
            ServiceError::Store(StoreError::Pool(_)) => Kind::Busy,
            ServiceError::Store(StoreError::Full(_)) => Kind::Full,
            ServiceError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => Kind::Full,
            ServiceError::Store(_)
            | ServiceError::Report(_)
            | ServiceError::Io(_)
            | ServiceError::Json(_)
            | ServiceError::Fault { .. }
            | ServiceError::Internal(_) => Kind::Fault,
            ServiceError::Shared(e) => e.kind(),
        }
    }

    /// A fault of another library, its cause kept.
    pub fn fault(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> ServiceError {
        ServiceError::Fault {
            what: what.into(),
            source: Box::new(source),
        }
    }

    /// A unit code (in a path, a query or a form) that the roster does not
    /// hold: one fact, one answer (404) wherever it is asked.
    pub fn not_on_roster(code: &str) -> ServiceError {
        ServiceError::NotFound(format!("名册中没有单位代码 {code}"))
    }
}

/// A file a use case made: its name (in Chinese, as people save it) and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// An account's role.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, units and campaigns; may act as an inspector.
    Admin,
    /// Bureau inspector: uploads, reviews, spot checks, rectification.
    Inspector,
    /// A unit's archivist, bound to one unit.
    Unit,
    /// Reads statistics and reports only.
    Leader,
    /// A street's archives officer (街道档案员), bound to one street: reads
    /// and first-checks (初审) that street's units, uploads for them.
    Street,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Inspector => "inspector",
            Role::Unit => "unit",
            Role::Leader => "leader",
            Role::Street => "street",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "inspector" => Some(Role::Inspector),
            "unit" => Some(Role::Unit),
            "leader" => Some(Role::Leader),
            "street" => Some(Role::Street),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Inspector => "检查员",
            Role::Unit => "单位档案员",
            Role::Leader => "领导",
            Role::Street => "街道档案员",
        }
    }

    /// The bureau's own staff: they act for any unit.
    pub fn is_bureau(self) -> bool {
        matches!(self, Role::Admin | Role::Inspector)
    }
}

/// Who is acting: a signed-in account, or the command line on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: Role,
    /// The unit of a unit account.
    pub unit_id: Option<i64>,
    /// The street of a street officer's account, with its units.
    pub street: Option<StreetScope>,
}

/// A street officer's street (所属街道) and the units on it, as read with
/// the account on each request (a unit moved to another street leaves the
/// officer's reach at the next request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreetScope {
    pub name: String,
    /// Unit ids, ascending.
    pub units: Vec<i64>,
}

impl StreetScope {
    pub fn holds(&self, unit_id: i64) -> bool {
        self.units.binary_search(&unit_id).is_ok()
    }
}

impl Actor {
    /// The operator at the server's command line, with the bureau's rights.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            name: "命令行".into(),
            role: Role::Admin,
            unit_id: None,
            street: None,
        }
    }

    /// The street a street officer's lists and reports are confined to;
    /// none for every other account.
    pub fn street_name(&self) -> Option<&str> {
        match (self.role, &self.street) {
            (Role::Street, Some(s)) => Some(&s.name),
            // An officer whose street was not read sees an empty street.
            (Role::Street, None) => Some(""),
            _ => None,
        }
    }

    /// The street a list or report asked for (`asked`), confined to a
    /// street officer's own street: another street is 403, none is its own.
    pub fn confine_street(&self, asked: Option<&str>) -> ServiceResult<Option<String>> {
        match self.street_name() {
            None => Ok(asked.map(str::to_string)),
            Some(own) => match asked.map(str::trim).filter(|s| !s.is_empty()) {
                Some(other) if other != own => Err(ServiceError::Forbidden(format!(
                    "只能查看本街道（{own}）的单位，不能查看“{other}”"
                ))),
                _ => Ok(Some(own.to_string())),
            },
        }
    }

    /// Whether the account may act for `unit_id` as its archivist would
    /// (upload its workbook, hand in its evidence): the bureau for any
    /// unit, a unit account for its own, a street officer for its street's.
    pub fn acts_for_unit(&self, unit_id: i64) -> bool {
        match self.role {
            Role::Admin | Role::Inspector => true,
            Role::Unit => self.unit_id == Some(unit_id),
            Role::Street => self.street.as_ref().is_some_and(|s| s.holds(unit_id)),
            Role::Leader => false,
        }
    }

    pub fn require_bureau(&self) -> ServiceResult<()> {
        if self.role.is_bureau() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "仅档案局工作人员可以进行此操作".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> ServiceResult<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("仅管理员可以进行此操作".into()))
        }
    }

    /// Reading a unit's records: the bureau and leaders read all, a unit
    /// its own, a street officer its street's.
    pub fn require_read_unit(&self, unit_id: i64) -> ServiceResult<()> {
        match self.role {
            Role::Admin | Role::Inspector | Role::Leader => Ok(()),
            Role::Unit if self.unit_id == Some(unit_id) => Ok(()),
            Role::Unit => Err(ServiceError::Forbidden("只能查看本单位的记录".into())),
            Role::Street if self.acts_for_unit(unit_id) => Ok(()),
            Role::Street => Err(ServiceError::Forbidden("只能查看本街道单位的记录".into())),
        }
    }
}

/// The moment a use case runs: UTC for records, the bureau's local date
/// for deadlines, and its zone for what people read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub zone: Zone,
}

impl Clock {
    /// In China Standard Time (Asia/Shanghai).
    pub fn at(now_utc: chrono::DateTime<chrono::Utc>) -> Clock {
        Clock::at_in(now_utc, Zone::default())
    }

    /// In the bureau's zone; deadlines are dates in its calendar.
    pub fn at_in(now_utc: chrono::DateTime<chrono::Utc>, zone: Zone) -> Clock {
        Clock {
            now: now_utc.naive_utc(),
            today: now_utc.with_timezone(&zone.offset()).date_naive(),
            zone,
        }
    }

    /// Now, as people read it (2026年12月6日 10:47).
    pub fn local_now(&self) -> String {
        self.zone.show(self.now)
    }
}

/// What every use case may need besides the connection.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub catalog: &'a Catalog,
    pub limits: &'a Limits,
    pub clock: Clock,
    /// 合理性提示的门槛（按项覆盖默认值）；不配置时为
    /// [`plausibility::DEFAULT_RULES`](crate::domain::plausibility::DEFAULT_RULES)。
    pub plausibility: &'a crate::domain::plausibility::Rules,
}

/// The year's campaign, or "not started". Here rather than in `campaigns`
/// so that modules below it (evidence) need not import that module.
pub(crate) fn campaign_of_year(
    conn: &mut crate::store::DbConn,
    year: i32,
) -> ServiceResult<crate::store::models::CampaignRow> {
    crate::store::queries::campaigns::find_by_year(conn, year)?
        .ok_or_else(|| ServiceError::NotFound(format!("{year} 年度尚未开始年检")))
}

/// sha256 of a file, lower-case hex: how stored files are named.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A fact as stored: "45.5", "是", "否", or a choice's option as written.
pub fn encode_input(value: &InputValue) -> String {
    value.to_string()
}

/// A stored fact. Text that is neither 是/否 nor a number is a choice's
/// option; a choice whose option reads like one is told apart by
/// [`decode_input_as`].
pub fn decode_input(text: &str) -> Option<InputValue> {
    match text {
        "是" => Some(InputValue::YesNo(true)),
        "否" => Some(InputValue::YesNo(false)),
        other => Some(
            Decimal::parse(other)
                .map(InputValue::Number)
                .unwrap_or_else(|| InputValue::Choice(other.to_string())),
        ),
    }
}

/// A stored fact of an input of a known type.
pub fn decode_input_as(kind: crate::domain::InputType, text: &str) -> Option<InputValue> {
    match kind {
        crate::domain::InputType::Choice => Some(InputValue::Choice(text.to_string())),
        _ => decode_input(text).filter(|v| !matches!(v, InputValue::Choice(_))),
    }
}

/// An answer as stored: "3.5", "不适用", "level:基本达标" or "counts:2,0,1".
pub fn encode_answer(answer: &ItemAnswer) -> String {
    match answer {
        ItemAnswer::Points(p) => p.to_string(),
        ItemAnswer::NotApplicable => "不适用".into(),
        ItemAnswer::Level(name) => format!("level:{name}"),
        ItemAnswer::Counts(counts) => {
            let counts: Vec<String> = counts.iter().map(u32::to_string).collect();
            format!("counts:{}", counts.join(","))
        }
    }
}

pub fn decode_answer(text: &str) -> Option<ItemAnswer> {
    if text == "不适用" {
        return Some(ItemAnswer::NotApplicable);
    }
    if let Some(name) = text.strip_prefix("level:") {
        return Some(ItemAnswer::Level(name.to_string()));
    }
    if let Some(counts) = text.strip_prefix("counts:") {
        if counts.is_empty() {
            return Some(ItemAnswer::Counts(Vec::new()));
        }
        return counts
            .split(',')
            .map(|c| c.parse::<u32>().ok())
            .collect::<Option<Vec<u32>>>()
            .map(ItemAnswer::Counts);
    }
    Decimal::parse(text)
        .and_then(Points::from_decimal)
        .map(ItemAnswer::Points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_round_trip() {
        for v in [
            InputValue::YesNo(true),
            InputValue::YesNo(false),
            InputValue::Number(Decimal::parse("45.25").unwrap()),
            InputValue::Number(Decimal::ZERO),
            InputValue::Choice("社区文书".into()),
        ] {
            assert_eq!(decode_input(&encode_input(&v)), Some(v));
        }
        assert_eq!(
            decode_input_as(crate::domain::InputType::Choice, "是"),
            Some(InputValue::Choice("是".into()))
        );
        for a in [
            ItemAnswer::NotApplicable,
            ItemAnswer::Points(Points(350)),
            ItemAnswer::Points(Points(4)),
            ItemAnswer::Points(Points(0)),
            ItemAnswer::Level("基本达标".into()),
            ItemAnswer::Level("3".into()),
            ItemAnswer::Counts(vec![2, 0, 1]),
            ItemAnswer::Counts(vec![]),
        ] {
            assert_eq!(decode_answer(&encode_answer(&a)), Some(a.clone()));
        }
    }

    #[test]
    fn bureau_date_is_china_time() {
        let late_evening_utc = chrono::DateTime::parse_from_rfc3339("2012-06-30T17:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let clock = Clock::at(late_evening_utc);
        assert_eq!(clock.today, NaiveDate::from_ymd_opt(2012, 7, 1).unwrap());
    }
}
