//! Accounts: argon2 password hashes, sign-in, bearer tokens with expiry.
//! Tokens are random; only their sha256 is stored.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::Duration;

use crate::domain::{password_policy, throttle};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ingest::checklists::hex;
use crate::store::models::UserRow;
use crate::store::{DbConn, queries, write};

use super::audit::{self, Entity};
use super::{Actor, Clock, Role, ServiceError, ServiceResult, StreetScope};

/// The demo's accounts, all with [`DEMO_PASSWORD`].
/// (user name, role, the unit's name for unit accounts or the street's for
/// a street officer).
pub const DEMO_USERS: [(&str, Role, Option<&str>); 6] = [
    ("admin", Role::Admin, None),
    ("inspector", Role::Inspector, None),
    ("leader", Role::Leader, None),
    ("xiaoyingxiang", Role::Unit, Some("小营巷社区")),
    ("jianlan", Role::Unit, Some("杭州市建兰中学")),
    ("xiaoying", Role::Street, Some("小营街道")),
];

pub const DEMO_PASSWORD: &str = "nianjian2012";

/// How long a token from `POST /api/v1/session` lives.
pub const TOKEN_HOURS: i64 = 12;

/// An account as others see it (never the hash).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The unit's code, for unit accounts.
    pub unit: Option<String>,
    /// The street's name, for street officers' accounts.
    pub street: Option<String>,
    pub disabled: bool,
    /// Locked after too many failed sign-ins, until then (UTC).
    pub locked_until: Option<chrono::NaiveDateTime>,
    /// Sessions (tokens and signed-in browsers) that have not expired.
    pub sessions: i64,
    /// Where the account's daily digest of reminders goes (每日提醒摘要).
    pub email: Option<String>,
}

fn hash_password(password: &str) -> ServiceResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::fault("密码加密失败", e))
}

/// The password rules (domain::password_policy), every reason at once.
fn check_password(username: &str, password: &str) -> ServiceResult<()> {
    let weaknesses = password_policy::weaknesses(username, password);
    if weaknesses.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = weaknesses.iter().map(|w| w.describe_zh()).collect();
    Err(ServiceError::BadRequest(reasons.join("；")))
}

fn view(conn: &mut DbConn, row: &UserRow, clock: Clock) -> ServiceResult<UserView> {
    let unit = match row.unit_id {
        Some(id) => Some(queries::units::get(conn, id)?.code),
        None => None,
    };
    let locked_until =
        queries::users::throttle(conn, &account_key(&row.username))?.and_then(|r| r.locked_until);
    Ok(UserView {
        id: row.id,
        username: row.username.clone(),
        role: role_of(row)?,
        unit,
        street: queries::units::street_name(conn, row.street_id)?,
        disabled: row.disabled,
        locked_until,
        sessions: queries::users::live_sessions(conn, row.id, clock.now)?,
        email: row.email.clone(),
    })
}

/// An e-mail address as typed: blank is none.
pub fn checked_email(typed: &str) -> ServiceResult<Option<String>> {
    let address = typed.trim();
    if address.is_empty() {
        return Ok(None);
    }
    let bare = !address.contains('<') && address.contains('@');
    if address.chars().count() > 254 || !bare || !crate::delivery::is_address(address) {
        return Err(ServiceError::BadRequest(format!(
            "“{address}”不是有效的电子邮箱地址"
        )));
    }
    Ok(Some(address.to_string()))
}

/// Creates an account. A unit account names its unit by code, a street
/// officer's its street by name (`bound_to`); other roles name nothing.
pub fn add_user(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    password: &str,
    role: Role,
    bound_to: Option<&str>,
    clock: Clock,
) -> ServiceResult<UserView> {
    // Who may ask comes before what is asked: a non-admin is told 403.
    actor.require_admin()?;
    check_password(username.trim(), password)?;
    let account = Binding {
        role,
        bound_to,
        email: None,
    };
    create_user(conn, actor, username, password, account, clock)
}

/// A new account as a form, the API or the command line gives it: a unit
/// account names its unit (`unit`, a code), a street officer its street
/// (`street`, a name), no other account either.
#[derive(Clone, Copy, Debug)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
    pub street: Option<&'a str>,
    /// Where its daily digest goes; blank or none for no digest.
    pub email: Option<&'a str>,
}

