//! A browser-like client for the pages: a cookie store, the Accept header
//! a followed link sends, forms posted as a browser posts them.

use reqwest::multipart::{Form, Part};

use crate::helpers::{PASSWORD, TestApp};

// ------------------------------------------------------------ the browser

/// One person's browser: its own cookies, following redirects.
pub(super) struct Browser {
    pub(super) client: reqwest::Client,
    pub(super) base: String,
}

/// A page as received.
pub(super) struct Got {
    pub(super) status: u16,
    pub(super) url: String,
    pub(super) html: String,
}

impl Got {
    /// The id of the first rectification order the unit's list links to.
    pub(super) fn first_unit_order(&self) -> String {
        self.html
            .split("href=\"/unit/rectifications/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no order linked on {}", self.url))
            .to_string()
    }

    /// The CSRF field of the page's forms.
    pub(super) fn csrf(&self) -> String {
        field_value(&self.html, "csrf").unwrap_or_else(|| panic!("no csrf field on {}", self.url))
    }

    #[track_caller]
    pub(super) fn assert(&self, status: u16, texts: &[&str]) {
        assert_eq!(
            self.status, status,
            "{} answered {}:\n{}",
            self.url, self.status, self.html
        );
        for t in texts {
            assert!(
                self.html.contains(t),
                "{} lacks {t:?}:\n{}",
                self.url,
                self.html
            );
        }
    }

    /// The text inside the element with this id (up to its first tag).
    pub(super) fn by_id(&self, id: &str) -> String {
        let marker = format!("id=\"{id}\"");
        let at = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no #{id} on {}:\n{}", self.url, self.html));
        let rest = &self.html[at..];
        let start = rest.find('>').expect("tag ends") + 1;
        let end = rest[start..].find('<').expect("text ends");
        rest[start..start + end].trim().to_string()
    }
}

/// The value of the first `<input name="NAME" value="…">` on a page.
pub(super) fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// application/x-www-form-urlencoded, as a browser sends a form.
pub(super) fn urlencoded(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    char::from(b).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Browser {
    pub(super) fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                // See helpers::client: no reuse of a connection the server
                // may be closing.
                .pool_idle_timeout(std::time::Duration::from_secs(1))
                // What a browser sends when a link is followed.
                .default_headers(
                    [(
                        reqwest::header::ACCEPT,
                        reqwest::header::HeaderValue::from_static(
                            "text/html,application/xhtml+xml,*/*;q=0.8",
                        ),
                    )]
                    .into_iter()
                    .collect(),
                )
                .build()
                .expect("client"),
            base: app.address.clone(),
        }
    }

    pub(super) async fn got(response: reqwest::Response) -> Got {
        Got {
            status: response.status().as_u16(),
            url: response.url().to_string(),
            // Handlebars writes `=` in attributes as `&#x3D;`, which browsers read as `=`.
            html: response.text().await.expect("body").replace("&#x3D;", "="),
        }
    }

    pub(super) async fn get(&self, path: &str) -> Got {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        Browser::got(response).await
    }

    pub(super) async fn bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        let disposition = response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (
            status,
            disposition,
            response.bytes().await.expect("bytes").to_vec(),
        )
    }

    pub(super) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Got {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(urlencoded(fields))
            .send()
            .await
            .expect("post");
        Browser::got(response).await
    }

    pub(super) async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(String, Vec<u8>)>,
    ) -> Got {
        let mut form = Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in files {
            form = form.part("file", Part::bytes(bytes).file_name(name));
        }
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("multipart post");
        Browser::got(response).await
    }
}

/// Signs in through the login form and lands on the role's home page.
pub(super) async fn sign_in(app: &TestApp, username: &str) -> (Browser, Got) {
    sign_in_with(app, username, PASSWORD).await
}

pub(super) async fn sign_in_with(app: &TestApp, username: &str, password: &str) -> (Browser, Got) {
    let browser = Browser::new(app);
    let form = browser.get("/login").await;
    form.assert(200, &["登录"]);
    let token = field_value(&form.html, "login_csrf").expect("login csrf field");
    let home = browser
        .post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", ""),
                ("login_csrf", &token),
                ("district", app.district.as_deref().unwrap_or("")),
            ],
        )
        .await;
    assert_eq!(home.status, 200, "{username} signs in: {}", home.html);
    assert!(!home.url.ends_with("/login"), "{username} stayed on login");
    (browser, home)
}
