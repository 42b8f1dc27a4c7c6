//! The admin's pages: an overview, accounts (add, disable, enable, reset a
//! password), the roster (list, import a workbook, add or edit one unit) and
//! campaigns (open a year with its checklists, change the deadline or the
//! rectification period, close and reopen).

use crate::web::tenant::State;
use std::collections::{BTreeMap, BTreeSet};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::accounts::{self, UserView};
use crate::service::administration;
use crate::service::campaigns::{self, CampaignChange, CampaignView, KindChecklist};
use crate::service::listing::PageRequest;
use crate::service::roster::{self, RosterResult, UnitView};
use crate::service::{Role, ServiceError};
use crate::web::upload::{FormRules, read_checked};
use crate::web::{ApiError, AppState};

use super::inspect::{form_config, number, shown};
use super::{Done, Flash, Page, PageError, Viewer, require, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(overview))
        .service(
            web::resource("/admin/users")
                .app_data(form_config())
                .route(web::get().to(users))
                .route(web::post().to(add_user)),
        )
        .service(
            web::resource("/admin/users/{id}")
                .app_data(form_config())
                .route(web::post().to(change_user)),
        )
        .service(
            web::resource("/admin/units")
                .app_data(form_config())
                .route(web::get().to(units))
                .route(web::post().to(save_unit)),
        )
        .route("/admin/units/import", web::post().to(import_roster))
        .service(
            web::resource("/admin/campaigns")
                .app_data(form_config())
                .route(web::get().to(campaigns_page))
                .route(web::post().to(open_campaign)),
        )
        .service(
            web::resource("/admin/campaigns/{year}")
                .app_data(form_config())
                .route(web::post().to(change_campaign)),
        );
}

fn admin(viewer: &Viewer) -> Result<(), PageError> {
    require(&viewer.actor, &[Role::Admin])
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

// ------------------------------------------------------------- overview

async fn overview(
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let actor = viewer.actor.clone();
    let data = state
        .run(move |conn, _| administration::overview(conn, &actor))
        .await?;
    Page::new("admin", "管理", "/admin", data)
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

// ---------------------------------------------------------------- users

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct UserForm {
    #[serde(skip_serializing)]
    csrf: String,
    username: String,
    #[serde(skip_serializing)]
    password: String,
    role: String,
    unit: String,
    street: String,
    email: String,
}

#[derive(Serialize)]
struct UserLine {
    #[serde(flatten)]
    user: UserView,
    role_label: &'static str,
    is_self: bool,
}

#[derive(Serialize)]
struct UsersPage {
    users: Vec<UserLine>,
    form: UserForm,
    roles: Vec<Choice>,
}

const ROLES: [Role; 5] = [
    Role::Unit,
    Role::Street,
    Role::Inspector,
    Role::Leader,
    Role::Admin,
];

async fn users_page(
    state: &AppState,
    viewer: &Viewer,
    form: UserForm,
) -> Result<Page<'static, UsersPage>, PageError> {
    let actor = viewer.actor.clone();
    let list = state
        .run(move |conn, env| accounts::list_users(conn, &actor, env.clock))
        .await?;
    let me = viewer.actor.user_id;
    let roles = ROLES
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: r.label_zh().into(),
            selected: form.role == r.as_str(),
        })
        .collect();
    Ok(Page::new(
        "admin-users",
        "账号",
        "/admin",
        UsersPage {
            users: list
                .into_iter()
                .map(|user| UserLine {
                    role_label: user.role.label_zh(),
                    is_self: Some(user.id) == me,
                    user,
                })
                .collect(),
            form,
            roles,
        },
    ))
}

async fn users(
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    users_page(
        &state,
        &viewer,
        UserForm {
            role: "unit".into(),
            ..UserForm::default()
        },
    )
    .await?
    .flash(flash.into_inner().flash)
    .render(&state, Some(&viewer))
}