/// Creates an account from [`NewAccount`] (admins).
pub fn add_account(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewAccount<'_>,
    clock: Clock,
) -> ServiceResult<UserView> {
    actor.require_admin()?;
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).is_some();
    let bound_to = match new.role {
        Role::Street if given(new.unit) => {
            return Err(ServiceError::BadRequest(
                "街道档案员账号绑定街道，不绑定单位".into(),
            ));
        }
        Role::Street => new.street,
        _ if given(new.street) => {
            return Err(ServiceError::BadRequest(
                "只有街道档案员账号可以绑定街道".into(),
            ));
        }
        _ => new.unit,
    };
    check_password(new.username.trim(), new.password)?;
    let email = checked_email(new.email.unwrap_or(""))?;
    let account = Binding {
        role: new.role,
        bound_to,
        email: email.as_deref(),
    };
    create_user(conn, actor, new.username, new.password, account, clock)
}

/// What a new account is besides its name and password.
struct Binding<'a> {
    role: Role,
    /// A unit's code or a street's name.
    bound_to: Option<&'a str>,
    email: Option<&'a str>,
}

/// What an account of `role` is bound to: (unit id, street id).
fn binding(
    conn: &mut DbConn,
    role: Role,
    bound_to: Option<&str>,
) -> ServiceResult<(Option<i64>, Option<i64>)> {
    let bound_to = bound_to.map(str::trim).filter(|s| !s.is_empty());
    match (role, bound_to) {
        (Role::Unit, Some(code)) => Ok((
            Some(
                queries::units::find_by_code(conn, code)?
                    .ok_or_else(|| ServiceError::not_on_roster(code))?
                    .id,
            ),
            None,
        )),
        (Role::Unit, None) => Err(ServiceError::BadRequest(
            "单位账号必须指定单位（--unit）".into(),
        )),
        (Role::Street, Some(name)) => match queries::units::find_street(conn, name)? {
            Some(id) => Ok((None, Some(id))),
            None => Err(ServiceError::BadRequest(format!(
                "花名册中没有街道“{name}”：请先导入该街道的单位，或检查街道名称"
            ))),
        },
        (Role::Street, None) => Err(ServiceError::BadRequest(
            "街道档案员账号必须指定街道（--street）".into(),
        )),
        (Role::Admin | Role::Inspector | Role::Leader, Some(_)) => Err(ServiceError::BadRequest(
            "只有单位账号绑定单位、街道档案员账号绑定街道".into(),
        )),
        (Role::Admin | Role::Inspector | Role::Leader, None) => Ok((None, None)),
    }
}

/// A stored account's role. A role this binary does not know is refused
/// rather than read as some other role's rights.
fn role_of(row: &UserRow) -> ServiceResult<Role> {
    Role::parse(&row.role).ok_or_else(|| {
        ServiceError::Forbidden(format!(
            "账号 {} 的角色“{}”无法识别",
            row.username, row.role
        ))
    })
}

/// The demonstration's accounts, with its published password (which the
/// rules refuse anywhere else, and `serve` without `--demo` refuses to
/// start with: see [`demo_passwords_in_use`]).
pub(super) fn add_demo_user(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    role: Role,
    bound_to: Option<&str>,
    clock: Clock,
) -> ServiceResult<UserView> {
    let account = Binding {
        role,
        bound_to,
        email: None,
    };
    create_user(conn, actor, username, DEMO_PASSWORD, account, clock)
}

fn create_user(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    password: &str,
    account: Binding<'_>,
    clock: Clock,
) -> ServiceResult<UserView> {
    actor.require_admin()?;
    let Binding {
        role,
        bound_to,
        email,
    } = account;
    let username = username.trim();
    if username.is_empty() || username.chars().any(char::is_whitespace) {
        return Err(ServiceError::BadRequest("用户名不能为空或含空格".into()));
    }
    let hash = hash_password(password)?;
    write(conn, |conn| {
        let bound = binding(conn, role, bound_to)?;
        if queries::users::find_by_name(conn, username)?.is_some() {
            return Err(ServiceError::Conflict(format!("用户名 {username} 已存在")));
        }
        let id = queries::users::insert(conn, username, &hash, role.as_str(), bound, clock.now)?;
        if email.is_some() {
            queries::digests::set_email(conn, id, email)?;
        }
        audit::record(
            conn,
            actor,
            clock,
            "user.add",
            Entity::User(id),
            format!("{username}（{}）", role.label_zh()),
        )?;
        let row = queries::users::get(conn, id)?;
        view(conn, &row, clock)
    })
}

