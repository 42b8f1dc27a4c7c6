//! Conditional GETs of lists and reports: a weak ETag from the route, the
//! query, the caller's credential and the data version (数据版本); a
//! request whose `If-None-Match` still matches is answered 304 with no
//! body, before its handler (and its query) runs. `Cache-Control: private,
//! no-cache` makes browsers ask again every time, which then costs two
//! primary-key reads (the caller's session and the data version). What
//! it read is left to the request ([`Viewed`]): the caller for [`Auth`]
//! and the version for kept answers, so neither is read twice.
//!
//! [`Auth`]: super::auth::Auth

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::service::{Clock, freshness};

/// Who asked and the data version, as the middleware read them (before
/// the answer): in the request's extensions for the extractors after it.
#[derive(Clone, Debug)]
pub struct Viewed {
    /// The bearer token or session cookie the caller was found by.
    pub credential: String,
    pub actor: crate::service::Actor,
    pub version: i64,
}

/// Answers that change only with the data version (and the day: overdue
/// days). Lists whose rows move without an audited write (the audit log,
/// accounts, campaigns open by the hour) are not here.
pub(crate) fn revalidated(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/api/v1/assessments",
        "/api/v1/rectifications",
        "/api/v1/rectifications/counts",
        "/api/v1/units",
        "/api/v1/reports/district",
        "/api/v1/reports/district.xlsx",
        "/api/v1/reports/district.html",
        "/dashboard",
    ];
    EXACT.contains(&path)
        || (path.starts_with("/api/v1/units/") && path.ends_with("/card.html"))
        || path.starts_with("/dashboard/streets/")
        || path.starts_with("/dashboard/units/")
}

/// What an answer is a function of, hashed: the credential keeps one
/// caller's tag from matching another's (and a page's CSRF token, derived
/// from the session, from outliving it).
pub fn tag(parts: &[&str], version: i64, today: chrono::NaiveDate) -> String {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION"));
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.update(version.to_le_bytes());
    hash.update(today.to_string());
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// `If-None-Match` names `tag` (weak comparison). `*` is not honoured:
/// only a tag this server gave with a 200 for the same request can spare
/// a request its handler, so a request it would refuse is never a 304.
pub fn matches(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let wanted = opaque(tag);
    if_none_match.split(',').any(|t| opaque(t) == wanted)
}

/// The middleware (see the module's comment); other requests pass by.
pub async fn revalidate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let credential = super::tenant::credential(req.request());
    let base = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(credential), Some(base), true) = (
        credential,
        base,
        req.method() == Method::GET && revalidated(req.path()),
    ) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // The request's district, for revalidated routes only: the others'
    // extractors find it themselves.
    let Ok(state) = base.of_request(req.request()).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let clock = Clock::at_in(chrono::Utc::now(), state.settings.zone);
    let lookup = credential.clone();
    // A credential no longer valid gets no 304: its handler answers it.
    let Ok((actor, version)) = state
        .run_bare(move |conn| freshness::viewer_and_version(conn, &lookup, clock))
        .await
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let etag = tag(
        &[req.path(), req.query_string(), accept, &credential],
        version,
        clock.today,
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches(v, &etag));
    if fresh {
        let answer = HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish();
        return Ok(req.into_response(answer));
    }
    req.extensions_mut().insert(Viewed {
        credential,
        actor,
        version,
    });
    let mut response = next.call(req).await?;
    if response.status() == StatusCode::OK
        && let Ok(value) = header::HeaderValue::from_str(&etag)
    {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, value);
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(response.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2013, 3, 1).unwrap()
    }

    #[test]
    fn a_tag_moves_with_the_version_the_day_and_the_caller() {
        let t = tag(&["/api/v1/units", "", "", "token-a"], 7, day());
        assert!(t.starts_with("W/\"") && t.ends_with('"'));
        assert_eq!(t, tag(&["/api/v1/units", "", "", "token-a"], 7, day()));
        assert_ne!(t, tag(&["/api/v1/units", "", "", "token-a"], 8, day()));
        assert_ne!(t, tag(&["/api/v1/units", "", "", "token-b"], 7, day()));
        assert_ne!(
            t,
            tag(&["/api/v1/units", "page=2", "", "token-a"], 7, day())
        );
        let tomorrow = day().succ_opt().unwrap();
        assert_ne!(t, tag(&["/api/v1/units", "", "", "token-a"], 7, tomorrow));
        // Parts are delimited by their lengths, not run together.
        assert_ne!(tag(&["ab", "c"], 1, day()), tag(&["a", "bc"], 1, day()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_in_lists() {
        let t = "W/\"abc\"";
        assert!(matches("W/\"abc\"", t));
        assert!(matches("\"abc\"", t));
        assert!(matches("\"x\", W/\"abc\"", t));
        assert!(
            !matches("*", t),
            "a wildcard could spare a request it would refuse"
        );
        assert!(!matches("W/\"abd\"", t));
        assert!(!matches("", t));
    }

    #[test]
    fn only_lists_and_reports_are_revalidated() {
        assert!(revalidated("/api/v1/assessments"));
        assert!(revalidated("/api/v1/units/330102301/card.html"));
        assert!(revalidated("/dashboard/streets/小营街道"));
        assert!(!revalidated("/api/v1/audit"));
        assert!(!revalidated("/api/v1/users"));
        assert!(!revalidated("/api/v1/units/330102301"));
    }
}
