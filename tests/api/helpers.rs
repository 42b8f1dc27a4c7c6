//! The test server: the real application on 127.0.0.1:0 against a fresh
//! database — a temporary SQLite file, or, when NIANJIAN_TEST_DATABASE holds
//! a postgres:// URL, a new PostgreSQL database created for the test and
//! dropped after it.

#[path = "../support/pg_database.rs"]
mod pg_database;

use std::net::TcpListener;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::{Actor, Clock, Role, accounts, demo};
use nianjian::store::{DatabaseUrl, Db, PooledConn};
use nianjian::web::{AppState, Application, Settings};

pub const PASSWORD: &str = "juanzong-2012";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub catalog: Catalog,
    handle: actix_web::dev::ServerHandle,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
    /// The district this handle signs in to (none: the first).
    pub district: Option<String>,
    /// This handle started the server and stops it when dropped (a
    /// district's handle shares its server).
    stops: bool,
}

/// A workbook as a unit would upload it.
pub struct Book<'a> {
    pub checklist: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub street: &'a str,
    pub year: i32,
    pub quality: f64,
    pub seed: u64,
    pub target: Option<&'a str>,
}

impl Default for Book<'_> {
    fn default() -> Self {
        Book {
            checklist: "community@2013",
            code: "330102301",
            name: "小营巷社区",
            kind: "社区",
            street: "小营街道",
            year: 2012,
            quality: 0.9,
            seed: 1,
            target: None,
        }
    }
}