pub fn list_users(conn: &mut DbConn, actor: &Actor, clock: Clock) -> ServiceResult<Vec<UserView>> {
    actor.require_admin()?;
    let rows = queries::users::list(conn)?;
    rows.iter().map(|r| view(conn, r, clock)).collect()
}

/// Ends every session of an account (强制下线): an admin's answer to a
/// lost phone or a shared password. The account itself may end its own
/// other sessions; the one that asks (`keep_token`) stays signed in.
pub fn end_sessions(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    keep_token: Option<&str>,
    clock: Clock,
) -> ServiceResult<UserView> {
    let own = actor.user_id == Some(user_id);
    if !own {
        actor.require_admin()?;
    }
    let keep = keep_token.filter(|_| own).map(token_hash);
    write(conn, |conn| {
        let row = queries::users::get(conn, user_id)
            .map_err(|_| ServiceError::NotFound(format!("用户 {user_id} 不存在")))?;
        let ended = queries::users::revoke_all(conn, user_id, keep.as_deref())?;
        audit::record(
            conn,
            actor,
            clock,
            "session.end_all",
            Entity::User(user_id),
            format!("{}：结束 {ended} 个登录", row.username),
        )?;
        view(conn, &row, clock)
    })
}

/// The accounts that still sign in with the demonstration's published
/// password. Only the demo's own user names are tried: each try costs an
/// argon2 hash, and no other account was ever given that password (the
/// rules refuse it).
pub fn demo_passwords_in_use(conn: &mut DbConn) -> ServiceResult<Vec<String>> {
    let mut found = Vec::new();
    for (username, _, _) in DEMO_USERS {
        let Some(row) = queries::users::find_by_name(conn, username)? else {
            continue;
        };
        if !row.disabled && verifies(DEMO_PASSWORD, &row.password_hash) {
            found.push(row.username);
        }
    }
    Ok(found)
}

fn verifies(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

pub fn set_disabled(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
    clock: Clock,
) -> ServiceResult<UserView> {
    let change = AccountChange {
        disabled: Some(disabled),
        ..AccountChange::default()
    };
    update_user(conn, actor, user_id, &change, None, clock)
}

pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    password: &str,
    clock: Clock,
) -> ServiceResult<()> {
    let change = AccountChange {
        password: Some(password.to_string()),
        ..AccountChange::default()
    };
    update_user(conn, actor, user_id, &change, None, clock).map(|_| ())
}

/// Sets an account's password by user name (`nianjian user password`):
/// the same rules and the same ending of sessions as on the pages.
pub fn set_password_by_name(
    conn: &mut DbConn,
    actor: &Actor,
    username: &str,
    password: &str,
    clock: Clock,
) -> ServiceResult<UserView> {
    let row = queries::users::find_by_name(conn, username.trim())?
        .ok_or_else(|| ServiceError::NotFound(format!("用户 {} 不存在", username.trim())))?;
    let change = AccountChange {
        password: Some(password.to_string()),
        ..AccountChange::default()
    };
    update_user(conn, actor, row.id, &change, None, clock)
}

/// A change to an account: a new password, disabled or enabled.
#[derive(Clone, Debug, Default)]
pub struct AccountChange {
    pub password: Option<String>,
    pub disabled: Option<bool>,
    /// Lifts a lock of failed sign-ins (admins).
    pub unlock: bool,
    /// A new e-mail address for the daily digest; blank removes it (admins,
    /// or the account itself).
    pub email: Option<String>,
}

