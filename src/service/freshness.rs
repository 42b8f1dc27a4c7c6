//! Where the data stands (数据版本): what report caches, ETags and each
//! server's checklist catalog compare, so that several servers on one
//! database see each other's writes. One primary-key read each.

use crate::domain::data_version::Scope;
use crate::store::{DbConn, queries};

use super::{Actor, Clock, ServiceResult, accounts};

/// The version of everything shown (moved by every write that changes it).
pub fn data_version(conn: &mut DbConn) -> ServiceResult<i64> {
    Ok(queries::versions::current(conn, Scope::Data)?)
}

/// The version of the checklists authored or published on the pages.
pub fn checklists_version(conn: &mut DbConn) -> ServiceResult<i64> {
    Ok(queries::versions::current(conn, Scope::Checklists)?)
}

/// The caller behind a token and the data version, for answering a
/// conditional GET without running it.
pub fn viewer_and_version(
    conn: &mut DbConn,
    token: &str,
    clock: Clock,
) -> ServiceResult<(Actor, i64)> {
    let actor = accounts::actor_for_token(conn, token, clock)?;
    Ok((actor, data_version(conn)?))
}