fn pg_admin_url() -> Option<String> {
    std::env::var("NIANJIAN_TEST_DATABASE")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Settings::default()).await
    }

    pub async fn spawn_with(settings: Settings) -> TestApp {
        Self::start(settings, true).await
    }

    /// A server on a database with no accounts at all (the demo fills it).
    /// An empty database filled with the demo district (`serve --demo`),
    /// dated from now; its accounts sign in with `demo::DEMO_PASSWORD`.
    pub async fn spawn_demo() -> TestApp {
        let app = TestApp::spawn_empty().await;
        let limits = nianjian::ingest::workbook::Limits::default();
        let env = nianjian::service::Env {
            catalog: &app.catalog,
            limits: &limits,
            clock: nianjian::service::Clock::at(chrono::Utc::now()),
            plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
        };
        nianjian::service::demo::populate(&mut app.conn(), env).expect("demo");
        app
    }

    pub async fn spawn_empty() -> TestApp {
        Self::start(Settings::default(), false).await
    }

    async fn start(settings: Settings, accounts: bool) -> TestApp {
        let (url, dir, postgres) = match pg_admin_url() {
            Some(admin) => {
                let mut bytes = [0u8; 6];
                getrandom_fill(&mut bytes);
                let name = format!("nianjian_test_{}", hex(&bytes));
                pg_database::create(&admin, &name);
                let url =
                    DatabaseUrl::parse(&pg_database::with_database(&admin, &name)).expect("url");
                (url, None, Some((admin, name)))
            }
            None => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
                (url, Some(dir), None)
            }
        };
        let db = Db::open(&url, 8).expect("open database");
        let catalog = Catalog::embedded().expect("shipped checklists");
        {
            let mut conn = db.get().expect("conn");
            let clock = Clock::at(chrono::Utc::now());
            nianjian::service::checklists::sync(&mut conn, &catalog, clock)
                .expect("sync checklists");
            if accounts {
                bureau_accounts(&mut conn, clock);
            }
        }
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let state = AppState::new(db.clone(), Catalog::embedded().expect("catalog"), settings)
            .expect("app state");
        let app = Application::build(state, listener, 2).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: client(),
            db,
            catalog,
            handle,
            _dir: dir,
            postgres,
            district: None,
            stops: true,
        }
    }

    /// Another server on this one's database (as behind a load balancer):
    /// its own pool, catalog and caches; the database stays this one's.
    pub async fn another_server(&self) -> TestApp {
        let db = Db::open(self.db.url(), 8).expect("open the same database");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let state = AppState::new(
            db.clone(),
            Catalog::embedded().expect("catalog"),
            Settings::default(),
        )
        .expect("app state");
        let app = Application::build(state, listener, 2).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: client(),
            db,
            catalog: Catalog::embedded().expect("catalog"),
            handle,
            _dir: None,
            postgres: None,
            district: None,
            stops: true,
        }
    }

    /// Registers a district on this server's database (PostgreSQL) with
    /// the usual accounts (admin, inspector, leader), and answers a handle
    /// that signs in to it; `city` registers the city bureau instead.
    pub fn add_district(
        &self,
        code: &str,
        name: &str,
        city: bool,
    ) -> Result<TestApp, nianjian::service::ServiceError> {
        use nianjian::service::districts::{self, Kind, NewDistrict};
        let kind = if city { Kind::City } else { Kind::District };
        let new = NewDistrict::checked(code, name, kind, false)?;
        let clock = Clock::at(chrono::Utc::now());
        let district = districts::add(&self.db, &self.catalog, &new, clock)?;
        let view = TestApp {
            address: self.address.clone(),
            client: client(),
            db: self.db.in_schema(&district.schema),
            catalog: Catalog::embedded().expect("catalog"),
            handle: self.handle.clone(),
            _dir: None,
            postgres: None,
            district: Some(district.code),
            stops: false,
        };
        bureau_accounts(&mut view.conn(), clock);
        Ok(view)
    }

    /// The data version (数据版本) the servers compare.
    pub fn data_version(&self) -> i64 {
        nianjian::service::freshness::data_version(&mut self.conn()).expect("data version")
    }

    pub fn conn(&self) -> PooledConn {
        self.db.get().expect("conn")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs in and returns the token.
    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password, "district": self.district}))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login {username}");
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    /// Adds a unit account for a unit code (the unit must exist).
    pub fn add_unit_user(&self, username: &str, unit_code: &str) {
        let mut conn = self.conn();
        accounts::add_user(
            &mut conn,
            &Actor::command_line(),
            username,
            PASSWORD,
            Role::Unit,
            Some(unit_code),
            Clock::at(chrono::Utc::now()),
        )
        .expect("unit user");
    }

    /// A community of 小营街道 added to the roster through the API, by the admin.
    pub async fn add_community(&self, code: &str, name: &str) {
        let admin = self.login("admin").await;
        let (status, body) = self
            .post(
                Some(&admin),
                "/api/v1/units",
                json!({"code": code, "name": name, "kind": "社区", "street": "小营街道"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// An account's id, as the admin (`admin`'s token) lists the accounts.
    pub async fn user_id(&self, admin: &str, username: &str) -> i64 {
        let (status, list) = self.get(Some(admin), "/api/v1/users").await;
        assert_eq!(status, 200, "{list}");
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|u| u["username"] == username)
            .and_then(|u| u["id"].as_i64())
            .unwrap_or_else(|| panic!("no user {username}: {list}"))
    }

    /// A street officer's account (街道档案员) of a street on the roster.
    pub fn add_street_user(&self, username: &str, street: &str) {
        let mut conn = self.conn();
        accounts::add_user(
            &mut conn,
            &Actor::command_line(),
            username,
            PASSWORD,
            Role::Street,
            Some(street),
            Clock::at(chrono::Utc::now()),
        )
        .expect("street user");
    }

    pub fn workbook(&self, book: &Book<'_>) -> Vec<u8> {
        let checklist = self.catalog.get(book.checklist).expect("checklist");
        let mut rng = SplitMix64::new(book.seed);
        let answers = demo::answers(checklist, book.quality, &mut rng);
        let mut answers = answers;
        // Tests decide vetoes themselves.
        for key in ["loss_incident", "refused_inspection"] {
            if answers.inputs.contains_key(key) {
                answers
                    .inputs
                    .insert(key.into(), nianjian::domain::InputValue::YesNo(false));
            }
        }
        self_check_template(
            checklist,
            &Prefill {
                unit_name: Some(book.name.into()),
                unit_code: Some(book.code.into()),
                unit_kind: Some(book.kind.into()),
                street: Some(book.street.into()),
                year: Some(book.year),
                target_tier: book.target.map(str::to_string),
                answers: Some(answers),
            },
        )
        .expect("workbook")
    }

    pub async fn upload_files(
        &self,
        token: &str,
        files: Vec<(String, Vec<u8>)>,
        query: &str,
    ) -> (u16, Value) {
        let mut form = Form::new();
        for (name, bytes) in files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        let response = self
            .client
            .post(self.url(&format!("/api/v1/submissions{query}")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.upload_files(token, vec![(name.to_string(), bytes)], "")
            .await
    }

    /// 小营巷社区's workbook (the default book) uploaded by the inspector,
    /// which opens 2012: the inspector's token and the upload's answer.
    pub async fn inspector_uploads_default(&self) -> (String, Value) {
        let inspector = self.login("inspector").await;
        let (status, body) = self
            .upload(
                &inspector,
                "小营巷社区.xlsx",
                self.workbook(&Book::default()),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (inspector, body)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.expect("get");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path)).json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, token, path, body).await
    }
}

/// The bureau's accounts every test server starts with: admin, inspector
/// and leader, each with [`PASSWORD`].
fn bureau_accounts(conn: &mut nianjian::store::DbConn, clock: Clock) {
    for (name, role) in [
        ("admin", Role::Admin),
        ("inspector", Role::Inspector),
        ("leader", Role::Leader),
    ] {
        accounts::add_user(
            conn,
            &Actor::command_line(),
            name,
            PASSWORD,
            role,
            None,
            clock,
        )
        .expect("user");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting: the command is sent when `stop` is called; the
        // returned future only waits for it, and the runtime ends with the test.
        if self.stops {
            drop(self.handle.stop(false));
        }
        if let Some((admin, name)) = self.postgres.take() {
            pg_database::drop(&admin, &name);
        }
    }
}

/// The tests' HTTP client. An idle connection is dropped after a second:
/// the server closes idle keep-alive connections after five, and a request
/// sent on one just as it closes fails with "IncompleteMessage" (seen on a
/// loaded machine), which no real client would call the server's fault.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .expect("http client")
}

fn getrandom_fill(bytes: &mut [u8]) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = SplitMix64::new(nanos ^ u64::from(std::process::id()) << 32);
    for b in bytes.iter_mut() {
        *b = rng.next_u64() as u8;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------- added for
// the access, review, sample, roster, concurrency and OpenAPI tests

/// Every route registered in `src/web/routes.rs`, as (METHOD, full path),
/// read from the source at compile time: a route added there is seen here.
/// A route inside `web::scope("/x")` (up to the parenthesis that closes the
/// call holding the scope) gets its prefix.
pub fn registered_routes() -> Vec<(String, String)> {
    const SOURCE: &str = include_str!("../../src/web/routes.rs");
    parse_routes(SOURCE)
}

fn parse_routes(source: &str) -> Vec<(String, String)> {
    const SCOPE: &str = "web::scope(\"";
    const AT: &str = "at(\"";
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    // The closing parenthesis that matches the one opened at `open`.
    let closing = |open: usize| -> usize {
        let mut depth = 0usize;
        let mut in_string = false;
        for (i, c) in source[open..].char_indices() {
            match c {
                '"' => in_string = !in_string,
                '(' if !in_string => depth += 1,
                ')' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        return open + i;
                    }
                }
                _ => {}
            }
        }
        source.len()
    };
    // Scopes: (start, end, prefix); the call holding a scope opens just before it.
    let scopes: Vec<(usize, usize, String)> = source
        .match_indices(SCOPE)
        .map(|(at, _)| {
            let open = source[..at].rfind('(').expect("a scope is an argument");
            let after = &source[at + SCOPE.len()..];
            let prefix = after[..after.find('"').expect("scope path ends")].to_string();
            (at, closing(open), prefix)
        })
        .collect();
    // Each `at("/path")` is followed by its methods: `.get(h).post(h)`,
    // until the next path or the scope's default service.
    let starts: Vec<usize> = source
        .match_indices(AT)
        .map(|(at, _)| at)
        .filter(|&at| !source[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let mut routes = Vec::new();
    for (n, &at) in starts.iter().enumerate() {
        let after = &source[at + AT.len()..];
        let path = &after[..after.find('"').expect("route path ends")];
        let mut segment = &source[at..starts.get(n + 1).copied().unwrap_or(source.len())];
        if let Some(end) = segment.find(".default_service") {
            segment = &segment[..end];
        }
        let prefix: String = scopes
            .iter()
            .filter(|(start, end, _)| *start < at && at < *end)
            .map(|(_, _, p)| p.as_str())
            .collect();
        let mut methods: Vec<(usize, &str)> = Vec::new();
        for m in METHODS {
            let call = format!(".{m}(");
            methods.extend(segment.match_indices(&call).map(|(i, _)| (i, m)));
        }
        methods.sort();
        for (_, method) in methods {
            routes.push((method.to_uppercase(), format!("{prefix}{path}")));
        }
    }
    assert!(
        routes.len() >= 20,
        "routes.rs parsed to only {} routes: {routes:?}",
        routes.len()
    );
    routes
}

#[test]
fn routes_are_read_with_their_scopes() {
    let source = r#"
        cfg.service(at("/healthz").get(|| async { HttpResponse::Ok().body("ok") }))
            .service(
                web::scope("/api/v1")
                    .service(at("/a").get(a::list).post(a::create))
                    .service(
                        at("/a/{id}")
                            .patch(a::update),
                    )
                    .default_service(web::to(not_found)),
            )
            .service(at("/late").post(late));
    "#
    .to_string()
        + &"    .service(at(\"/x\").get(x))\n".repeat(18);
    let routes = parse_routes(&source);
    assert_eq!(routes[0], ("GET".into(), "/healthz".into()));
    assert_eq!(routes[1], ("GET".into(), "/api/v1/a".into()));
    assert_eq!(routes[2], ("POST".into(), "/api/v1/a".into()));
    assert_eq!(routes[3], ("PATCH".into(), "/api/v1/a/{id}".into()));
    assert_eq!(routes[4], ("POST".into(), "/late".into()));
}

/// Answers that earn full marks on `checklist`: every `self` item at its
/// max, facts above every threshold (and plausible for a community), no veto.
pub fn full_marks(checklist: &nianjian::domain::Checklist) -> nianjian::domain::Answers {
    use nianjian::domain::{Answers, Decimal, InputType, InputValue, ItemAnswer, Rule};
    let mut answers = Answers::default();
    for input in &checklist.inputs {
        let value = match input.kind {
            InputType::YesNo => InputValue::YesNo(
                !["loss_incident", "refused_inspection"].contains(&input.key.as_str()),
            ),
            InputType::Percent => InputValue::Number(Decimal::from_int(100)),
            _ => {
                let v = match input.key.as_str() {
                    "fulltime_staff" => 2,
                    "parttime_staff" => 4,
                    "trained_staff" => 3,
                    "annual_budget" => 12000,
                    "room_area" => 50,
                    "cabinets" => 10,
                    "computer" => 2,
                    "scanner" => 1,
                    _ => 5000,
                };
                InputValue::Number(Decimal::from_int(v))
            }
        };
        answers.inputs.insert(input.key.clone(), value);
    }
    for item in &checklist.items {
        if let Rule::SelfScored { .. } = item.rule {
            answers
                .self_scores
                .insert(item.code.clone(), ItemAnswer::Points(item.max));
        }
    }
    answers
}

impl TestApp {
    /// A workbook for `book` with the answers given (quality and seed unused).
    pub fn workbook_with(&self, book: &Book<'_>, answers: nianjian::domain::Answers) -> Vec<u8> {
        let checklist = self.catalog.get(book.checklist).expect("checklist");
        self_check_template(
            checklist,
            &Prefill {
                unit_name: Some(book.name.into()),
                unit_code: Some(book.code.into()),
                unit_kind: Some(book.kind.into()),
                street: Some(book.street.into()),
                year: Some(book.year),
                target_tier: book.target.map(str::to_string),
                answers: Some(answers),
            },
        )
        .expect("workbook")
    }

    /// Posts multipart `file` fields to any path.
    /// A multipart form: text fields first, then files under `file`.
    pub async fn post_form(
        &self,
        token: Option<&str>,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(String, Vec<u8>)>,
    ) -> (u16, Value) {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, bytes) in files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        let mut request = self.client.post(self.url(path)).multipart(form);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.expect("multipart request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_files(
        &self,
        token: Option<&str>,
        path: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> (u16, Value) {
        let mut form = Form::new();
        for (name, bytes) in files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        let mut request = self.client.post(self.url(path)).multipart(form);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.expect("multipart request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A roster workbook: a title row, then the header 单位代码 单位名称 单位类型
/// 所属街道 联系人 联系电话 on row 2, then one row per unit (an empty
/// string leaves the cell empty). Sheet 名册.
pub fn roster_xlsx(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("名册").expect("sheet name");
    sheet.write_string(0, 0, "2012年度单位名册").expect("title");
    for (col, header) in [
        "单位代码",
        "单位名称",
        "单位类型",
        "所属街道",
        "联系人",
        "联系电话",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, col as u16, *header).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string(r as u32 + 2, col as u16, *value)
                    .expect("cell");
            }
        }
    }
    book.save_to_buffer().expect("roster workbook")
}

// ---------------------------------------------------------------- added for
// the report tests

impl TestApp {
    /// GET with a token; the status, the content type and the body as bytes.
    pub async fn get_bytes(&self, token: &str, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response.bytes().await.expect("body").to_vec();
        (status, content_type, bytes)
    }

    /// The database as `nianjian --database` takes it.
    pub fn database_arg(&self) -> String {
        match self.db.url() {
            nianjian::store::DatabaseUrl::Sqlite(path) => path.display().to_string(),
            nianjian::store::DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}
