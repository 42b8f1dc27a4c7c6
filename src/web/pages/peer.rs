//! 互查 pages: the bureau forms a year's groups and reads the figures
//! beside its spot checks; a unit lists whom it reviews and fills in each
//! 互查 item by item.

use crate::web::tenant::State;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::Role;
use crate::service::peer_figures;
use crate::service::peer_reviews::{self, DrawRequest, FormRequest, PeerReviewRequest};
use crate::service::reviews::ItemOverride;
use crate::web::AppState;

use super::inspect::{bureau, number, shown};
use super::{Done, Page, PageError, Viewer, require, see_other, typed_by_item};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/inspect/peer", web::get().to(desk))
        .route("/inspect/peer", web::post().to(form_groups))
        .route("/inspect/peer/figures", web::get().to(figures))
        .route("/unit/peer", web::get().to(assigned))
        .route("/unit/peer/{code}", web::get().to(sheet))
        .route("/unit/peer/{code}", web::post().to(record));
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
    flash: Option<String>,
}

/// The draw form as typed, shown again beside an error.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct DrawForm {
    #[serde(skip_serializing)]
    csrf: String,
    year: String,
    groups: String,
    seed: String,
    kind: String,
    cross_street: Option<String>,
}

#[derive(Serialize)]
struct DeskPage {
    desk: peer_reviews::Desk,
    form: DrawForm,
}

async fn desk_page(
    state: &AppState,
    viewer: &Viewer,
    year: Option<i32>,
    form: DrawForm,
) -> Result<Page<'static, DeskPage>, PageError> {
    let actor = viewer.actor.clone();
    let desk = state
        .run(move |conn, env| peer_reviews::desk(conn, env, &actor, year))
        .await?;
    let form = DrawForm {
        year: desk.year.map(|y| y.to_string()).unwrap_or_default(),
        kind: if form.kind.is_empty() {
            "社区".into()
        } else {
            form.kind
        },
        ..form
    };
    Ok(Page::new(
        "inspect-peer",
        "互查",
        "/inspect/peer",
        DeskPage { desk, form },
    ))
}

async fn desk(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let query = query.into_inner();
    let form = DrawForm {
        cross_street: Some("on".into()),
        ..DrawForm::default()
    };
    desk_page(&state, &viewer, query.year, form)
        .await?
        .flash(query.flash)
        .render(&state, Some(&viewer))
}

fn draw_request(form: &DrawForm) -> Result<(i32, FormRequest), String> {
    let year = number::<i32>(&form.year, "年度")?.ok_or("请填写年度")?;
    let groups = number::<u32>(&form.groups, "分组数")?.ok_or("请填写分几组")?;
    let request = FormRequest {
        draw: Some(DrawRequest {
            groups,
            seed: number(&form.seed, "随机种子")?,
            kind: Some(form.kind.trim().to_string()).filter(|k| !k.is_empty()),
        }),
        groups: None,
        cross_street: form.cross_street.is_some(),
    };
    Ok((year, request))
}

