//! 提醒: every account's reminders page, and marking them read.

use actix_web::{HttpResponse, web};

use crate::service::reminders;
use crate::web::AppState;

use super::{Done, Flash, Page, PageError, Viewer, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reminders", web::get().to(list))
        .route("/reminders/seen", web::post().to(seen));
}

async fn list(
    state: web::Data<AppState>,
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
    state: web::Data<AppState>,
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
