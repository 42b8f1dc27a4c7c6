//! 每日提醒摘要: each morning, the day's reminders of every account with an
//! e-mail address go to it as one mail, and the bureau's go to its webhook
//! (a 钉钉 or 企业微信 group robot); every delivery is logged, and a failed
//! one is tried again later ([`crate::domain::digest::retry_after`]).
//!
//! Nothing here runs on a request: a background thread calls [`tick`] with
//! the clock (the server every minute, a test with the clock it wants).
//! Composing a day is one transaction that first takes the day
//! (`digest_days`), so a day is composed once however many servers run;
//! each attempt first claims its delivery, so no two servers send it.

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Serialize;

use crate::delivery::{self, DeliveryError};
pub use crate::delivery::{Security, Smtp};
use crate::domain::digest;
use crate::store::models::{DeliveryRow, NewDelivery, UserRow};
use crate::store::{Db, DbConn, queries, write};

use super::{Actor, Clock, Role, ServiceResult, accounts, reminders};

/// Where digests go and when (`[notify]` in the configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// Mails to accounts with an address; none without a server.
    pub smtp: Option<Smtp>,
    /// The bureau's robot: its reminders as the bureau's accounts see them.
    pub webhook: Option<String>,
    /// The bureau's time of day the digests are composed and sent.
    pub digest_at: NaiveTime,
    /// Where the service is reached, for the link in each digest.
    pub site: Option<String>,
    /// Whom the webhook's digest addresses (the bureau's name).
    pub bureau: String,
}

impl Outbound {
    /// Whether anything is to be sent at all.
    pub fn is_on(&self) -> bool {
        self.smtp.is_some() || self.webhook.is_some()
    }
}

/// Whether mail can be sent as `address` (`notify.smtp_from`).
pub fn is_sender(address: &str) -> bool {
    delivery::is_address(address)
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Deliveries composed for today (0 before the hour, or once done).
    pub composed: usize,
    pub sent: usize,
    pub failed: usize,
}

/// How long an attempt holds its delivery: longer than any attempt takes,
/// so that one left by a stopped server is tried again after it.
const HOLD: Duration = Duration::minutes(5);
/// Deliveries tried at once: one receiver that hangs holds up only its own.
const SENDERS: usize = 4;
/// Deliveries tried in one round; more wait for the next.
const PER_ROUND: i64 = 200;

/// One round at `clock`: today's digests composed once the hour has come,
/// then every delivery that is due tried, each on its own thread.
pub fn tick(db: &Db, outbound: &Outbound, clock: Clock) -> ServiceResult<Tick> {
    let composed = {
        let mut conn = db.get()?;
        compose(&mut conn, outbound, clock)?
    };
    let due = queries::digests::due(&mut *db.get()?, clock.now, PER_ROUND)?;
    let queue = std::sync::Mutex::new(due);
    let results = std::sync::Mutex::new(Tick {
        composed,
        ..Tick::default()
    });
    std::thread::scope(|scope| {
        for _ in 0..SENDERS {
            scope.spawn(|| {
                while let Some(id) = queue.lock().map_or(None, |mut q| q.pop()) {
                    let outcome = attempt(db, outbound, clock, id);
                    let Ok(mut tally) = results.lock() else {
                        return;
                    };
                    match outcome {
                        Ok(Some(true)) => tally.sent += 1,
                        Ok(Some(false)) => tally.failed += 1,
                        Ok(None) => {}
                        Err(e) => {
                            tally.failed += 1;
                            tracing::warn!(delivery = id, error = %e, "投递记录无法更新");
                        }
                    }
                }
            });
        }
    });
    Ok(results.into_inner().unwrap_or_default())
}

/// Today's digests, once the hour has come and if no one composed them
/// yet: how many deliveries were made.
pub fn compose(conn: &mut DbConn, outbound: &Outbound, clock: Clock) -> ServiceResult<usize> {
    if !outbound.is_on() || clock.zone.time_of(clock.now) < outbound.digest_at {
        return Ok(0);
    }
    let day = clock.today;
    // Read first: after the hour every round would otherwise take a write
    // lock to find the day done.
    if queries::digests::day_taken(conn, day)? {
        return Ok(0);
    }
    write(conn, |conn| {
        if !queries::digests::take_day(conn, day, clock.now)? {
            return Ok(0);
        }
        let mut made = 0;
        if outbound.smtp.is_some() {
            for row in queries::digests::recipients(conn)? {
                let Some(address) = row.email.clone() else {
                    continue;
                };
                let actor = accounts::actor_of(conn, &row)?;
                let items = digest::of_day(&reminders::of(conn, clock, &actor)?, day);
                if items.is_empty() {
                    continue;
                }
                let addressee = addressee(conn, &row, &actor)?;
                let d = digest::compose(&addressee, day, &items, outbound.site.as_deref());
                let audience = format!("user:{}", row.id);
                let mail = Planned {
                    channel: "email",
                    audience: &audience,
                    recipient: &address,
                    subject: &d.subject,
                    body: &d.text,
                };
                mail.insert(conn, day, clock)?;
                made += 1;
            }
        }
        if let Some(url) = &outbound.webhook {
            let items = digest::of_day(&reminders::of(conn, clock, &bureau())?, day);
            if !items.is_empty() {
                let d = digest::compose(&outbound.bureau, day, &items, outbound.site.as_deref());
                let body = delivery::robot_message(
                    &format!("{}\n{}", d.subject, d.text),
                    serde_json::json!({ "day": day, "reminders": items }),
                );
                let hook = Planned {
                    channel: "webhook",
                    audience: "bureau",
                    recipient: &shown_url(url),
                    subject: &d.subject,
                    body: &body.to_string(),
                };
                hook.insert(conn, day, clock)?;
                made += 1;
            }
        }
        Ok(made)
    })
}