async fn form_groups(
    state: State,
    viewer: Viewer,
    form: super::PageForm<DrawForm>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let outcome = match draw_request(&form) {
        Ok((year, request)) => {
            let actor = viewer.actor.clone();
            state
                .run(move |conn, env| peer_reviews::form(conn, env, &actor, year, &request))
                .await
                .map(|_| year)
                .map_err(shown)
        }
        Err(message) => Err(Ok((message, StatusCode::BAD_REQUEST))),
    };
    match outcome {
        Ok(year) => Ok(see_other(
            &format!("/inspect/peer?year={year}"),
            Some(Done::PeerGroupsFormed),
        )),
        Err(shown) => {
            let (message, status) = shown?;
            let year = form.year.trim().parse().ok();
            desk_page(&state, &viewer, year, form)
                .await?
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

#[derive(Deserialize)]
struct FiguresQuery {
    year: i32,
    unit: Option<String>,
}

async fn figures(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<FiguresQuery>,
) -> Result<HttpResponse, PageError> {
    bureau(&viewer)?;
    let (actor, query) = (viewer.actor.clone(), query.into_inner());
    let data = state
        .run(move |conn, env| {
            peer_figures::figures(conn, &actor, env, query.year, query.unit.as_deref())
        })
        .await?;
    Page::new(
        "inspect-peer-figures",
        "自查、互查与抽查对照",
        "/inspect/peer",
        data,
    )
    .render(&state, Some(&viewer))
}

async fn assigned(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<YearQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let (actor, query) = (viewer.actor.clone(), query.into_inner());
    let data = state
        .run(move |conn, env| peer_reviews::assigned(conn, env, &actor, query.year))
        .await?;
    Page::new("unit-peer", "互查", "/unit/peer", data)
        .flash(query.flash)
        .render(&state, Some(&viewer))
}

#[derive(Deserialize)]
struct SheetQuery {
    year: i32,
}

/// The 互查 form with what was typed (every item present, empty where
/// nothing was), so a refused form comes back as the peer left it.
#[derive(Serialize)]
struct SheetPage {
    #[serde(flatten)]
    sheet: peer_reviews::PeerSheet,
    typed_points: BTreeMap<String, String>,
    typed_reasons: BTreeMap<String, String>,
    typed_note: String,
}

impl SheetPage {
    fn of(sheet: peer_reviews::PeerSheet, form: &BTreeMap<String, String>) -> SheetPage {
        SheetPage {
            typed_points: typed_by_item(&sheet.detail.items, form, "points:"),
            typed_reasons: typed_by_item(&sheet.detail.items, form, "reason:"),
            typed_note: form.get("note").cloned().unwrap_or_default(),
            sheet,
        }
    }
}

async fn sheet(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    query: super::PageQuery<SheetQuery>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    let (actor, code, year) = (viewer.actor.clone(), code.into_inner(), query.year);
    let data = state
        .run(move |conn, env| peer_reviews::sheet(conn, env, &actor, year, &code))
        .await?;
    let data = SheetPage::of(data, &BTreeMap::new());
    Page::new("unit-peer-review", "填写互查", "/unit/peer", data).render(&state, Some(&viewer))
}

/// The form: `year`, `note`, and for each item changed `points:CODE` with
/// `reason:CODE`; an item left blank keeps the unit's own score.
fn review_request(code: &str, form: &BTreeMap<String, String>) -> PeerReviewRequest {
    let items = form
        .iter()
        .filter_map(|(k, v)| {
            let item = k.strip_prefix("points:")?;
            let v = v.trim();
            (!v.is_empty()).then(|| ItemOverride {
                code: item.to_string(),
                points: Some(serde_json::Value::String(v.to_string())),
                counts: None,
                reason: form
                    .get(&format!("reason:{item}"))
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect();
    PeerReviewRequest {
        unit: code.to_string(),
        note: form.get("note").cloned().unwrap_or_default(),
        items,
        inputs: Vec::new(),
    }
}

async fn record(
    state: State,
    viewer: Viewer,
    code: web::Path<String>,
    form: super::PageForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    require(&viewer.actor, &[Role::Unit])?;
    viewer.check_csrf(form.get("csrf").map(String::as_str))?;
    let code = code.into_inner();
    let year: i32 = match form.get("year").and_then(|y| y.trim().parse().ok()) {
        Some(y) => y,
        None => return Ok(see_other("/unit/peer", None)),
    };
    let form = form.into_inner();
    let (actor, request) = (viewer.actor.clone(), review_request(&code, &form));
    let result = state
        .run(move |conn, env| peer_reviews::record(conn, env, &actor, year, &request))
        .await;
    match result {
        Ok(_) => Ok(see_other(
            &format!("/unit/peer?year={year}"),
            Some(Done::PeerReviewSaved),
        )),
        Err(e) => {
            let (message, status) = shown(e)?;
            let actor = viewer.actor.clone();
            let data = state
                .run(move |conn, env| peer_reviews::sheet(conn, env, &actor, year, &code))
                .await?;
            Page::new(
                "unit-peer-review",
                "填写互查",
                "/unit/peer",
                SheetPage::of(data, &form),
            )
            .error(message, status)
            .render(&state, Some(&viewer))
        }
    }
}
