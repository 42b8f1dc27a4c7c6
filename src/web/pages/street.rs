//! The street officer's pages (街道档案员): its units in a year, and the
//! first check (初审) of an upload — accept, or send back with notes.

use crate::web::tenant::State;
use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::Role;
use crate::service::first_checks::{self, FirstCheckRequest, ItemNote};
use crate::service::street_desk;

use super::inspect::shown;
use super::{Done, Flash, Page, PageError, Viewer, require, see_other, typed_by_item};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/street", web::get().to(desk))
        .route("/street/checks/{id}", web::get().to(sheet))
        .route("/street/checks/{id}", web::post().to(check));
}

#[derive(Deserialize)]
struct DeskQuery {
    year: Option<i32>,
    flash: Option<String>,
}

async fn desk(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Street])?;
    let (actor, year) = (viewer.actor.clone(), query.year);
    let data = state
        .run(move |conn, env| street_desk::desk(conn, env, &actor, year))
        .await?;
    Page::new("street", "本街道", "/street", data)
        .flash(query.into_inner().flash)
        .render(&state, Some(&viewer))
}

/// The first-check form with what was typed (every item present, empty
/// where nothing was), so a refused check comes back as the officer left it.
#[derive(Serialize)]
struct SheetPage {
    #[serde(flatten)]
    sheet: first_checks::CheckSheet,
    typed_notes: BTreeMap<String, String>,
    typed_note: String,
}

impl SheetPage {
    fn of(sheet: first_checks::CheckSheet, form: &BTreeMap<String, String>) -> SheetPage {
        SheetPage {
            typed_notes: typed_by_item(&sheet.detail.items, form, "item:"),
            typed_note: form.get("note").cloned().unwrap_or_default(),
            sheet,
        }
    }
}

async fn sheet(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Street])?;
    let (actor, id) = (viewer.actor.clone(), id.into_inner());
    let data = state
        .run(move |conn, env| first_checks::sheet(conn, env, &actor, id))
        .await?;
    Page::new(
        "street-check",
        "初审",
        "/street",
        SheetPage::of(data, &BTreeMap::new()),
    )
    .flash(flash.into_inner().flash)
    .render(&state, Some(&viewer))
}

/// The form: `decision`, `note`, and `item:CODE` for each item's note.
fn request_of(form: &BTreeMap<String, String>) -> FirstCheckRequest {
    FirstCheckRequest {
        decision: form.get("decision").cloned().unwrap_or_default(),
        note: form.get("note").cloned(),
        items: form
            .iter()
            .filter_map(|(k, v)| {
                let item = k.strip_prefix("item:")?;
                Some(ItemNote {
                    item: item.to_string(),
                    note: v.clone(),
                })
            })
            .collect(),
    }
}

async fn check(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    form: super::PageForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Street])?;
    viewer.check_csrf(form.get("csrf").map(String::as_str))?;
    let (actor, id, request) = (viewer.actor.clone(), id.into_inner(), request_of(&form));
    let result = state
        .run(move |conn, env| first_checks::record(conn, env, &actor, id, &request))
        .await;
    match result {
        Ok(done) if done.decision == "accepted" => {
            Ok(see_other("/street", Some(Done::FirstCheckAccepted)))
        }
        Ok(_) => Ok(see_other("/street", Some(Done::FirstCheckReturned))),
        Err(e) => {
            let (message, status) = shown(e)?;
            let actor = viewer.actor.clone();
            let data = state
                .run(move |conn, env| first_checks::sheet(conn, env, &actor, id))
                .await?;
            Page::new(
                "street-check",
                "初审",
                "/street",
                SheetPage::of(data, &form),
            )
            .error(message, status)
            .render(&state, Some(&viewer))
        }
    }
}