/// A delivery about to be logged.
struct Planned<'a> {
    channel: &'a str,
    audience: &'a str,
    recipient: &'a str,
    subject: &'a str,
    body: &'a str,
}

impl Planned<'_> {
    fn insert(&self, conn: &mut DbConn, day: NaiveDate, clock: Clock) -> ServiceResult<()> {
        queries::digests::insert(
            conn,
            &NewDelivery {
                day,
                channel: self.channel,
                audience: self.audience,
                recipient: self.recipient,
                subject: self.subject,
                body: self.body,
                status: "pending",
                attempts: 0,
                next_attempt_at: clock.now,
                created_at: clock.now,
            },
        )?;
        Ok(())
    }
}

/// Who the webhook's digest is for, as the log names it.
const BUREAU: &str = "区档案局";

/// The bureau as its reminders are worked out: the whole district.
fn bureau() -> Actor {
    Actor {
        user_id: None,
        name: BUREAU.into(),
        role: Role::Inspector,
        unit_id: None,
        street: None,
    }
}

/// How a digest addresses an account: a unit by its name, a street officer
/// by the street, others by the account name.
fn addressee(conn: &mut DbConn, row: &UserRow, actor: &Actor) -> ServiceResult<String> {
    Ok(match (actor.role, row.unit_id, &actor.street) {
        (Role::Unit, Some(unit), _) => queries::units::get(conn, unit)?.name,
        (Role::Street, _, Some(street)) => format!("{}档案员", street.name),
        _ => row.username.clone(),
    })
}

/// A webhook's address as the log shows it: without its query, which
/// holds the robot's access token.
fn shown_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_string(),
    }
}

/// One attempt at delivery `id`: None when another round or server has it,
/// else whether it went.
fn attempt(db: &Db, outbound: &Outbound, clock: Clock, id: i64) -> ServiceResult<Option<bool>> {
    let claimed = queries::digests::claim(&mut *db.get()?, id, clock.now, clock.now + HOLD)?;
    let Some(row) = claimed else {
        return Ok(None);
    };
    // No connection is held while the receiver is waited for.
    let sent = send(outbound, &row);
    let mut conn = db.get()?;
    match sent {
        Ok(()) => {
            queries::digests::mark_sent(&mut conn, id, clock.now)?;
            Ok(Some(true))
        }
        Err(e) => {
            let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
            let retry_at = digest::retry_after(attempts).map(|wait| clock.now + wait);
            tracing::warn!(
                delivery = id,
                channel = %row.channel,
                recipient = %row.recipient,
                attempts,
                error = %e,
                "提醒摘要投递失败"
            );
            queries::digests::mark_failed(&mut conn, id, &e.to_string(), retry_at)?;
            Ok(Some(false))
        }
    }
}

/// Why a delivery cannot be tried under the present configuration.
#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error("未配置{0}，无法投递")]
    NotConfigured(&'static str),
    #[error("投递内容已损坏：{0}")]
    Body(#[from] serde_json::Error),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

fn send(outbound: &Outbound, row: &DeliveryRow) -> Result<(), SendError> {
    match row.channel.as_str() {
        "email" => {
            let smtp = outbound
                .smtp
                .as_ref()
                .ok_or(SendError::NotConfigured("邮件服务器"))?;
            Ok(delivery::send_mail(
                smtp,
                &row.recipient,
                &row.subject,
                &row.body,
            )?)
        }
        _ => {
            // The address configured now: a corrected one serves the retries.
            let url = outbound
                .webhook
                .as_ref()
                .ok_or(SendError::NotConfigured("群机器人地址"))?;
            let body: serde_json::Value = serde_json::from_str(&row.body)?;
            Ok(delivery::post_webhook(url, &body)?)
        }
    }
}

/// A delivery as the log shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// The digest's day.
    pub day: NaiveDate,
    /// `email` or `webhook`.
    pub channel: String,
    /// Whom it is for: an account's name, or the bureau for the webhook.
    pub audience: String,
    /// The address (a webhook's without its token).
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed` (given up after the last attempt).
    pub status: String,
    /// The status as people read it.
    pub status_text: &'static str,
    pub attempts: i32,
    /// When it is tried next (pending ones), as people read it.
    pub next_attempt: Option<String>,
    pub last_error: Option<String>,
    /// When it went, as people read it.
    pub sent_at: Option<String>,
}

/// The delivery log, newest day first (`GET /api/v1/deliveries`; admins).
pub fn log(
    conn: &mut DbConn,
    actor: &Actor,
    clock: Clock,
    day: Option<NaiveDate>,
) -> ServiceResult<Vec<DeliveryView>> {
    actor.require_admin()?;
    let names: std::collections::HashMap<i64, String> = queries::users::list(conn)?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let rows = queries::digests::log(conn, day, 1000)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let audience = match r.audience.strip_prefix("user:") {
                Some(id) => id
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_else(|| r.audience.clone()),
                None => BUREAU.to_string(),
            };
            let status_text = match r.status.as_str() {
                "sent" => "已发送",
                "failed" => "已放弃",
                _ if r.attempts > 0 => "待重试",
                _ => "待发送",
            };
            DeliveryView {
                id: r.id,
                day: r.day,
                channel: r.channel,
                audience,
                recipient: r.recipient,
                subject: r.subject,
                next_attempt: (r.status == "pending").then(|| clock.zone.show(r.next_attempt_at)),
                status: r.status,
                status_text,
                attempts: r.attempts,
                last_error: r.last_error,
                sent_at: r.sent_at.map(|at| clock.zone.show(at)),
            }
        })
        .collect())
}
