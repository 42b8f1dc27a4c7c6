//! Which district (区县) a request works in. A credential of a district
//! other than the first starts with that district's code and a dot
//! (`330106.9f3c…`); the first district's credentials have no prefix, as
//! before districts existed. A request's [`State`] is the server's state
//! with the pool pointed at that district's schema and that district's
//! checklists, kept reports and lists: every handler takes it instead of
//! the bare `web::Data<AppState>`, so none can reach another district.
//! The code only routes: the token is still looked up in that district's
//! own accounts, so a forged prefix finds nothing.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::ingest::checklists::Catalog;
use crate::service::districts::{self, District, DistrictPool, Kind};
use crate::service::{ServiceError, assessments::ListCaches, report_cache::ReportCache};

use super::error::messages;
use super::{ApiError, AppState, Catalogs, Settings};

/// What a district's requests share.
pub struct Tenant {
    /// The district (none: the first, not registered by name) and its pool.
    pub(super) pool: DistrictPool,
    pub(super) catalogs: Arc<Catalogs>,
    pub(super) reports: Arc<ReportCache>,
    pub(super) lists: Arc<ListCaches>,
    pub(super) settings: Arc<Settings>,
}

impl Tenant {
    pub(super) fn new(pool: DistrictPool, files: Arc<Catalog>, settings: Arc<Settings>) -> Tenant {
        Tenant {
            pool,
            catalogs: Arc::new(Catalogs::shared(files)),
            reports: Arc::default(),
            lists: Arc::default(),
            settings,
        }
    }

    pub fn district(&self) -> Option<&District> {
        self.pool.district.as_ref()
    }

    /// The same district, now known by its registered name.
    fn named(&self, pool: DistrictPool) -> Tenant {
        Tenant {
            pool,
            catalogs: self.catalogs.clone(),
            reports: self.reports.clone(),
            lists: self.lists.clone(),
            settings: self.settings.clone(),
        }
    }
}

/// Every district this server has met, by code.
pub struct Tenants {
    first: RwLock<Arc<Tenant>>,
    others: RwLock<BTreeMap<String, Arc<Tenant>>>,
    files: Arc<Catalog>,
    settings: Arc<Settings>,
    /// The first district's pool, as the server opened it.
    pool: DistrictPool,
}

impl Tenants {
    pub(super) fn new(first: Tenant, files: Arc<Catalog>, settings: Arc<Settings>) -> Tenants {
        Tenants {
            pool: first.pool.clone(),
            first: RwLock::new(Arc::new(first)),
            others: RwLock::default(),
            files,
            settings,
        }
    }

    pub fn first(&self) -> Arc<Tenant> {
        read(&self.first).clone()
    }

    /// The district of a code: the first one's registered code, or another's.
    pub fn get(&self, code: &str) -> Option<Arc<Tenant>> {
        let first = self.first();
        if first.district().is_some_and(|d| d.code == code) {
            return Some(first);
        }
        read(&self.others).get(code).cloned()
    }

    /// Every registered district and the city, by code.
    pub fn all(&self) -> Vec<Arc<Tenant>> {
        let first = self.first();
        let mut all: Vec<Arc<Tenant>> = first
            .district()
            .is_some()
            .then_some(first)
            .into_iter()
            .collect();
        all.extend(read(&self.others).values().cloned());
        all.sort_by(|a, b| code_of(a).cmp(code_of(b)));
        all
    }

    /// Reads the registry again: districts added since (by the command
    /// line or another server) become known; known ones keep their caches.
    pub fn reload(&self) -> Result<(), ServiceError> {
        for pool in districts::registered(self.pool.db())? {
            let Some(district) = pool.district.clone() else {
                continue;
            };
            if district.is_first() {
                let first = self.first();
                if first.district() != Some(&district) {
                    *write(&self.first) = Arc::new(first.named(pool));
                }
                continue;
            }
            if read(&self.others).contains_key(&district.code) {
                continue;
            }
            let settings = Arc::new(settings_of(&self.settings, &district));
            let tenant = Tenant::new(pool, self.files.clone(), settings);
            write(&self.others)
                .entry(district.code)
                .or_insert_with(|| Arc::new(tenant));
        }
        Ok(())
    }
}

fn code_of(tenant: &Tenant) -> &str {
    tenant.district().map_or("", |d| d.code.as_str())
}

/// A district's notices are signed by its own bureau (西湖区档案局).
fn settings_of(base: &Settings, district: &District) -> Settings {
    let mut settings = base.clone();
    if district.kind == Kind::District
        && let Ok(bureau) =
            crate::reports::bureau::Bureau::new(&district.bureau_name(), None, None, None)
    {
        settings.bureau = bureau;
    }
    settings
}

/// A lock whose holder never panics (it swaps an `Arc` or inserts one).
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The district a credential names: its code before the first dot.
pub fn district_of(credential: &str) -> Option<&str> {
    credential.split_once('.').map(|(code, _)| code)
}

/// The credential of a request: its bearer token, else its session cookie.
pub fn credential(req: &HttpRequest) -> Option<String> {
    super::auth::bearer(req).or_else(|| {
        req.cookie(super::pages::session::SESSION_COOKIE)
            .map(|c| c.value().to_string())
    })
}

/// One district of the sign-in form's list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Choice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// Where a district's code was met: a credential that names an unknown
/// district is a session to sign in again; a sign-in form's is a mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    Credential,
    SignIn,
}

impl AppState {
    /// This state, working in another district.
    fn in_tenant(&self, tenant: &Tenant) -> AppState {
        AppState {
            db: tenant.pool.db().clone(),
            catalogs: tenant.catalogs.clone(),
            reports: tenant.reports.clone(),
            lists: tenant.lists.clone(),
            settings: tenant.settings.clone(),
            district: tenant.district().cloned(),
            ..self.clone()
        }
    }

