//! Whether a request came over HTTPS, and from which address, when a
//! reverse proxy may stand in front. The forwarded headers are believed
//! only with `[http] trusted_proxy = true`: without a proxy that sets them,
//! any client could write them.

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};

use super::{AppState, Settings};

/// Whether cookies set in answer to `req` get `Secure`: always when so
/// configured (TLS here or at the proxy), else when a trusted proxy says
/// the client spoke HTTPS.
pub fn is_secure(req: &HttpRequest, settings: &Settings) -> bool {
    settings.secure_cookies || (settings.trusted_proxy && forwarded_https(req))
}

/// `X-Forwarded-Proto: https` (the last value, the one our proxy wrote).
fn forwarded_https(req: &HttpRequest) -> bool {
    last_value(req, "x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The last comma-separated value of a header (a proxy appends its own).
fn last_value(req: &HttpRequest, name: &str) -> Option<String> {
    let all: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    all.last()?
        .rsplit(',')
        .next()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The caller's address: the peer's, or behind a trusted proxy the last hop
/// of `X-Forwarded-For` (what the proxy saw; the hops before it are the
/// client's to write).
pub fn client_address(req: &HttpRequest, settings: Option<&Settings>) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    if !settings.is_some_and(|s| s.trusted_proxy) {
        return peer;
    }
    last_value(req, "x-forwarded-for")
        .and_then(|hop| hop.parse::<IpAddr>().ok())
        .map(|ip| ip.to_string())
        .or(peer)
}

/// Adds `Secure` to every cookie of an answer to a secure request (see
/// [`is_secure`]), wherever it was set.
pub async fn mark_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| is_secure(req.request(), &state.settings));
    let mut response = next.call(req).await?;
    if secure {
        let headers = response.headers_mut();
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            headers.remove(header::SET_COOKIE);
            for cookie in cookies {
                headers.append(header::SET_COOKIE, with_secure(cookie));
            }
        }
    }
    Ok(response)
}

fn with_secure(cookie: HeaderValue) -> HeaderValue {
    let text = cookie.to_str().unwrap_or("");
    let already = text
        .split(';')
        .any(|part| part.trim().eq_ignore_ascii_case("secure"));
    if already || text.is_empty() {
        return cookie;
    }
    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn settings(secure_cookies: bool, trusted_proxy: bool) -> Settings {
        Settings {
            secure_cookies,
            trusted_proxy,
            ..Settings::default()
        }
    }

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let peer = "10.0.0.1:5000".parse().expect("addr");
        let forwarded = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("X-Forwarded-For", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        let plain = TestRequest::default().peer_addr(peer).to_http_request();
        // (settings, request, secure, address)
        let table = [
            (settings(false, false), &forwarded, false, "10.0.0.1"),
            (settings(false, true), &forwarded, true, "203.0.113.7"),
            (settings(true, false), &plain, true, "10.0.0.1"),
            (settings(false, true), &plain, false, "10.0.0.1"),
        ];
        for (n, (s, req, secure, address)) in table.iter().enumerate() {
            assert_eq!(is_secure(req, s), *secure, "row {n}");
            assert_eq!(
                client_address(req, Some(s)).as_deref(),
                Some(*address),
                "row {n}"
            );
        }
        let garbage = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", "not-an-address"))
            .to_http_request();
        assert_eq!(
            client_address(&garbage, Some(&settings(false, true))).as_deref(),
            Some("10.0.0.1")
        );
    }

    #[test]
    fn secure_is_added_once() {
        let add = |text: &'static str| {
            with_secure(HeaderValue::from_static(text))
                .to_str()
                .expect("text")
                .to_string()
        };
        assert_eq!(
            add("a=1; Path=/; HttpOnly"),
            "a=1; Path=/; HttpOnly; Secure"
        );
        assert_eq!(add("a=1; Secure; HttpOnly"), "a=1; Secure; HttpOnly");
    }
}
