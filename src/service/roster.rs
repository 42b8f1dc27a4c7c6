//! The unit roster (名册): listing units, importing a roster workbook
//! (new units added, known ones updated), editing one unit.

use serde::{Deserialize, Serialize};

use crate::ingest::roster::{RosterEntry, read_roster};
use crate::store::models::NewUnit;
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::{Actor, Env, ServiceError, ServiceResult};

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitView {
    #[schema(min_length = 1)]
    pub code: String,
    #[schema(min_length = 1)]
    pub name: String,
    /// 社区, 机关, … (the kinds the checklists name).
    #[schema(min_length = 1)]
    pub kind: String,
    pub street: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

pub fn list(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<UnitView>> {
    Ok(queries::units::list(conn)?
        .into_iter()
        .filter(|(row, _)| actor.require_read_unit(row.id).is_ok())
        .map(|(row, street)| UnitView {
            code: row.code,
            name: row.name,
            kind: row.kind,
            street,
            contact_person: row.contact_person,
            contact_phone: row.contact_phone,
        })
        .collect())
}

pub fn get(conn: &mut DbConn, actor: &Actor, code: &str) -> ServiceResult<UnitView> {
    let unit = queries::units::find_by_code(conn, code)?
        .ok_or_else(|| ServiceError::not_on_roster(code))?;
    actor.require_read_unit(unit.id)?;
    let street = queries::units::street_name(conn, unit.street_id)?;
    Ok(UnitView {
        code: unit.code,
        name: unit.name,
        kind: unit.kind,
        street,
        contact_person: unit.contact_person,
        contact_phone: unit.contact_phone,
    })
}

/// The roster a page at a time: units whose name or code holds every word
/// of `search`, in one street if asked, by code.
pub fn find(
    conn: &mut DbConn,
    actor: &Actor,
    search: Option<&str>,
    street: Option<&str>,
    paging: super::listing::PageRequest,
) -> ServiceResult<super::listing::Paged<UnitView>> {
    let search = super::listing::Search::new(search);
    let mut units: Vec<UnitView> = list(conn, actor)?
        .into_iter()
        .filter(|u| street.is_none_or(|s| u.street.as_deref() == Some(s)))
        .filter(|u| search.matches(&[&u.code, &u.name]))
        .collect();
    units.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(paging.cut(units))
}

/// Every street named on the roster, sorted.
pub fn streets(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<String>> {
    let mut streets: Vec<String> = list(conn, actor)?
        .into_iter()
        .filter_map(|u| u.street)
        .collect();
    streets.sort();
    streets.dedup();
    Ok(streets)
}

/// A unit account's own unit.
pub fn own(conn: &mut DbConn, actor: &Actor) -> ServiceResult<UnitView> {
    if actor.role != super::Role::Unit {
        return Err(ServiceError::Forbidden("仅单位账号可以进行此操作".into()));
    }
    of_account(conn, actor)?.ok_or_else(|| ServiceError::Forbidden("账号未绑定单位".into()))
}

/// The unit a unit account is bound to; none for other accounts.
pub fn of_account(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Option<UnitView>> {
    match actor.unit_id {
        Some(id) => {
            let code = queries::units::get(conn, id)?.code;
            get(conn, actor, &code).map(Some)
        }
        None => Ok(None),
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RosterResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Creates or updates one unit (admin).
pub fn save_unit(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    unit: &UnitView,
) -> ServiceResult<UnitView> {
    actor.require_admin()?;
    let entry = RosterEntry {
        code: unit.code.trim().to_string(),
        name: unit.name.trim().to_string(),
        kind: unit.kind.trim().to_string(),
        street: unit.street.clone().filter(|s| !s.trim().is_empty()),
        contact_person: unit.contact_person.clone().filter(|s| !s.trim().is_empty()),
        contact_phone: unit.contact_phone.clone().filter(|s| !s.trim().is_empty()),
    };
    if entry.code.is_empty() || entry.name.is_empty() || entry.kind.is_empty() {
        return Err(ServiceError::BadRequest(
            "单位代码、名称和类型不能为空".into(),
        ));
    }
    write(conn, |conn| {
        apply(conn, env, actor, std::slice::from_ref(&entry))
    })?;
    get(conn, actor, &entry.code)
}

/// Imports a roster workbook (admin): all rows or none.
pub fn import(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    bytes: &[u8],
) -> ServiceResult<RosterResult> {
    actor.require_admin()?;
    let mut kinds: Vec<String> = env
        .catalog
        .iter()
        .flat_map(|l| l.checklist.unit_kinds.clone())
        .collect();
    kinds.sort();
    kinds.dedup();
    let entries = read_roster(bytes, &kinds, env.limits).map_err(ServiceError::Invalid)?;
    write(conn, |conn| apply(conn, env, actor, &entries))
}

fn apply(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Actor,
    entries: &[RosterEntry],
) -> ServiceResult<RosterResult> {
    let now = env.clock.now;
    let mut result = RosterResult::default();
    for e in entries {
        let street_id = match &e.street {
            Some(name) => Some(queries::units::street_id(conn, name, now)?),
            None => None,
        };
        match queries::units::find_by_code(conn, &e.code)? {
            Some(row) => {
                let same = row.name == e.name
                    && row.kind == e.kind
                    && row.street_id == street_id
                    && row.contact_person == e.contact_person
                    && row.contact_phone == e.contact_phone;
                if same {
                    result.unchanged += 1;
                    continue;
                }
                queries::units::update(
                    conn,
                    row.id,
                    &e.name,
                    &e.kind,
                    street_id,
                    e.contact_person.as_deref(),
                    e.contact_phone.as_deref(),
                    now,
                )?;
                audit::record(
                    conn,
                    actor,
                    env.clock,
                    "unit.update",
                    Entity::Unit(row.id),
                    format!("{}（{}）", e.name, e.code),
                )?;
                result.updated += 1;
            }
            None => {
                let id = queries::units::insert(
                    conn,
                    &NewUnit {
                        code: &e.code,
                        name: &e.name,
                        kind: &e.kind,
                        street_id,
                        contact_person: e.contact_person.as_deref(),
                        contact_phone: e.contact_phone.as_deref(),
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                audit::record(
                    conn,
                    actor,
                    env.clock,
                    "unit.create",
                    Entity::Unit(id),
                    format!("{}（{}）", e.name, e.code),
                )?;
                result.created += 1;
            }
        }
    }
    if entries.len() > 1 {
        audit::record(
            conn,
            actor,
            env.clock,
            "roster.import",
            Entity::Roster,
            format!(
                "新增 {}，更新 {}，未变 {}",
                result.created, result.updated, result.unchanged
            ),
        )?;
    }
    Ok(result)
}