/// Changes an account all or nothing: every check is made before any of it
/// is written, and the writes are one transaction. A new password ends
/// every session of the account but `keep_token` (the one that asked, when
/// the account changes its own); disabling ends them all.
pub fn update_user(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    change: &AccountChange,
    keep_token: Option<&str>,
    clock: Clock,
) -> ServiceResult<UserView> {
    let own = actor.user_id == Some(user_id);
    if !own || change.disabled.is_some() || change.unlock {
        actor.require_admin()?;
    }
    if own && change.disabled == Some(true) {
        return Err(ServiceError::Conflict("不能停用自己的账号".into()));
    }
    let hash = match &change.password {
        Some(password) => {
            let target = queries::users::get(conn, user_id)
                .map_err(|_| ServiceError::NotFound(format!("用户 {user_id} 不存在")))?;
            check_password(&target.username, password)?;
            Some(hash_password(password)?)
        }
        None => None,
    };
    let email = change.email.as_deref().map(checked_email).transpose()?;
    let keep = keep_token.filter(|_| own).map(token_hash);
    write(conn, |conn| {
        let row = queries::users::get(conn, user_id)
            .map_err(|_| ServiceError::NotFound(format!("用户 {user_id} 不存在")))?;
        if let Some(hash) = &hash {
            queries::users::set_password(conn, user_id, hash)?;
            queries::users::revoke_all(conn, user_id, keep.as_deref())?;
            let detail = if own {
                "本人修改密码"
            } else {
                "管理员重置密码"
            };
            audit::record(
                conn,
                actor,
                clock,
                "user.password",
                Entity::User(user_id),
                detail.into(),
            )?;
        }
        if let Some(disabled) = change.disabled.filter(|&d| d != row.disabled) {
            queries::users::set_disabled(conn, user_id, disabled)?;
            if disabled {
                queries::users::revoke_all(conn, user_id, None)?;
            }
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            audit::record(
                conn,
                actor,
                clock,
                action,
                Entity::User(user_id),
                row.username.clone(),
            )?;
        }
        if let Some(email) = email.filter(|e| *e != row.email) {
            queries::digests::set_email(conn, user_id, email.as_deref())?;
            let detail = match &email {
                Some(address) => format!("{}：提醒邮箱 {address}", row.username),
                None => format!("{}：取消提醒邮箱", row.username),
            };
            audit::record(
                conn,
                actor,
                clock,
                "user.email",
                Entity::User(user_id),
                detail,
            )?;
        }
        if change.unlock {
            queries::users::clear_throttle(conn, &account_key(&row.username))?;
            audit::record(
                conn,
                actor,
                clock,
                "user.unlock",
                Entity::User(user_id),
                row.username.clone(),
            )?;
        }
        let row = queries::users::get(conn, user_id)?;
        view(conn, &row, clock)
    })
}

/// The actor for an account row; a street officer's with its street's
/// units as they are now.
pub fn actor_of(conn: &mut DbConn, row: &UserRow) -> ServiceResult<Actor> {
    let street = match row.street_id {
        Some(id) => Some(StreetScope {
            name: queries::units::street_name(conn, Some(id))?.unwrap_or_default(),
            units: queries::units::ids_on_street(conn, id)?,
        }),
        None => None,
    };
    Ok(Actor {
        user_id: Some(row.id),
        name: row.username.clone(),
        role: role_of(row)?,
        unit_id: row.unit_id,
        street,
    })
}

/// Checks a user name and password; wrong ones are 401 without saying which.
pub fn authenticate(conn: &mut DbConn, username: &str, password: &str) -> ServiceResult<Actor> {
    let denied = || ServiceError::Unauthenticated("用户名或密码错误".into());
    let Some(row) = queries::users::find_by_name(conn, username.trim())? else {
        // Hash anyway, so a missing user costs the same time as a wrong password.
        let _ = hash_password(password);
        return Err(denied());
    };
    if !verifies(password, &row.password_hash) {
        return Err(denied());
    }
    // Said only to whoever knows the password: a guesser learns nothing.
    if row.disabled {
        return Err(ServiceError::Forbidden(
            "该账号已停用，请联系档案局的系统管理员".into(),
        ));
    }
    actor_of(conn, &row)
}

/// A signed-in account: its token, when the token ends, and who it is.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub actor: Actor,
    pub token: String,
    /// UTC.
    pub expires_at: chrono::NaiveDateTime,
    /// The unit's code, for a unit account.
    pub unit: Option<String>,
}

