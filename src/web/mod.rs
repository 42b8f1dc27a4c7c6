//! The HTTP service (actix-web): JSON under `/api/v1`, the OpenAPI
//! document, and (later) the pages. Handlers are thin: extract, call one
//! service function inside [`AppState::run`], answer. Only this module
//! names actix.

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod revalidate;
pub mod routes;
pub mod secure;
pub mod tenant;
pub mod upload;

use std::net::TcpListener;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use crate::ingest::checklists::Catalog;
use crate::ingest::workbook::Limits;
use crate::service::{Clock, Env};
use crate::store::{Db, DbConn};

pub use error::ApiError;

/// Limits and lifetimes the operator may tune.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Largest workbook accepted in an upload (bytes).
    pub max_upload_bytes: usize,
    /// Largest zip of workbooks in a bulk upload (bytes).
    pub max_bulk_bytes: usize,
    /// Hours a token lives.
    pub token_hours: i64,
    /// Workbooks parsed at once; more wait their turn (memory stays bounded).
    pub parse_slots: usize,
    /// Bytes all uploads in flight may hold together (bodies and what
    /// archives unpack to); past it an upload is answered 503.
    pub upload_memory_budget: usize,
    /// Uploads one account may run at once; more are answered 429.
    pub uploads_per_account: usize,
    /// The bureau that signs the 整改通知书: name, address, telephone and
    /// the word of its notice numbers.
    pub bureau: crate::reports::bureau::Bureau,
    /// A folder whose templates replace the built-in ones (same names).
    pub templates: Option<std::path::PathBuf>,
    /// The bureau's time zone: deadlines, and every time shown.
    pub zone: crate::domain::local_time::Zone,
    /// 合理性提示的门槛：按项覆盖默认值。
    pub plausibility: crate::domain::plausibility::Rules,
    /// Cookies marked Secure (sent back over HTTPS only): served over TLS,
    /// or behind a proxy that ends it (`[http] secure_cookies`).
    pub secure_cookies: bool,
    /// A reverse proxy in front is trusted: `X-Forwarded-Proto: https` marks
    /// a request secure and `X-Forwarded-For`'s last hop is the client.
    pub trusted_proxy: bool,
    /// `GET /metrics` answers (Prometheus); otherwise 404.
    pub metrics: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_upload_bytes: 10 * 1024 * 1024,
            max_bulk_bytes: 200 * 1024 * 1024,
            token_hours: crate::service::accounts::TOKEN_HOURS,
            parse_slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            upload_memory_budget: 1024 * 1024 * 1024,
            uploads_per_account: 2,
            bureau: crate::reports::bureau::Bureau::default(),
            templates: None,
            zone: crate::domain::local_time::Zone::default(),
            plausibility: crate::domain::plausibility::Rules::default(),
            secure_cookies: false,
            trusted_proxy: false,
            metrics: true,
        }
    }
}

/// The checklists in use: the folder's, plus the versions authored on the
/// pages. Replaced whole when a draft is imported, so that every request
/// works with one consistent catalog from start to end.
pub struct Catalogs {
    files: Arc<Catalog>,
    current: RwLock<Arc<Catalog>>,
    /// The checklists' data version the current catalog was read at: when
    /// another server authors or publishes a version, it moves.
    seen: AtomicI64,
}

impl Catalogs {
    fn shared(files: Arc<Catalog>) -> Catalogs {
        Catalogs {
            current: RwLock::new(files.clone()),
            files,
            seen: AtomicI64::new(-1),
        }
    }

    /// Reads the authored versions again when the checklists moved since
    /// they were read (here or on another server): one primary-key read.
    fn follow(&self, conn: &mut DbConn) -> Result<(), crate::service::ServiceError> {
        let now = crate::service::freshness::checklists_version(conn)?;
        if now != self.seen.load(Ordering::Acquire) {
            self.replace(crate::service::checklists::with_authored(
                conn,
                &self.files,
            )?);
            self.seen.store(now, Ordering::Release);
        }
        Ok(())
    }