    /// The state of the district a code names (none: the first), reading
    /// the registry again when the code is not known yet.
    pub async fn for_district(
        &self,
        code: Option<&str>,
        asked: Asked,
    ) -> Result<AppState, ApiError> {
        let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(self.in_tenant(&self.tenants.first()));
        };
        if let Some(tenant) = self.tenants.get(code) {
            return Ok(self.in_tenant(&tenant));
        }
        self.reload_districts().await?;
        match self.tenants.get(code) {
            Some(tenant) => Ok(self.in_tenant(&tenant)),
            None => Err(match asked {
                Asked::Credential => {
                    ServiceError::Unauthenticated(messages::UNKNOWN_DISTRICT_SESSION.into())
                }
                Asked::SignIn => ServiceError::NotFound(messages::unknown_district(code)),
            }
            .into()),
        }
    }

    /// The state of the district a request's credential names.
    pub async fn of_request(&self, req: &HttpRequest) -> Result<AppState, ApiError> {
        let credential = credential(req);
        let code = credential.as_deref().and_then(district_of);
        self.for_district(code, Asked::Credential).await
    }

    /// The districts to sign in to, where there is more than one: the
    /// first (by its registered name, else the bureau's) and every other,
    /// read afresh so that one just added is there.
    pub async fn district_choices(&self, chosen: Option<&str>) -> Vec<Choice> {
        self.reload_districts_or_warn().await;
        let first = self.tenants.first();
        let mut all = self.tenants.all();
        if first.district().is_none() {
            all.insert(0, first);
        }
        if all.len() < 2 {
            return Vec::new();
        }
        let chosen = chosen.unwrap_or("");
        all.iter()
            .map(|t| {
                let (code, name) = match t.district() {
                    Some(d) => (d.code.clone(), d.name.clone()),
                    None => (String::new(), t.settings.bureau.name.clone()),
                };
                Choice {
                    selected: code == chosen,
                    code,
                    name,
                }
            })
            .collect()
    }

    /// Reads the registry again, off the async threads ([`Tenants::reload`]).
    async fn reload_districts(&self) -> Result<(), ApiError> {
        let tenants = self.tenants.clone();
        Ok(web::block(move || tenants.reload()).await??)
    }

    /// As [`AppState::reload_districts`], where the districts already known
    /// will do if the registry cannot be read.
    async fn reload_districts_or_warn(&self) {
        if let Err(e) = self.reload_districts().await {
            tracing::warn!("未能读取区县登记：{e}");
        }
    }

    /// What this district's tokens start with (none for the first).
    pub fn token_prefix(&self) -> Option<String> {
        self.district
            .as_ref()
            .filter(|d| !d.is_first())
            .map(|d| d.code.clone())
    }

    /// Runs work across districts off the async threads: it takes each
    /// district's connection in turn, holding none of its own meanwhile.
    pub async fn run_across<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&[districts::DistrictSource], crate::service::Env<'_>) -> Result<T, ServiceError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        let clock = crate::service::Clock::at_in(chrono::Utc::now(), self.settings.zone);
        web::block(move || {
            let tenants = state.tenants.clone();
            tenants.reload()?;
            let sources = state.district_sources();
            let catalog = state.catalog();
            let env = crate::service::Env {
                catalog: &catalog,
                limits: &state.limits,
                clock,
                plausibility: &state.settings.plausibility,
            };
            work(&sources, env)
        })
        .await?
        .map_err(ApiError::from)
    }

    /// The state of every district (the first, then each registered one),
    /// for work that is every district's: housekeeping.
    pub async fn every_district(&self) -> Vec<AppState> {
        self.reload_districts_or_warn().await;
        let first = self.tenants.first();
        let mut all = vec![self.in_tenant(&first)];
        all.extend(
            self.tenants
                .all()
                .iter()
                .filter(|t| t.district().is_some_and(|d| !d.is_first()))
                .map(|t| self.in_tenant(t)),
        );
        all
    }

    /// Every district's handle, for the city summary.
    pub fn district_sources(&self) -> Vec<districts::DistrictSource> {
        self.tenants
            .all()
            .into_iter()
            .filter_map(|t| {
                Some(districts::DistrictSource {
                    district: t.district()?.clone(),
                    db: t.pool.db().clone(),
                    catalog: t.catalogs.current(),
                    reports: t.reports.clone(),
                })
            })
            .collect()
    }
}

/// The server's state as the request's district sees it (see the module).
#[derive(Clone)]
pub struct State(AppState);

impl Deref for State {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.0
    }
}

/// What the request's district was found to be, kept for the extractors
/// after the first.
#[derive(Clone)]
struct Resolved(AppState);

impl FromRequest for State {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<State, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Resolved(state)) = req.extensions().get::<Resolved>() {
            let state = state.clone();
            return Box::pin(async move { Ok(State(state)) });
        }
        let base = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let base = base
                .ok_or_else(|| ApiError::from(ServiceError::Internal(messages::NO_STATE.into())))?;
            let state = base.of_request(&req).await?;
            req.extensions_mut().insert(Resolved(state.clone()));
            Ok(State(state))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_names_its_district_before_the_first_dot() {
        for (credential, district) in [
            ("9f3c2a", None),
            ("330106.9f3c2a", Some("330106")),
            ("city.ab.cd", Some("city")),
            (".9f", Some("")),
        ] {
            assert_eq!(district_of(credential), district, "{credential}");
        }
    }
}
