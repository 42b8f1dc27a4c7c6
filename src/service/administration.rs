//! The admin's overview (管理): accounts, roster and campaigns at a glance,
//! with the latest entries of the audit log.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::store::{DbConn, queries};

use super::audit::{self, AuditQuery, AuditView};
use super::campaigns::{self, CampaignView};
use super::listing::PageRequest;
use super::{Actor, ServiceResult, roster};

/// Audit entries the overview shows.
const RECENT: u32 = 20;

#[derive(Clone, Debug, Serialize)]
pub struct Overview {
    pub users: usize,
    pub disabled: usize,
    pub units: usize,
    pub streets: usize,
    pub campaigns: Vec<CampaignView>,
    pub audit: Vec<AuditView>,
}

pub fn overview(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Overview> {
    actor.require_admin()?;
    let users = queries::users::list(conn)?;
    let units = roster::list(conn, actor)?;
    let streets: BTreeSet<&String> = units.iter().filter_map(|u| u.street.as_ref()).collect();
    let recent = PageRequest {
        page: 1,
        per_page: RECENT,
    };
    Ok(Overview {
        disabled: users.iter().filter(|u| u.disabled).count(),
        users: users.len(),
        streets: streets.len(),
        units: units.len(),
        campaigns: campaigns::list(conn)?,
        audit: audit::list(conn, actor, &AuditQuery::default(), recent)?.items,
    })
}