    fn current(&self) -> Arc<Catalog> {
        // A writer never panics while holding the lock (it only swaps an
        // Arc), so a poisoned lock still holds a whole catalog.
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        match self.current.write() {
            Ok(mut c) => *c = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    catalogs: Arc<Catalogs>,
    pub limits: Arc<Limits>,
    pub settings: Arc<Settings>,
    pub parse_slots: Arc<tokio::sync::Semaphore>,
    /// Uploads in flight (see [`upload::UploadGate`]).
    pub uploads: Arc<upload::UploadGate>,
    pub html: Arc<crate::reports::html::Html>,
    /// The same renderer with the pages' links (dashboard, streets, cards).
    pub pages_html: Arc<crate::reports::html::Html>,
    /// Counts for `GET /metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// District reports gathered, per year, street and data version.
    pub reports: Arc<crate::service::report_cache::ReportCache>,
    /// The assessment list's totals, pages and orders, per filter and data
    /// version.
    pub lists: Arc<crate::service::assessments::ListCaches>,
    /// Every district on this server ([`tenant`]); the fields above are
    /// the request's own district's.
    pub tenants: Arc<tenant::Tenants>,
    /// The request's district; none: the first, not registered by name.
    pub district: Option<crate::service::districts::District>,
}

impl AppState {
    pub fn new(
        db: Db,
        catalog: Catalog,
        settings: Settings,
    ) -> Result<AppState, crate::reports::ReportError> {
        let limits = Limits {
            max_file_bytes: settings.max_upload_bytes,
            ..Limits::default()
        };
        let html = crate::reports::html::Html::new(settings.templates.as_deref())?
            .with_zone(settings.zone);
        let pages_html = html.clone().with_links(pages::leader::links());
        let settings = Arc::new(settings);
        let files = Arc::new(catalog);
        let first = tenant::Tenant::new(
            crate::service::districts::DistrictPool::first(db),
            files.clone(),
            settings.clone(),
        );
        let tenants = tenant::Tenants::new(first, files, settings.clone());
        if let Err(e) = tenants.reload() {
            tracing::warn!("未能读取区县登记：{e}");
        }
        let first = tenants.first();
        // Drafts authored on the pages live in the database only.
        for tenant in std::iter::once(first.clone()).chain(tenants.all()) {
            if let Err(e) = tenant
                .pool
                .db()
                .get()
                .map_err(crate::service::ServiceError::from)
                .and_then(|mut conn| tenant.catalogs.follow(&mut conn))
            {
                tracing::warn!("未能读取页面导入的考核细则：{e}");
            }
        }
        Ok(AppState {
            html: Arc::new(html),
            pages_html: Arc::new(pages_html),
            db: first.pool.db().clone(),
            catalogs: first.catalogs.clone(),
            limits: Arc::new(limits),
            parse_slots: Arc::new(tokio::sync::Semaphore::new(settings.parse_slots.max(1))),
            uploads: Arc::new(upload::UploadGate::new(&settings)),
            settings: first.settings.clone(),
            metrics: Arc::default(),
            reports: first.reports.clone(),
            lists: first.lists.clone(),
            district: first.district().cloned(),
            tenants: Arc::new(tenants),
        })
    }

    /// The checklists in use now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalogs.current()
    }

    /// Reads the versions authored on the pages again (after a draft was
    /// imported), so that uploads and campaigns see them.
    pub async fn refresh_catalog(&self) -> Result<(), ApiError> {
        let files = self.catalogs.files.clone();
        let catalog = self
            .run(move |conn, _| crate::service::checklists::with_authored(conn, &files))
            .await?;
        self.catalogs.replace(catalog);
        Ok(())
    }

    /// Runs blocking work (database, workbooks) off the async threads, with
    /// a pooled connection and the clock read now.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn, Env<'_>) -> Result<T, crate::service::ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        let clock = Clock::at_in(chrono::Utc::now(), self.settings.zone);
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = state.db.get()?;
            state.catalogs.follow(&mut conn)?;
            let catalog = state.catalog();
            let env = Env {
                catalog: &catalog,
                limits: &state.limits,
                clock,
                plausibility: &state.settings.plausibility,
            };
            work(&mut conn, env)
        })
        .await?
        .map_err(ApiError::from)
    }

    /// Like [`AppState::run`], for reads that need no checklist (who is
    /// calling, the data version): the catalog is not followed.
    pub async fn run_bare<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, crate::service::ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = state.db.get()?;
            work(&mut conn)
        })
        .await?
        .map_err(ApiError::from)
    }
}

