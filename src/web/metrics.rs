//! Prometheus metrics (运行指标) at `GET /metrics`, text format 0.0.4, and
//! the per-request middleware that counts and logs every answer.
//!
//! The registry is written here rather than taken from a crate: a few
//! counters and one histogram are about a hundred lines, while
//! `prometheus-client` writes OpenMetrics rather than 0.0.4 and
//! `metrics-exporter-prometheus` keeps one recorder for the whole process,
//! which the tests (many servers in one process) would share.
//!
//! Routes are counted by their pattern (`/api/v1/units/{code}`), never the
//! path asked for, so that the label set stays small whatever is requested.

use crate::web::tenant::State;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The label of requests no route matched (404s of any path).
const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative).
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// What the service has done since it started.
pub struct Metrics {
    /// Process start, seconds since the epoch.
    started: f64,
    /// (method, route, status class) → answers.
    requests: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    uploads_accepted: AtomicU64,
    uploads_refused: AtomicU64,
    parse_failures: AtomicU64,
    /// Numbers the requests for the log (`request_id`).
    next_request: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            started: chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
            requests: Mutex::default(),
            latency: Mutex::default(),
            uploads_accepted: AtomicU64::new(0),
            uploads_refused: AtomicU64::new(0),
            parse_failures: AtomicU64::new(0),
            next_request: AtomicU64::new(1),
        }
    }
}

/// A poisoned lock still holds whole counts (nothing panics while holding it).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A label value as the text format writes it.
fn escaped(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Database pool connections, as the store reports them.
pub struct PoolUse {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((method.to_string(), route.to_string(), status_class(status)))
            .or_default() += 1;
        let mut latency = lock(&self.latency);
        let h = latency.entry(route.to_string()).or_default();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            h.buckets[i] += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// One uploaded file's outcome.
    pub fn upload(&self, accepted: bool) {
        let counter = if accepted {
            &self.uploads_accepted
        } else {
            &self.uploads_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A workbook the reader refused (unreadable, or not filled in as its
    /// checklist requires).
    pub fn parse_failure(&self) {
        self.parse_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The text Prometheus scrapes.
    pub fn render(&self, pool: &PoolUse) -> String {
        let mut out = String::from(
            "# HELP nianjian_http_requests_total HTTP answers by method, route pattern and status class.\n\
             # TYPE nianjian_http_requests_total counter\n",
        );
        for ((method, route, class), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "nianjian_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{class}\"}} {n}",
                escaped(method),
                escaped(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nianjian_http_request_duration_seconds Time to answer, by route pattern.\n\
             # TYPE nianjian_http_request_duration_seconds histogram"
        );
        for (route, h) in lock(&self.latency).iter() {
            let route = escaped(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "nianjian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "nianjian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 nianjian_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 nianjian_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }

        let counter = |out: &mut String, name: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{value}");
        };
        counter(
            &mut out,
            "nianjian_uploads_total",
            "Uploaded workbooks, accepted or refused.",
            format!(
                "nianjian_uploads_total{{outcome=\"accepted\"}} {}\nnianjian_uploads_total{{outcome=\"refused\"}} {}",
                self.uploads_accepted.load(Ordering::Relaxed),
                self.uploads_refused.load(Ordering::Relaxed)
            ),
        );
        counter(
            &mut out,
            "nianjian_workbook_parse_failures_total",
            "Workbooks the reader refused (unreadable or not filled in as the checklist requires).",
            format!(
                "nianjian_workbook_parse_failures_total {}",
                self.parse_failures.load(Ordering::Relaxed)
            ),
        );
        let _ = writeln!(
            out,
            "# HELP nianjian_db_pool_connections Database pool connections by state.\n\
             # TYPE nianjian_db_pool_connections gauge\n\
             nianjian_db_pool_connections{{state=\"in_use\"}} {}\n\
             nianjian_db_pool_connections{{state=\"idle\"}} {}\n\
             # HELP nianjian_db_pool_max_connections Most connections the pool opens.\n\
             # TYPE nianjian_db_pool_max_connections gauge\n\
             nianjian_db_pool_max_connections {}\n\
             # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n\
             # TYPE process_start_time_seconds gauge\n\
             process_start_time_seconds {}",
            pool.in_use, pool.idle, pool.max, self.started
        );
        out
    }
}

/// `GET /metrics`: 404 when `[http] metrics = false`.
pub async fn scrape(state: State) -> HttpResponse {
    if !state.settings.metrics {
        return HttpResponse::NotFound().finish();
    }
    let pool = state.db.pool_use();
    let pool = PoolUse {
        in_use: pool.connections.saturating_sub(pool.idle),
        idle: pool.idle,
        max: pool.max,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&pool))
}

/// Every request: numbered (`X-Request-Id` on the answer), counted by route
/// pattern, and logged once answered — method, route, status, time taken.
pub async fn count_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let id = state.as_ref().map_or(0, |s| {
        s.metrics.next_request.fetch_add(1, Ordering::Relaxed)
    });
    let method = req.method().to_string();
    let path = req.path().to_string();
    let mut response = next.call(req).await?;
    let status = response.status().as_u16();
    // An error answer is still an answer: its status is what the client saw.
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED.to_string());
    let elapsed = started.elapsed();
    if let Some(state) = &state {
        state
            .metrics
            .observe(&method, &route, status, elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    tracing::info!(
        request_id = id,
        method = %method,
        route = %route,
        path = %path,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_as_the_text_format() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/units/{code}", 200, 0.003);
        m.observe("GET", "/api/v1/units/{code}", 404, 0.2);
        m.observe("POST", "/a\"b", 500, 100.0);
        m.upload(true);
        m.upload(false);
        m.upload(false);
        m.parse_failure();
        let text = m.render(&PoolUse {
            in_use: 1,
            idle: 2,
            max: 8,
        });
        for line in [
            "nianjian_http_requests_total{method=\"GET\",route=\"/api/v1/units/{code}\",status=\"2xx\"} 1",
            "nianjian_http_requests_total{method=\"GET\",route=\"/api/v1/units/{code}\",status=\"4xx\"} 1",
            "nianjian_http_requests_total{method=\"POST\",route=\"/a\\\"b\",status=\"5xx\"} 1",
            "nianjian_http_request_duration_seconds_bucket{route=\"/api/v1/units/{code}\",le=\"0.005\"} 1",
            "nianjian_http_request_duration_seconds_bucket{route=\"/api/v1/units/{code}\",le=\"0.25\"} 2",
            "nianjian_http_request_duration_seconds_bucket{route=\"/a\\\"b\",le=\"30\"} 0",
            "nianjian_http_request_duration_seconds_bucket{route=\"/a\\\"b\",le=\"+Inf\"} 1",
            "nianjian_http_request_duration_seconds_count{route=\"/api/v1/units/{code}\"} 2",
            "nianjian_uploads_total{outcome=\"accepted\"} 1",
            "nianjian_uploads_total{outcome=\"refused\"} 2",
            "nianjian_workbook_parse_failures_total 1",
            "nianjian_db_pool_connections{state=\"in_use\"} 1",
            "nianjian_db_pool_connections{state=\"idle\"} 2",
            "nianjian_db_pool_max_connections 8",
            "# TYPE nianjian_http_request_duration_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        assert!(text.contains("process_start_time_seconds "));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().expect("value");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
