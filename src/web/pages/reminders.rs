//! 提醒: every account's reminders page, marking them read, and the daily
//! digest's delivery log (admins).

use crate::web::tenant::State;
use actix_web::{HttpResponse, web};

use crate::service::{digests, reminders};

use super::{Done, Flash, Page, PageError, Viewer, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reminders", web::get().to(list))
        .route("/reminders/seen", web::post().to(seen))
        .route("/reminders/email", web::post().to(set_email))
        .route("/admin/deliveries", web::get().to(deliveries));
}

async fn list(
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    let actor = viewer.actor.clone();
    let data = state
        .run(move |conn, env| reminders::list(conn, env, &actor))
        .await?;
    Page::new("reminders", "提醒", "/reminders", data)
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

async fn seen(
    state: State,
    viewer: Viewer,
    form: super::PageForm<std::collections::BTreeMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    viewer.check_csrf(form.get("csrf").map(String::as_str))?;
    let actor = viewer.actor.clone();
    state
        .run(move |conn, env| reminders::mark_seen(conn, env, &actor))
        .await?;
    Ok(see_other("/reminders", Some(Done::RemindersSeen)))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct EmailForm {
    csrf: String,
    email: String,
}

async fn set_email(
    state: State,
    viewer: Viewer,
    form: super::PageForm<EmailForm>,
) -> Result<HttpResponse, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let actor = viewer.actor.clone();
    let email = form.into_inner().email;
    let typed = email.clone();
    let result = state
        .run(move |conn, env| reminders::set_email(conn, env, &actor, &email))
        .await;
    match result {
        Ok(_) => Ok(see_other("/reminders", Some(Done::EmailSet))),
        Err(e) => {
            let (message, status) = super::inspect::shown(e)?;
            let actor = viewer.actor.clone();
            let mut data = state
                .run(move |conn, env| reminders::list(conn, env, &actor))
                .await?;
            data.email = Some(typed);
            Page::new("reminders", "提醒", "/reminders", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DayQuery {
    day: Option<chrono::NaiveDate>,
}

async fn deliveries(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<DayQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = viewer.actor.clone();
    let day = query.into_inner().day;
    let log = state
        .run(move |conn, env| digests::log(conn, &actor, env.clock, day))
        .await?;
    let body = serde_json::json!({ "day": day, "deliveries": log });
    Page::new("admin-deliveries", "提醒投递记录", "/admin", body).render(&state, Some(&viewer))
}