impl AppState {
    /// Reads and scores an uploaded file off the async threads, within the
    /// parse slots (at most that many parses at once, whatever arrives).
    pub async fn prepare_upload(
        &self,
        file: upload::UploadedFile,
    ) -> Result<crate::service::uploads::Prepared, ApiError> {
        let _permit = self
            .parse_slots
            .acquire()
            .await
            .map_err(|_| ApiError::Busy)?;
        let state = self.clone();
        let clock = Clock::at_in(chrono::Utc::now(), self.settings.zone);
        let prepared = web::block(move || {
            let catalog = state.catalog();
            let env = Env {
                catalog: &catalog,
                limits: &state.limits,
                clock,
                plausibility: &state.settings.plausibility,
            };
            file.prepare(env)
        })
        .await?;
        if prepared.scored.is_err() {
            self.metrics.parse_failure();
        }
        Ok(prepared)
    }

    /// As [`AppState::run`], for work that reads a workbook: within the
    /// parse slots.
    pub async fn run_parsing<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn, Env<'_>) -> Result<T, crate::service::ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .parse_slots
            .acquire()
            .await
            .map_err(|_| ApiError::Busy)?;
        self.run(work).await
    }
}

/// A bound, not yet running server (zero2prod's shape): tests bind port 0
/// and ask for the port.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    pub fn build(
        state: AppState,
        listener: TcpListener,
        workers: usize,
    ) -> std::io::Result<Application> {
        Application::build_with(state, listener, workers, None)
    }

    /// As [`Application::build`], serving HTTPS when `tls` is given.
    pub fn build_with(
        state: AppState,
        listener: TcpListener,
        workers: usize,
        tls: Option<rustls::ServerConfig>,
    ) -> std::io::Result<Application> {
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state);
        let server =
            HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(web::JsonConfig::default().limit(1024 * 1024).error_handler(
                        |e, _| ApiError::BadRequest(error::messages::bad_json(&e)).into(),
                    ))
                    .app_data(web::QueryConfig::default().error_handler(|e, _| {
                        ApiError::BadRequest(error::messages::bad_query(&e)).into()
                    }))
                    .app_data(web::PathConfig::default().error_handler(|e, _| {
                        ApiError::BadRequest(error::messages::bad_path(&e)).into()
                    }))
                    .wrap(actix_web::middleware::from_fn(revalidate::revalidate))
                    .wrap(actix_web::middleware::from_fn(
                        pages::browser::api_links_for_people,
                    ))
                    .wrap(actix_web::middleware::from_fn(extract::text_rule))
                    .wrap(actix_web::middleware::Compress::default())
                    .wrap(security_headers())
                    .wrap(actix_web::middleware::from_fn(secure::mark_cookies))
                    .wrap(actix_web::middleware::from_fn(metrics::count_and_log))
                    .configure(routes::routes)
                    .configure(pages::routes)
            })
            .workers(workers.max(1));
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config)?,
            None => server.listen(listener)?,
        }
        .run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The server handle, to stop it from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// On every answer (where a handler set none of its own): never framed by
/// another site (the pages' meta CSP cannot say frame-ancestors), never
/// sniffed into another type, no full address sent to another site.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
}

/// A file download with its (Chinese) name kept: RFC 5987 `filename*`.
pub fn download(name: &str, bytes: Vec<u8>) -> actix_web::HttpResponse {
    let lower = name.to_lowercase();
    let content_type = content_type_of(&lower);
    attachment(name, content_type, bytes)
}

/// A file a user uploaded as evidence: whatever its name says, never
/// served as a page (an `.html` could run script on our origin), and the
/// browser is told not to guess.
pub fn download_untrusted(name: &str, bytes: Vec<u8>) -> actix_web::HttpResponse {
    let mut response = attachment(name, "application/octet-stream", bytes);
    response.headers_mut().insert(
        actix_web::http::header::X_CONTENT_TYPE_OPTIONS,
        actix_web::http::header::HeaderValue::from_static("nosniff"),
    );
    response
}

fn content_type_of(lower: &str) -> &'static str {
    if lower.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if lower.ends_with(".xlsm") {
        "application/vnd.ms-excel.sheet.macroEnabled.12"
    } else if lower.ends_with(".xls") {
        "application/vnd.ms-excel"
    } else if lower.ends_with(".ods") {
        "application/vnd.oasis.opendocument.spreadsheet"
    } else if lower.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

fn attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> actix_web::HttpResponse {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    actix_web::HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .body(bytes)
}