/// Signs in (the API and the login page): checks the password, issues a
/// token valid for `hours`, answers the account's role and unit. Failed
/// sign-ins are counted per account and per address (`address`, the
/// caller's); past the policy's number both are locked for a while
/// ([`ServiceError::Locked`], 429), whatever password comes next. A
/// district other than the first (`district`, its code) starts its tokens
/// with its code and a dot, so that a request finds its district first.
pub fn sign_in(
    conn: &mut DbConn,
    clock: Clock,
    username: &str,
    password: &str,
    hours: i64,
    address: Option<&str>,
    district: Option<&str>,
) -> ServiceResult<SignedIn> {
    let keys = throttle_keys(username, address);
    for (key, _) in &keys {
        if let Some(until) =
            throttle::locked_until(queries::users::throttle(conn, key)?.as_ref(), clock.now)
        {
            return Err(locked(clock, until));
        }
    }
    let actor = match authenticate(conn, username, password) {
        Ok(actor) => actor,
        Err(ServiceError::Unauthenticated(message)) => {
            let lock = write(conn, |conn| {
                let mut lock = None;
                for (key, policy) in &keys {
                    let before = queries::users::throttle(conn, key)?;
                    let after = throttle::after_failure(before.as_ref(), *policy, clock.now);
                    queries::users::save_throttle(conn, key, &after)?;
                    lock = lock.or(after.locked_until);
                }
                Ok::<_, ServiceError>(lock)
            })?;
            return Err(match lock {
                Some(until) => locked(clock, until),
                None => ServiceError::Unauthenticated(message),
            });
        }
        Err(other) => return Err(other),
    };
    write(conn, |conn| {
        queries::users::clear_throttle(conn, &keys[0].0)
    })?;
    let token = issue_token(conn, &actor, hours, clock, district)?;
    let unit = unit_code(conn, &actor)?;
    Ok(SignedIn {
        actor,
        token,
        expires_at: clock.now + Duration::hours(hours),
        unit,
    })
}

/// The throttle keys of a sign-in: its account first, then its address.
/// Where an account's failed sign-ins are counted.
fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

fn throttle_keys(username: &str, address: Option<&str>) -> Vec<(String, throttle::Policy)> {
    let mut keys = vec![(account_key(username), throttle::ACCOUNT)];
    if let Some(address) = address {
        keys.push((format!("address:{address}"), throttle::ADDRESS));
    }
    keys
}

fn locked(clock: Clock, until: chrono::NaiveDateTime) -> ServiceError {
    let minutes = (until - clock.now).num_minutes() + 1;
    ServiceError::Locked(format!(
        "登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试；急需时请档案局的系统管理员解锁"
    ))
}

/// The code of the unit an account is bound to (unit accounts only).
pub fn unit_code(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Option<String>> {
    match actor.unit_id {
        Some(id) => Ok(Some(queries::units::get(conn, id)?.code)),
        None => Ok(None),
    }
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new random token for an account, valid for `hours`.
pub fn issue_token(
    conn: &mut DbConn,
    actor: &Actor,
    hours: i64,
    clock: Clock,
    district: Option<&str>,
) -> ServiceResult<String> {
    let user_id = actor
        .user_id
        .ok_or_else(|| ServiceError::BadRequest("命令行身份不能签发令牌".into()))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::fault("生成令牌随机数失败", e))?;
    let token = match district {
        Some(code) => format!("{code}.{}", hex(&bytes)),
        None => hex(&bytes),
    };
    let expires = clock.now + Duration::hours(hours);
    write(conn, |conn| {
        queries::users::insert_token(conn, &token_hash(&token), user_id, clock.now, expires)?;
        audit::record(
            conn,
            actor,
            clock,
            "session.create",
            Entity::User(user_id),
            String::new(),
        )
    })?;
    Ok(token)
}

/// The account behind a bearer token, if it is valid now.
pub fn actor_for_token(conn: &mut DbConn, token: &str, clock: Clock) -> ServiceResult<Actor> {
    match queries::users::by_token(conn, &token_hash(token), clock.now)? {
        Some(row) => actor_of(conn, &row),
        None => Err(ServiceError::Unauthenticated(
            "登录已失效，请重新登录".into(),
        )),
    }
}

pub fn revoke_token(conn: &mut DbConn, token: &str) -> ServiceResult<()> {
    queries::users::revoke_token(conn, &token_hash(token))?;
    Ok(())
}

/// One account: for admins, or the account itself.
pub fn get_user(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    clock: Clock,
) -> ServiceResult<UserView> {
    if actor.user_id != Some(user_id) {
        actor.require_admin()?;
    }
    let row = queries::users::get(conn, user_id)
        .map_err(|_| ServiceError::NotFound(format!("用户 {user_id} 不存在")))?;
    view(conn, &row, clock)
}
