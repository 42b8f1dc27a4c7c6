//! The pages in a real browser — a unit uploads, an inspector reviews, a
//! leader reads — headless Chromium driven through
//! chromedriver (W3C WebDriver) against the real server on a random port.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them).
//! Without them the test says so and passes, unless
//! `NIANJIAN_BROWSER_TESTS=required` (set by `.ci/run`), where it fails.
//! Screenshots of every page land in `target/browser-screenshots/<backend>/`
//! (`sqlite` or `postgres`), so one backend's run keeps the other's.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
#[path = "support/xlsx_edit.rs"]
mod xlsx_edit;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64_decode::decode as base64;
use serde_json::{Value, json};

use helpers::{Book, TestApp};
use xlsx_edit::{Cell, at, edit};

/// Base64 for screenshots, without pulling in a crate for it.
mod base64_decode {
    pub fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| -> Option<u32> {
            Some(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            } as u32)
        };
        let mut out = Vec::with_capacity(text.len() * 3 / 4);
        let mut buffer = 0u32;
        let mut bits = 0;
        for c in text.bytes().filter_map(value) {
            buffer = (buffer << 6) | c;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buffer >> bits) as u8);
            }
        }
        out
    }
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session in it.
struct Browser {
    driver: Child,
    client: reqwest::Client,
    base: String,
    downloads: PathBuf,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(downloads: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let client = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        while client.get(format!("{root}/status")).send().await.is_err() {
            assert!(
                ready.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1366,768",
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false}
            }
        }}});
        let session: Value = client
            .post(format!("{root}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_string();
        let backend = match std::env::var("NIANJIAN_TEST_DATABASE") {
            Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                "postgres"
            }
            _ => "sqlite",
        };
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target dir")
            .join("browser-screenshots")
            .join(backend);
        // Fresh artefacts each run: no screenshot from an older run of this
        // backend is left to mislead (nor one from before the split by backend).
        let _ = std::fs::remove_dir_all(&shots);
        if let Some(root) = shots.parent()
            && let Ok(entries) = std::fs::read_dir(root)
        {
            for stale in entries.filter_map(Result::ok).map(|e| e.path()) {
                if stale.extension().is_some_and(|x| x == "png") {
                    let _ = std::fs::remove_file(stale);
                }
            }
        }
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        Browser {
            driver,
            client,
            base: format!("{root}/session/{id}"),
            downloads: downloads.to_path_buf(),
            shots,
            _profile: profile,
        }
    }

    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            request = request.json(&b);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        match answer["value"]["error"].as_str() {
            Some(error) => Err(format!(
                "webdriver {path}: {error}: {}",
                answer["value"]["message"]
            )),
            None => Ok(answer["value"].clone()),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("element {css}: {found}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// The page's visible text; empty while a new page is replacing the old.
    async fn text(&self) -> String {
        let Ok(found) = self
            .try_call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": "body"})),
            )
            .await
        else {
            return String::new();
        };
        let Some(body) = found[ELEMENT].as_str() else {
            return String::new();
        };
        self.try_call(reqwest::Method::GET, &format!("/element/{body}/text"), None)
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Waits until the page's address satisfies `wanted` (clicks that submit
    /// forms return before the next page has loaded).
    async fn wait_for_url(&self, wanted: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let url = self.url().await;
            if wanted(&url) {
                return url;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "still at {url}");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's text contains `needle`, and returns the text.
    async fn wait_for_text(&self, needle: &str) -> String {
        self.wait_for_page(needle, |text| text.contains(needle))
            .await
    }

    /// Waits until the page's text satisfies `ready` (`what` names it in
    /// the failure), and returns the text. For a page whose text before a
    /// click already holds the word the next page is known by.
    async fn wait_for_page(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text().await;
            if ready(&text) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "no {what} in: {text}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64(png.as_str().expect("base64 png"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), bytes).expect("save screenshot");
    }

    async fn sign_in(&self, app: &TestApp, username: &str) {
        self.go(&app.url("/login")).await;
        self.type_into("input[name=username]", username).await;
        self.type_into("input[name=password]", helpers::PASSWORD)
            .await;
        self.click("form button[type=submit]").await;
    }

    async fn sign_out(&self) {
        self.click("form.who button").await;
    }

    /// Runs a script in the page (WebDriver's execute/sync; the pages
    /// themselves run none) and answers its value.
    async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Waits for a file to appear in the download folder.
    async fn downloaded(&self, suffix: &str) -> PathBuf {
        self.downloaded_as(|name| name.ends_with(suffix)).await
    }

    /// Waits for a file whose name satisfies `wanted` (a download under way
    /// is named `….crdownload`).
    async fn downloaded_as(&self, wanted: impl Fn(&str) -> bool) -> PathBuf {
        let start = Instant::now();
        loop {
            let found = std::fs::read_dir(&self.downloads)
                .expect("downloads")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.file_name().is_some_and(|n| wanted(&n.to_string_lossy())));
            if let Some(path) = found {
                return path;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "nothing downloaded as wanted"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present && std::env::var("NIANJIAN_BROWSER_TESTS").as_deref() == Ok("required") {
        panic!("browser tests are required but {CHROMIUM} or {CHROMEDRIVER} is missing");
    }
    if !present {
        eprintln!(
            "skipped: install Debian's chromium and chromium-driver to run the browser tests"
        );
    }
    present
}

#[actix_web::test]
async fn a_unit_uploads_and_a_leader_reads_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    // The bureau opens 2012 with one upload for another unit, then the unit gets an account.
    let (status, _) = app
        .upload(
            &inspector,
            "seed.xlsx",
            app.workbook(&Book {
                code: "330102302",
                name: "葵巷社区",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 200);
    let mut conn = app.conn();
    nianjian::service::roster::save_unit(
        &mut conn,
        nianjian::service::Env {
            catalog: &app.catalog,
            limits: &nianjian::ingest::workbook::Limits::default(),
            clock: nianjian::service::Clock::at(chrono::Utc::now()),
            plausibility: &nianjian::domain::plausibility::DEFAULT_RULES,
        },
        &nianjian::service::Actor::command_line(),
        &nianjian::service::roster::UnitView {
            code: "330102301".into(),
            name: "小营巷社区".into(),
            kind: "社区".into(),
            street: Some("小营街道".into()),
            contact_person: None,
            contact_phone: None,
        },
    )
    .expect("unit");
    drop(conn);
    app.add_unit_user("xiaoying", "330102301");

    let downloads = tempfile::tempdir().expect("downloads");
    let browser = Browser::start(downloads.path()).await;

    // Sign in: the unit lands on its own page.
    browser.go(&app.url("/")).await;
    browser.screenshot("01-login").await;
    browser.sign_in(&app, "xiaoying").await;
    browser.wait_for_url(|u| u.ends_with("/unit")).await;
    let text = browser.text().await;
    assert!(
        text.contains("小营巷社区") && text.contains("2012 年度年检"),
        "{text}"
    );
    browser.screenshot("02-unit-home").await;

    // Download the year's template, pre-filled for the unit.
    browser.click("a[href='/unit/template?year=2012']").await;
    let template = browser.downloaded(".xlsx").await;
    let bytes = std::fs::read(&template).expect("template");
    let basic = basic_facts(&bytes);
    for (label, value) in [
        ("单位名称", "小营巷社区"),
        ("单位代码", "330102301"),
        ("单位类型", "社区"),
        ("所属街道", "小营街道"),
        ("年度", "2012"),
    ] {
        assert_eq!(
            basic.get(label).map(String::as_str),
            Some(value),
            "{label} pre-filled: {basic:?}"
        );
    }

    // Upload a filled workbook: the score and tier show at once.
    let filled = downloads.path().join("filled.xlsx");
    std::fs::write(
        &filled,
        app.workbook(&Book {
            quality: 0.95,
            ..Book::default()
        }),
    )
    .expect("write");
    browser
        .type_into(
            "form[action='/unit/upload'] input[type=file]",
            &filled.display().to_string(),
        )
        .await;
    browser.click("form[action='/unit/upload'] button").await;
    let result = browser.wait_for_text("上传结果").await;
    assert!(
        result.contains("总分") && result.contains("等级"),
        "{result}"
    );
    let (_, list) = app
        .get(
            Some(&inspector),
            "/api/v1/assessments?year=2012&unit=330102301",
        )
        .await;
    let total = list["items"][0]["total"].as_f64().expect("stored");
    let shown = nianjian::domain::Decimal::from_f64(total)
        .expect("total")
        .to_string();
    assert!(
        result.contains(&shown),
        "the page shows the stored total {shown}: {result}"
    );
    browser.screenshot("03-unit-upload-result").await;

    // A broken workbook: every problem named by its cell, nothing stored.
    browser.go(&app.url("/unit")).await;
    // The year's version with a score off its step (1.3 where the step is 0.5).
    let made = tempfile::tempdir().expect("dir");
    let broken = made.path().join("自查表-有误.xlsx");
    let mut answers = helpers::full_marks(app.catalog.get("community@2013").expect("checklist"));
    answers.self_scores.insert(
        "C1".into(),
        nianjian::domain::ItemAnswer::Points(nianjian::domain::Points(130)),
    );
    std::fs::write(
        &broken,
        app.workbook_with(
            &Book {
                code: "330102301",
                name: "小营巷社区",
                street: "小营街道",
                ..Book::default()
            },
            answers,
        ),
    )
    .expect("write");
    browser
        .type_into(
            "form[action='/unit/upload'] input[type=file]",
            &broken.display().to_string(),
        )
        .await;
    browser.click("form[action='/unit/upload'] button").await;
    let refused = browser.wait_for_text("上传结果").await;
    assert!(
        refused.contains("自查评分!"),
        "the cell is named: {refused}"
    );
    assert!(refused.contains("未保存"), "{refused}");
    browser.screenshot("04-unit-upload-refused").await;

    // Its rectification orders.
    browser.go(&app.url("/unit/rectifications")).await;
    assert!(browser.text().await.contains("整改事项"));
    browser.screenshot("05-unit-rectifications").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // An inspector reviews the unit on site: the tier changes.
    let before = list["items"][0]["tier"]["code"].clone();
    assert_eq!(
        before, "province-model",
        "the upload reached the top tier: {list}"
    );
    browser.sign_in(&app, "inspector").await;
    browser.wait_for_url(|u| u.contains("/inspect")).await;
    browser.wait_for_text("年检").await;
    browser.screenshot("06-inspector-progress").await;
    browser
        .go(&app.url("/inspect/units/330102301?year=2012"))
        .await;
    browser.wait_for_text("小营巷社区").await;
    browser.screenshot("07-inspector-unit").await;
    // C3 (归档范围和保管期限表) is required for 省级示范.
    browser.type_into("input[name='item:C3']", "0").await;
    browser
        .type_into("input[name='reason:C3']", "现场未见审批件")
        .await;
    browser
        .type_into("form#review textarea[name=note]", "抽查：库房与制度")
        .await;
    browser.click("form#review button[type=submit]").await;
    // The page before the review may name the tier already: the reviewed
    // page is known by the reason shown with it.
    browser
        .wait_for_page("the reviewed result with its reason", |text| {
            text.contains("省级规范化档案室") && text.contains("现场未见审批件")
        })
        .await;
    browser.screenshot("08-inspector-reviewed").await;
    let (_, after) = app
        .get(
            Some(&inspector),
            "/api/v1/assessments?year=2012&unit=330102301",
        )
        .await;
    assert_eq!(after["items"][0]["tier"]["code"], "province-standard");
    assert_eq!(after["items"][0]["reviewed"], true);
    browser
        .go(&app.url("/inspect/rectifications?year=2012"))
        .await;
    browser.wait_for_text("整改").await;
    browser.screenshot("09-inspector-rectifications").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // A leader reads the dashboard and may not write.
    browser.sign_in(&app, "leader").await;
    browser.wait_for_url(|u| u.contains("/dashboard")).await;
    let dashboard = browser.wait_for_text("个社区中").await;
    assert!(
        dashboard.contains("个社区中"),
        "the bureau's sentence: {dashboard}"
    );
    browser.screenshot("10-leader-dashboard").await;
    browser
        .go(&app.url("/dashboard/units/330102301?year=2012"))
        .await;
    assert!(browser.text().await.contains("小营巷社区"));
    browser.screenshot("11-unit-card").await;
    // The report downloads: the district workbook through its link.
    browser.go(&app.url("/dashboard?year=2012")).await;
    browser.wait_for_text("报表下载").await;
    browser
        .click("#downloads a[href='/api/v1/reports/district.xlsx?year=2012']")
        .await;
    let summary = browser
        .downloaded_as(|n| n.contains("汇总") && n.ends_with(".xlsx"))
        .await;
    assert!(
        std::fs::read(&summary).expect("summary").starts_with(b"PK"),
        "the district workbook"
    );

    // Writes are refused: the inspector's upload page …
    browser.go(&app.url("/inspect/upload")).await;
    assert!(
        browser.wait_for_text("无权访问").await.contains("没有权限"),
        "a leader cannot upload"
    );
    browser.screenshot("12-leader-refused").await;
    // … and a form posted from the browser, signed in by its cookie, with
    // the page's own CSRF token: no page shows a leader a form that writes,
    // so the test makes one in the dashboard and submits it.
    browser.go(&app.url("/dashboard?year=2012")).await;
    browser.wait_for_text("报表下载").await;
    let sent = browser
        .execute(
            "const token = document.querySelector('form.who input[name=csrf]').value;\
             const form = document.createElement('form');\
             form.method = 'post';\
             form.action = '/inspect/samples';\
             for (const [name, value] of [['csrf', token], ['year', '2012'], ['count', '1'], ['seed', '7']]) {\
               const input = document.createElement('input');\
               input.type = 'hidden'; input.name = name; input.value = value;\
               form.appendChild(input);\
             }\
             document.body.appendChild(form);\
             form.submit();\
             return token;",
            json!([]),
        )
        .await;
    assert_eq!(
        sent.as_str().map(str::len),
        Some(32),
        "the page's CSRF token: {sent}"
    );
    browser
        .wait_for_url(|u| u.ends_with("/inspect/samples"))
        .await;
    let refused = browser.wait_for_text("没有权限").await;
    assert!(refused.contains("无权访问"), "{refused}");
    browser.screenshot("13-leader-post-refused").await;
    let (_, samples) = app.get(Some(&inspector), "/api/v1/samples").await;
    assert_eq!(
        samples["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was drawn: {samples}"
    );

    // On a phone (390 px wide) no page scrolls sideways: wide tables
    // scroll inside their own box.
    browser
        .call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": 390, "height": 844})),
        )
        .await;
    let phone_pages: [(&str, &[&str]); 4] = [
        ("xiaoying", &["/unit", "/unit/rectifications"]),
        (
            "inspector",
            &[
                "/inspect?year=2012",
                "/inspect/units/330102301?year=2012",
                "/inspect/rectifications?year=2012",
                "/inspect/samples",
                "/inspect/upload",
            ],
        ),
        (
            "admin",
            &["/admin", "/admin/campaigns", "/admin/units", "/admin/users"],
        ),
        ("leader", &["/dashboard?year=2012"]),
    ];
    let mut sideways = Vec::new();
    for (user, pages) in phone_pages {
        browser.call(reqwest::Method::DELETE, "/cookie", None).await;
        browser.sign_in(&app, user).await;
        browser.wait_for_url(|u| !u.contains("/login")).await;
        for page in pages {
            browser.go(&app.url(page)).await;
            browser.wait_for_text("档案").await;
            let widths = browser
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    json!([]),
                )
                .await;
            let (scroll, inner) = (
                widths[0].as_i64().unwrap_or(0),
                widths[1].as_i64().unwrap_or(0),
            );
            if scroll > inner {
                sideways.push(format!("{user} {page}: {scroll} > {inner}"));
                let name = format!("phone-{user}{}", page.replace(['/', '?', '='], "-"));
                browser.screenshot(&name).await;
            }
        }
    }
    assert!(
        sideways.is_empty(),
        "pages wider than a phone:\n{}",
        sideways.join("\n")
    );
}

/// 初审 in the browser: a street officer sends one item of an upload back,
/// the unit reads the note, fixes and uploads again, the officer accepts
/// and the bureau reviews.
#[actix_web::test]
async fn a_street_officer_sends_an_item_back_and_the_bureau_reviews_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    // 2012 opened by the bureau's upload for a neighbour on the same street.
    let (status, _) = app
        .upload(
            &inspector,
            "seed.xlsx",
            app.workbook(&Book {
                code: "330102302",
                name: "葵巷社区",
                ..Book::default()
            }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            Some(&app.login("admin").await),
            "/api/v1/units",
            json!({"code": "330102301", "name": "小营巷社区", "kind": "社区", "street": "小营街道"}),
        )
        .await;
    assert_eq!(status, 200);
    app.add_unit_user("xiaoying", "330102301");
    app.add_street_user("jiedao", "小营街道");

    let downloads = tempfile::tempdir().expect("downloads");
    let browser = Browser::start(downloads.path()).await;
    let upload = |seed: u64| {
        let path = downloads.path().join(format!("自查表-{seed}.xlsx"));
        std::fs::write(
            &path,
            app.workbook(&Book {
                quality: 0.95,
                seed,
                ..Book::default()
            }),
        )
        .expect("write");
        path.display().to_string()
    };

    // The unit uploads.
    browser.sign_in(&app, "xiaoying").await;
    browser.wait_for_url(|u| u.ends_with("/unit")).await;
    browser
        .type_into("form[action='/unit/upload'] input[type=file]", &upload(1))
        .await;
    browser.click("form[action='/unit/upload'] button").await;
    browser.wait_for_text("上传结果").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // The street officer lands on its street's page and sends A4 back.
    browser.sign_in(&app, "jiedao").await;
    browser.wait_for_url(|u| u.ends_with("/street")).await;
    let desk = browser.wait_for_text("待初审").await;
    assert!(
        desk.contains("小营巷社区") && desk.contains("葵巷社区"),
        "{desk}"
    );
    browser.screenshot("street-01-desk").await;
    browser.click("tr[data-code='330102301'] a.button").await;
    browser.wait_for_text("初审意见").await;
    browser.screenshot("street-02-check").await;
    browser
        .type_into(
            "input[name='item:A4']",
            "专职档案员的人数与花名册不一致，请核对",
        )
        .await;
    browser.click("button[value=return]").await;
    let back = browser.wait_for_text("已退回修改，该单位首页").await;
    assert!(back.contains("已退回修改"), "{back}");
    browser.screenshot("street-03-returned").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // The unit reads the note on its page, fixes and uploads again.
    browser.sign_in(&app, "xiaoying").await;
    browser.wait_for_url(|u| u.ends_with("/unit")).await;
    let home = browser.wait_for_text("街道初审").await;
    assert!(
        home.contains("已退回修改") && home.contains("A4") && home.contains("请核对"),
        "{home}"
    );
    browser.screenshot("street-04-unit-reads-note").await;
    browser
        .type_into("form[action='/unit/upload'] input[type=file]", &upload(2))
        .await;
    browser.click("form[action='/unit/upload'] button").await;
    browser.wait_for_text("上传结果").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // The officer accepts the new upload.
    browser.sign_in(&app, "jiedao").await;
    browser.wait_for_url(|u| u.ends_with("/street")).await;
    browser.wait_for_text("待初审").await;
    browser.click("tr[data-code='330102301'] a.button").await;
    browser.wait_for_text("初审意见").await;
    browser.click("button[value=accept]").await;
    let accepted = browser.wait_for_text("初审通过，等待区档案局审核").await;
    assert!(accepted.contains("初审通过"), "{accepted}");
    browser.screenshot("street-05-accepted").await;
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;

    // The bureau sees the first check and reviews.
    browser.sign_in(&app, "inspector").await;
    browser.wait_for_url(|u| u.contains("/inspect")).await;
    browser
        .go(&app.url("/inspect/units/330102301?year=2012"))
        .await;
    let unit = browser.wait_for_text("街道初审").await;
    assert!(unit.contains("初审通过"), "{unit}");
    browser
        .type_into("form#review textarea[name=note]", "初审后抽查，无改分")
        .await;
    browser.click("form#review button[type=submit]").await;
    browser.wait_for_text("复核已保存").await;
    browser.screenshot("street-06-reviewed").await;
    let (_, after) = app
        .get(
            Some(&inspector),
            "/api/v1/assessments?year=2012&unit=330102301",
        )
        .await;
    assert_eq!(after["items"][0]["reviewed"], true, "{after}");
    let submission = after["items"][0]["submission_id"].as_i64().expect("id");
    let (_, seen) = app
        .get(
            Some(&inspector),
            &format!("/api/v1/submissions/{submission}"),
        )
        .await;
    assert_eq!(seen["first_check"]["decision"], "accepted", "{seen}");

    // The officer's pages fit a phone (390 px) without scrolling sideways.
    browser.sign_out().await;
    browser.wait_for_url(|u| u.contains("/login")).await;
    browser
        .call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": 390, "height": 844})),
        )
        .await;
    browser.sign_in(&app, "jiedao").await;
    browser.wait_for_url(|u| u.ends_with("/street")).await;
    for page in [
        "/street".to_string(),
        format!("/street/checks/{submission}"),
        "/dashboard?year=2012".to_string(),
        "/dashboard/units/330102301/compare".to_string(),
    ] {
        browser.go(&app.url(&page)).await;
        browser.wait_for_text("档案").await;
        let widths = browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                json!([]),
            )
            .await;
        assert!(
            widths[0].as_i64() <= widths[1].as_i64(),
            "{page} scrolls sideways on a phone: {widths}"
        );
    }
    browser.screenshot("street-07-phone-compare").await;
}

/// An admin revises the checklist as the bureau does: exports last year's
/// version, edits it in "Excel", imports the draft, reads the changes and
/// the 2012 preview, publishes.
#[actix_web::test]
async fn an_admin_authors_previews_and_publishes_a_version_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let inspector = app.login("inspector").await;
    for (code, name, quality) in [
        ("330102301", "小营巷社区", 1.0),
        ("330102302", "葵巷社区", 0.9),
    ] {
        let book = Book {
            code,
            name,
            quality,
            ..Book::default()
        };
        let (status, body) = app
            .upload(&inspector, "seed.xlsx", app.workbook(&book))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let downloads = tempfile::tempdir().expect("downloads");
    let browser = Browser::start(downloads.path()).await;
    browser.go(&app.url("/")).await;
    browser.sign_in(&app, "admin").await;
    browser.wait_for_url(|u| u.ends_with("/inspect")).await;
    browser.go(&app.url("/admin")).await;
    browser.click("a[href='/admin/checklists']").await;
    browser.wait_for_text("导入草稿").await;
    browser.screenshot("20-admin-checklists").await;
    browser
        .click("a[href='/admin/checklists/community%402013']")
        .await;
    browser.wait_for_text("导出细则工作簿").await;
    browser
        .click("a[href='/admin/checklists/community%402013/workbook']")
        .await;
    let exported = std::fs::read(browser.downloaded(".xlsx").await).expect("workbook");

    let draft = edit(
        &exported,
        &[
            at(
                &exported,
                "基本信息",
                "项目",
                "版本",
                "内容",
                Cell::Text("2014"),
            ),
            at(
                &exported,
                "基本信息",
                "项目",
                "标题",
                "内容",
                Cell::Text("社区档案工作考核细则（2014版）"),
            ),
            at(
                &exported,
                "细则",
                "编号",
                "A3",
                "考核内容",
                Cell::Text("建立社区档案工作网络，绘制并公布档案管理网络图"),
            ),
            at(
                &exported,
                "等级",
                "编号",
                "province-model",
                "最低总分",
                Cell::Number("95"),
            ),
        ],
    );
    let path = downloads.path().join("社区细则2014.xlsx");
    std::fs::write(&path, draft).expect("write");
    browser.go(&app.url("/admin/checklists")).await;
    browser
        .type_into("#draft-form input[type=file]", &path.display().to_string())
        .await;
    browser.click("#draft-form button[type=submit]").await;
    // The list page's own help text names 修订对照 too: wait for the
    // draft's page, where the import leads.
    browser
        .wait_for_url(|url| url.contains("community%402014") || url.contains("community@2014"))
        .await;
    let version = browser.wait_for_text("修订对照").await;
    assert!(
        version.contains("草稿") && version.contains("95"),
        "{version}"
    );
    browser.screenshot("21-admin-draft").await;

    browser.click("#preview-form button[type=submit]").await;
    let preview = browser.wait_for_text("等级变动表").await;
    assert!(preview.contains("共 2 个单位"), "{preview}");
    browser.screenshot("22-admin-preview").await;

    browser
        .go(&app.url("/admin/checklists/community%402014"))
        .await;
    browser.wait_for_text("发布此版本").await;
    browser.click("#publish-form button[type=submit]").await;
    // The same address before and after: the page is known by its text.
    let published = browser
        .wait_for_page("“已发布” without “发布此版本”", |text| {
            text.contains("已发布") && !text.contains("发布此版本")
        })
        .await;
    assert!(published.contains("community@2014"), "{published}");
    browser.screenshot("23-admin-published").await;
}

/// The 基本情况 sheet of a self-check workbook: each label and the value in
/// the cell to its right, as text.
fn basic_facts(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let range = book.worksheet_range("基本情况").expect("基本情况");
    let text: std::collections::HashMap<(usize, usize), String> = range
        .cells()
        .map(|(r, c, v)| ((r, c), v.to_string().trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    text.iter()
        .filter_map(|((r, c), label)| {
            let value = text.get(&(*r, c + 1))?;
            Some((label.clone(), value.clone()))
        })
        .collect()
}
