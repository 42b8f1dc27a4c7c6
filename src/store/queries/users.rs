use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::throttle;
use crate::on_backend;
use crate::store::models::UserRow;
use crate::store::schema::{api_tokens, sign_in_throttle, users};
use crate::store::{DbConn, StoreResult};

pub fn find_by_name(conn: &mut DbConn, username: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: i64) -> StoreResult<UserRow> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut DbConn) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn insert(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: &str,
    (unit_id, street_id): (Option<i64>, Option<i64>),
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let query = diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::unit_id.eq(unit_id),
            users::street_id.eq(street_id),
            users::disabled.eq(false),
            users::created_at.eq(now),
        ))
        .returning(users::id);
    Ok(on_backend!(conn, |c| query.get_result(c))?)
}

pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

pub fn set_disabled(conn: &mut DbConn, id: i64, disabled: bool) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::disabled.eq(disabled))
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn insert_token(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash),
            api_tokens::user_id.eq(user_id),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live account behind a token that has not expired.
pub fn by_token(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> StoreResult<Option<UserRow>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn revoke_token(conn: &mut DbConn, token_hash: &str) -> StoreResult<()> {
    diesel::delete(api_tokens::table.filter(api_tokens::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of an account but the one whose token hash is
/// `keep`; how many ended.
pub fn revoke_all(conn: &mut DbConn, user_id: i64, keep: Option<&str>) -> StoreResult<usize> {
    let of_user = api_tokens::table.filter(api_tokens::user_id.eq(user_id));
    Ok(match keep {
        Some(keep) => {
            diesel::delete(of_user.filter(api_tokens::token_hash.ne(keep))).execute(conn)?
        }
        None => diesel::delete(of_user).execute(conn)?,
    })
}

/// Sessions of an account that have not expired.
pub fn live_sessions(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> StoreResult<i64> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .filter(api_tokens::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

/// Drops expired tokens; called now and then, not on a hot path.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(api_tokens::table.filter(api_tokens::expires_at.le(now))).execute(conn)?)
}

/// The failed sign-ins kept under `key` (`account:NAME`, `address:IP`).
pub fn throttle(conn: &mut DbConn, key: &str) -> StoreResult<Option<throttle::Record>> {
    Ok(sign_in_throttle::table
        .find(key)
        .select((
            sign_in_throttle::failures,
            sign_in_throttle::first_at,
            sign_in_throttle::locked_until,
        ))
        .first::<(i32, NaiveDateTime, Option<NaiveDateTime>)>(conn)
        .optional()?
        .map(|(failures, first_at, locked_until)| throttle::Record {
            failures,
            first_at,
            locked_until,
        }))
}

pub fn save_throttle(conn: &mut DbConn, key: &str, record: &throttle::Record) -> StoreResult<()> {
    let values = (
        sign_in_throttle::failures.eq(record.failures),
        sign_in_throttle::first_at.eq(record.first_at),
        sign_in_throttle::locked_until.eq(record.locked_until),
    );
    let updated = diesel::update(sign_in_throttle::table.find(key))
        .set(values)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(sign_in_throttle::table)
            .values((sign_in_throttle::key.eq(key), values))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_throttle(conn: &mut DbConn, key: &str) -> StoreResult<()> {
    diesel::delete(sign_in_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