async fn add_user(
    state: State,
    viewer: Viewer,
    form: super::PageForm<UserForm>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let outcome = match Role::parse(form.role.trim()) {
        None => Err(("请选择角色".to_string(), StatusCode::BAD_REQUEST)),
        Some(role) => {
            let actor = viewer.actor.clone();
            let (username, password) = (form.username.clone(), form.password.clone());
            let (unit, street) = (form.unit.clone(), form.street.clone());
            let email = form.email.clone();
            match state
                .run(move |conn, env| {
                    let new = accounts::NewAccount {
                        username: &username,
                        password: &password,
                        role,
                        unit: Some(unit.as_str()),
                        street: Some(street.as_str()),
                        email: Some(email.as_str()),
                    };
                    accounts::add_account(conn, &actor, new, env.clock)
                })
                .await
            {
                Ok(user) => Ok(user),
                Err(e) => Err(shown(e)?),
            }
        }
    };
    match outcome {
        Ok(_) => Ok(see_other("/admin/users", Some(Done::UserAdded))),
        Err((message, status)) => users_page(&state, &viewer, form)
            .await?
            .error(message, status)
            .render(&state, Some(&viewer)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserChange {
    csrf: String,
    /// disable | enable | password | end_sessions | unlock | email
    op: String,
    password: String,
    email: String,
}

async fn change_user(
    state: State,
    viewer: Viewer,
    id: web::Path<i64>,
    form: super::PageForm<UserChange>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = viewer.actor.clone();
    let op = form.op.clone();
    let result = state
        .run(move |conn, env| match op.as_str() {
            "disable" | "enable" => {
                let user = accounts::set_disabled(conn, &actor, id, op == "disable", env.clock)?;
                Ok(if user.disabled {
                    Done::UserDisabled
                } else {
                    Done::UserEnabled
                })
            }
            "password" => {
                accounts::set_password(conn, &actor, id, &form.password, env.clock)?;
                Ok(Done::PasswordReset)
            }
            "end_sessions" => {
                accounts::end_sessions(conn, &actor, id, None, env.clock)?;
                Ok(Done::SessionsEnded)
            }
            "unlock" => {
                let change = accounts::AccountChange {
                    unlock: true,
                    ..Default::default()
                };
                accounts::update_user(conn, &actor, id, &change, None, env.clock)?;
                Ok(Done::UserUnlocked)
            }
            "email" => {
                let change = accounts::AccountChange {
                    email: Some(form.email),
                    ..Default::default()
                };
                accounts::update_user(conn, &actor, id, &change, None, env.clock)?;
                Ok(Done::EmailSet)
            }
            _ => Err(ServiceError::BadRequest("未知的操作".into())),
        })
        .await;
    match result {
        Ok(done) => Ok(see_other("/admin/users", Some(done))),
        Err(e) => {
            let (message, status) = shown(e)?;
            users_page(
                &state,
                &viewer,
                UserForm {
                    role: "unit".into(),
                    ..UserForm::default()
                },
            )
            .await?
            .error(message, status)
            .render(&state, Some(&viewer))
        }
    }
}

// --------------------------------------------------------------- roster

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct UnitForm {
    #[serde(skip_serializing)]
    csrf: String,
    code: String,
    name: String,
    kind: String,
    street: String,
    contact_person: String,
    contact_phone: String,
}

impl UnitForm {
    fn of(unit: UnitView) -> UnitForm {
        UnitForm {
            csrf: String::new(),
            code: unit.code,
            name: unit.name,
            kind: unit.kind,
            street: unit.street.unwrap_or_default(),
            contact_person: unit.contact_person.unwrap_or_default(),
            contact_phone: unit.contact_phone.unwrap_or_default(),
        }
    }

    fn view(&self) -> UnitView {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        UnitView {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            kind: self.kind.trim().to_string(),
            street: some(&self.street),
            contact_person: some(&self.contact_person),
            contact_phone: some(&self.contact_phone),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnitsQuery {
    q: String,
    street: String,
    edit: String,
    page: Option<String>,
    flash: Option<String>,
}

/// Units per page of the roster.
const UNITS_PER_PAGE: u32 = 100;

#[derive(Serialize)]
struct UnitsPage {
    units: Vec<UnitView>,
    pager: super::Pager,
    q: String,
    street_choices: Vec<Choice>,
    form: UnitForm,
    editing: bool,
    kinds: Vec<Choice>,
    problems: Vec<crate::ingest::self_check::Problem>,
    imported: Option<RosterResult>,
}

/// The unit kinds some checklist applies to.
fn unit_kinds(state: &AppState) -> Vec<String> {
    let kinds: BTreeSet<String> = state
        .catalog()
        .iter()
        .flat_map(|l| l.checklist.unit_kinds.clone())
        .collect();
    kinds.into_iter().collect()
}

async fn units_page(
    state: &AppState,
    viewer: &Viewer,
    query: &UnitsQuery,
    form: Option<UnitForm>,
) -> Result<Page<'static, UnitsPage>, PageError> {
    let actor = viewer.actor.clone();
    let (q, street) = (query.q.trim().to_string(), query.street.trim().to_string());
    let paging = PageRequest::of_page(query.page.as_deref(), UNITS_PER_PAGE);
    // Editing a unit of the roster (its code is then fixed), or adding one.
    let code = form
        .as_ref()
        .map_or(query.edit.trim(), |f| f.code.trim())
        .to_string();
    let (wanted, within) = (q.clone(), street.clone());
    let (found, streets, edited) = state
        .run(move |conn, _| {
            let some = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
            let found = roster::find(
                conn,
                &actor,
                some(&wanted).as_deref(),
                some(&within).as_deref(),
                paging,
            )?;
            let edited = match code.is_empty() {
                true => None,
                false => roster::get(conn, &actor, &code).ok(),
            };
            Ok((found, roster::streets(conn, &actor)?, edited))
        })
        .await?;
    let editing = edited.is_some();
    let form = form.unwrap_or_else(|| edited.map(UnitForm::of).unwrap_or_default());
    let pager = super::Pager::of(&found, "/admin/units", &[("q", &q), ("street", &street)]);
    let units = found.items;
    let kinds = unit_kinds(state)
        .into_iter()
        .map(|k| Choice {
            selected: k == form.kind,
            label: k.clone(),
            value: k,
        })
        .collect();
    Ok(Page::new(
        "admin-units",
        "名册",
        "/admin",
        UnitsPage {
            units,
            pager,
            q,
            street_choices: streets
                .into_iter()
                .map(|s| Choice {
                    selected: s == street,
                    label: s.clone(),
                    value: s,
                })
                .collect(),
            editing,
            form,
            kinds,
            problems: Vec::new(),
            imported: None,
        },
    ))
}

async fn units(
    state: State,
    viewer: Viewer,
    query: super::PageQuery<UnitsQuery>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let query = query.into_inner();
    units_page(&state, &viewer, &query, None)
        .await?
        .flash(query.flash.clone())
        .render(&state, Some(&viewer))
}

async fn save_unit(
    state: State,
    viewer: Viewer,
    form: super::PageForm<UnitForm>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    viewer.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let unit = form.view();
    let actor = viewer.actor.clone();
    let result = state
        .run(move |conn, env| roster::save_unit(conn, env, &actor, &unit))
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/units", Some(Done::UnitSaved))),
        Err(e) => {
            let (message, status) = shown(e)?;
            units_page(&state, &viewer, &UnitsQuery::default(), Some(form))
                .await?
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

async fn import_roster(
    state: State,
    viewer: Viewer,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let refused = |message: String, status: StatusCode, problems| {
        let state = state.clone();
        let viewer = viewer.clone();
        async move {
            let mut page = units_page(&state, &viewer, &UnitsQuery::default(), None).await?;
            page.body.problems = problems;
            page.error(message, status).render(&state, Some(&viewer))
        }
    };
    let rules = FormRules {
        csrf: Some(&viewer.csrf),
        max_files: Some(1),
        too_many: "一次只能导入一份名册",
        ..FormRules::default()
    };
    // Held while the files are read and used (the account's share of uploads).
    let mut guard = state.uploads.enter(&viewer.actor).await?;
    let mut files = match read_checked(payload, &state.settings, &mut guard, &rules).await {
        Ok((files, _)) => files,
        Err(refused_form) => {
            let (message, status) = shown(refused_form.error)?;
            return refused(message, status, Vec::new()).await;
        }
    };
    if files.is_empty() {
        return refused(
            "请选择名册工作簿".into(),
            StatusCode::BAD_REQUEST,
            Vec::new(),
        )
        .await;
    }
    let file = files.remove(0);
    let actor = viewer.actor.clone();
    let result = state
        .run_parsing(move |conn, env| roster::import(conn, env, &actor, &file.bytes))
        .await;
    match result {
        // The counts are shown at once (an upload's result, like the
        // workbooks'), not carried in the address.
        Ok(r) => units_page(&state, &viewer, &UnitsQuery::default(), None)
            .await?
            .notice(format!(
                "名册已导入：新增 {} 个，更新 {} 个，未变 {} 个",
                r.created, r.updated, r.unchanged
            ))
            .render(&state, Some(&viewer)),
        Err(ApiError::Service(ServiceError::Invalid(problems))) => {
            refused(
                format!("名册有 {} 处问题，未导入任何单位", problems.len()),
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            )
            .await
        }
        Err(e) => {
            let (message, status) = shown(e)?;
            refused(message, status, Vec::new()).await
        }
    }
}

// ------------------------------------------------------------ campaigns

/// A campaign form: the fields as typed; `checklist:KIND` per unit kind.
#[derive(Debug, Default, Clone)]
struct CampaignTyped {
    year: String,
    deadline: String,
    rectify_days: String,
    checklists: BTreeMap<String, String>,
}

impl CampaignTyped {
    fn read(fields: &[(String, String)]) -> (CampaignTyped, String, String) {
        let mut typed = CampaignTyped::default();
        let (mut csrf, mut op) = (String::new(), String::new());
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => csrf = value.clone(),
                "op" => op = value.clone(),
                "year" => typed.year = value.clone(),
                "deadline" => typed.deadline = value.clone(),
                "rectify_days" => typed.rectify_days = value.clone(),
                other => {
                    if let Some(kind) = other.strip_prefix("checklist:") {
                        typed
                            .checklists
                            .insert(kind.to_string(), value.trim().to_string());
                    }
                }
            }
        }
        (typed, csrf, op)
    }

    fn of(c: &CampaignView) -> CampaignTyped {
        CampaignTyped {
            year: c.year.to_string(),
            deadline: c.deadline.clone().unwrap_or_default(),
            rectify_days: c.rectify_days.map(|d| d.to_string()).unwrap_or_default(),
            checklists: c
                .checklists
                .iter()
                .map(|k| (k.unit_kind.clone(), k.checklist.clone()))
                .collect(),
        }
    }

    fn mappings(&self) -> Vec<KindChecklist> {
        self.checklists
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(kind, c)| KindChecklist {
                unit_kind: kind.clone(),
                checklist: c.clone(),
                title: String::new(),
            })
            .collect()
    }

    fn rectify_days(&self) -> Result<Option<i32>, String> {
        number(&self.rectify_days, "整改期限")
    }
}

#[derive(Serialize)]
struct KindSelect {
    kind: String,
    options: Vec<Choice>,
}

#[derive(Serialize)]
struct CampaignForm {
    year: String,
    deadline: String,
    rectify_days: String,
    kinds: Vec<KindSelect>,
}

#[derive(Serialize)]
struct CampaignLine {
    #[serde(flatten)]
    campaign: CampaignView,
    form: CampaignForm,
    /// Its form came back with an error: shown open.
    edited: bool,
}

#[derive(Serialize)]
struct CampaignsPage {
    campaigns: Vec<CampaignLine>,
    open: CampaignForm,
}

fn campaign_form(state: &AppState, typed: &CampaignTyped) -> CampaignForm {
    let kinds = unit_kinds(state)
        .into_iter()
        .map(|kind| {
            let chosen = typed.checklists.get(&kind).cloned().unwrap_or_default();
            let mut options = vec![Choice {
                value: String::new(),
                label: "（不安排）".into(),
                selected: chosen.is_empty(),
            }];
            options.extend(
                state
                    .catalog()
                    .iter()
                    .filter(|l| l.checklist.applies_to(&kind))
                    .map(|l| {
                        let reference = l.checklist.reference();
                        Choice {
                            selected: reference == chosen,
                            label: l.checklist.title.clone(),
                            value: reference,
                        }
                    }),
            );
            KindSelect { kind, options }
        })
        .collect();
    CampaignForm {
        year: typed.year.clone(),
        deadline: typed.deadline.clone(),
        rectify_days: typed.rectify_days.clone(),
        kinds,
    }
}

/// The campaigns page; `open` is the opening form as typed (else a fresh
/// one), `edited` a campaign's form as typed.
async fn campaigns_data(
    state: &AppState,
    open: Option<&CampaignTyped>,
    edited: Option<(i32, &CampaignTyped)>,
) -> Result<CampaignsPage, PageError> {
    let list = state.run(|conn, _| campaigns::list(conn)).await?;
    let open = match open {
        Some(typed) => campaign_form(state, typed),
        None => campaign_form(state, &next_campaign(state, list.first())),
    };
    let campaigns = list
        .into_iter()
        .map(|c| {
            let (typed, edited) = match edited {
                Some((year, typed)) if year == c.year => (typed.clone(), true),
                _ => (CampaignTyped::of(&c), false),
            };
            CampaignLine {
                form: campaign_form(state, &typed),
                edited,
                campaign: c,
            }
        })
        .collect();
    Ok(CampaignsPage { campaigns, open })
}

/// An empty opening form for the year after `latest`: each kind keeps the
/// checklist it had then (its newest version); a kind without one gets the
/// newest version of the only checklist that applies to it, if only one does.
fn next_campaign(state: &AppState, latest: Option<&CampaignView>) -> CampaignTyped {
    let newest = |kind: &str, id: Option<&str>| -> Option<String> {
        let catalog = state.catalog();
        let mut fitting: Vec<_> = catalog
            .iter()
            .map(|l| &l.checklist)
            .filter(|c| c.applies_to(kind) && id.is_none_or(|id| c.id == id))
            .collect();
        fitting.sort_by(|a, b| crate::service::versions::version_order(&a.version, &b.version));
        let ids: BTreeSet<&str> = fitting.iter().map(|c| c.id.as_str()).collect();
        (ids.len() == 1)
            .then(|| fitting.iter().map(|c| c.reference()).next_back())
            .flatten()
    };
    let mut checklists = BTreeMap::new();
    for kind in unit_kinds(state) {
        let before = latest.and_then(|c| {
            c.checklists.iter().find(|k| k.unit_kind == kind).map(|k| {
                k.checklist
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        });
        if let Some(reference) = newest(&kind, before.as_deref()) {
            checklists.insert(kind, reference);
        }
    }
    CampaignTyped {
        year: latest.map(|c| (c.year + 1).to_string()).unwrap_or_default(),
        checklists,
        ..CampaignTyped::default()
    }
}

async fn campaigns_page(
    state: State,
    viewer: Viewer,
    flash: super::PageQuery<Flash>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let data = campaigns_data(&state, None, None).await?;
    Page::new("admin-campaigns", "年度年检", "/admin", data)
        .flash(flash.into_inner().flash)
        .render(&state, Some(&viewer))
}

async fn open_campaign(
    state: State,
    viewer: Viewer,
    form: super::PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let (typed, csrf, _) = CampaignTyped::read(&form);
    viewer.check_csrf(Some(&csrf))?;
    let parsed = number::<i32>(&typed.year, "年度").and_then(|year| {
        let year = year.ok_or("请填写年度")?;
        Ok((year, typed.rectify_days()?))
    });
    let outcome = match parsed {
        Err(message) => Err((message, StatusCode::BAD_REQUEST)),
        Ok((year, rectify_days)) => {
            let change = CampaignChange {
                deadline: Some(typed.deadline.trim().to_string()),
                closed: None,
                rectify_days,
                checklists: typed.mappings(),
            };
            let actor = viewer.actor.clone();
            match state
                .run(move |conn, env| {
                    if let Some(days) = change.rectify_days
                        && !(1..=365).contains(&days)
                    {
                        return Err(ServiceError::BadRequest("整改期限应为 1–365 天".into()));
                    }
                    if change.checklists.is_empty() {
                        return Err(ServiceError::BadRequest(
                            "请至少为一类单位选择考核细则".into(),
                        ));
                    }
                    campaigns::create(conn, &actor, env.catalog, year, &change, env.clock)
                })
                .await
            {
                Ok(c) => Ok(c),
                Err(e) => Err(shown(e)?),
            }
        }
    };
    match outcome {
        Ok(_) => Ok(see_other("/admin/campaigns", Some(Done::CampaignOpened))),
        Err((message, status)) => {
            let data = campaigns_data(&state, Some(&typed), None).await?;
            Page::new("admin-campaigns", "年度年检", "/admin", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}

async fn change_campaign(
    state: State,
    viewer: Viewer,
    year: web::Path<i32>,
    form: super::PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    admin(&viewer)?;
    let year = year.into_inner();
    let (mut typed, csrf, op) = CampaignTyped::read(&form);
    viewer.check_csrf(Some(&csrf))?;
    typed.year = year.to_string();
    let change = match op.as_str() {
        "close" | "reopen" => Ok(CampaignChange {
            closed: Some(op == "close"),
            ..CampaignChange::default()
        }),
        _ => typed.rectify_days().map(|rectify_days| CampaignChange {
            deadline: Some(typed.deadline.trim().to_string()),
            closed: None,
            rectify_days,
            checklists: typed.mappings(),
        }),
    };
    let outcome = match change {
        Err(message) => Err((message, StatusCode::BAD_REQUEST)),
        Ok(mut change) => {
            let actor = viewer.actor.clone();
            match state
                .run(move |conn, env| {
                    // Only the kinds whose checklist changes are sent on.
                    let row = campaigns::by_year(conn, year)?;
                    let current = campaigns::view(conn, &row)?;
                    change
                        .checklists
                        .retain(|m| !current.checklists.contains(m));
                    campaigns::update(conn, &actor, env.catalog, year, &change, env.clock)
                })
                .await
            {
                Ok(c) => Ok(c),
                Err(e) => Err(shown(e)?),
            }
        }
    };
    match outcome {
        Ok(_) => {
            let done = match op.as_str() {
                "close" => Done::CampaignClosed,
                "reopen" => Done::CampaignReopened,
                _ => Done::CampaignSaved,
            };
            Ok(see_other("/admin/campaigns", Some(done)))
        }
        Err((message, status)) => {
            let data = campaigns_data(&state, None, Some((year, &typed))).await?;
            Page::new("admin-campaigns", "年度年检", "/admin", data)
                .error(message, status)
                .render(&state, Some(&viewer))
        }
    }
}
