//! HTML pages from the report models: the leadership dashboard (and a
//! street's page), a unit's report card, the 整改通知书.
//!
//! Handlebars in strict mode: a template that names a field the data does not
//! have fails instead of printing nothing. The templates are embedded from
//! `report-templates/`; a bureau restyles without rebuilding by putting a file
//! of the same name in an override folder (`report-templates/README.md`).
//!
//! Pages run no script and load nothing: the CSS is inlined, charts are SVG
//! drawn by `svg.rs`, links are relative. Values are escaped by handlebars
//! (`{{ }}`); the only raw insertions (`{{{ }}}`) are the charts, whose text
//! `svg.rs` escapes itself, and the CSS, which comes from the bureau.

use std::path::Path;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonValue, Output, RenderContext,
    RenderError, RenderErrorReason, ScopedJson, TemplateError, TemplateErrorReason,
};
use serde::Serialize;

use super::ReportError;
use super::model::{
    self, DistrictReport, InputStat, ItemFacts, LostItem, NO_TIER, NOT_SUBMITTED, Notice,
    NoticeLine, OrderFacts, PublicationNote, Tier, TierCounts, TrendYear, UnitCard, UnitLine,
};
use super::svg::{self, Bar, Paint, Series};
use crate::domain::Points;
use crate::domain::rectification::State;

/// The embedded templates: (name, text). A name is the path under
/// `report-templates/` without `.hbs`.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "partials/layout",
        include_str!("../../report-templates/partials/layout.hbs"),
    ),
    (
        "partials/tier-table",
        include_str!("../../report-templates/partials/tier-table.hbs"),
    ),
    (
        "partials/tier-row",
        include_str!("../../report-templates/partials/tier-row.hbs"),
    ),
    (
        "partials/notice",
        include_str!("../../report-templates/partials/notice.hbs"),
    ),
    (
        "partials/notice-sign",
        include_str!("../../report-templates/partials/notice-sign.hbs"),
    ),
    (
        "dashboard",
        include_str!("../../report-templates/dashboard.hbs"),
    ),
    (
        "unit-card",
        include_str!("../../report-templates/unit-card.hbs"),
    ),
    (
        "rectification-notice",
        include_str!("../../report-templates/rectification-notice.hbs"),
    ),
    (
        "rectification-notices",
        include_str!("../../report-templates/rectification-notices.hbs"),
    ),
    (
        "checklist-diff",
        include_str!("../../report-templates/checklist-diff.hbs"),
    ),
    (
        "partials/checklist-diff",
        include_str!("../../report-templates/partials/checklist-diff.hbs"),
    ),
    // The application's pages (src/web/pages).
    (
        "pages/pager",
        include_str!("../../report-templates/pages/pager.hbs"),
    ),
    (
        "pages/layout",
        include_str!("../../report-templates/pages/layout.hbs"),
    ),
    (
        "pages/login",
        include_str!("../../report-templates/pages/login.hbs"),
    ),
    (
        "pages/unit",
        include_str!("../../report-templates/pages/unit.hbs"),
    ),
    (
        "pages/compare",
        include_str!("../../report-templates/pages/compare.hbs"),
    ),
    (
        "pages/street",
        include_str!("../../report-templates/pages/street.hbs"),
    ),
    (
        "pages/street-check",
        include_str!("../../report-templates/pages/street-check.hbs"),
    ),
    (
        "pages/inspect-peer",
        include_str!("../../report-templates/pages/inspect-peer.hbs"),
    ),
    (
        "pages/inspect-peer-figures",
        include_str!("../../report-templates/pages/inspect-peer-figures.hbs"),
    ),
    (
        "pages/unit-peer",
        include_str!("../../report-templates/pages/unit-peer.hbs"),
    ),
    (
        "pages/unit-peer-review",
        include_str!("../../report-templates/pages/unit-peer-review.hbs"),
    ),
    (
        "pages/reminders",
        include_str!("../../report-templates/pages/reminders.hbs"),
    ),
    (
        "pages/city",
        include_str!("../../report-templates/pages/city.hbs"),
    ),
    (
        "pages/unit-upload",
        include_str!("../../report-templates/pages/unit-upload.hbs"),
    ),
    (
        "pages/unit-orders",
        include_str!("../../report-templates/pages/unit-orders.hbs"),
    ),
    (
        "pages/unit-order",
        include_str!("../../report-templates/pages/unit-order.hbs"),
    ),
    (
        "pages/inspect-progress",
        include_str!("../../report-templates/pages/inspect-progress.hbs"),
    ),
    (
        "pages/inspect-unit",
        include_str!("../../report-templates/pages/inspect-unit.hbs"),
    ),
    (
        "pages/inspect-upload",
        include_str!("../../report-templates/pages/inspect-upload.hbs"),
    ),
    (
        "pages/inspect-samples",
        include_str!("../../report-templates/pages/inspect-samples.hbs"),
    ),
    (
        "pages/inspect-rectifications",
        include_str!("../../report-templates/pages/inspect-rectifications.hbs"),
    ),
    (
        "pages/inspect-order",
        include_str!("../../report-templates/pages/inspect-order.hbs"),
    ),
    (
        "pages/admin",
        include_str!("../../report-templates/pages/admin.hbs"),
    ),
    (
        "pages/admin-users",
        include_str!("../../report-templates/pages/admin-users.hbs"),
    ),
    (
        "pages/admin-deliveries",
        include_str!("../../report-templates/pages/admin-deliveries.hbs"),
    ),
    (
        "pages/admin-units",
        include_str!("../../report-templates/pages/admin-units.hbs"),
    ),
    (
        "pages/admin-campaigns",
        include_str!("../../report-templates/pages/admin-campaigns.hbs"),
    ),
    (
        "pages/admin-checklists",
        include_str!("../../report-templates/pages/admin-checklists.hbs"),
    ),
    (
        "pages/admin-checklist",
        include_str!("../../report-templates/pages/admin-checklist.hbs"),
    ),
    (
        "pages/admin-preview",
        include_str!("../../report-templates/pages/admin-preview.hbs"),
    ),
    (
        "pages/admin-publication",
        include_str!("../../report-templates/pages/admin-publication.hbs"),
    ),
];

/// The application pages' own style, beside report.css.
const APP_CSS: &str = include_str!("../../report-templates/app.css");

/// The page style, inlined into every page by the `report_css` helper.
const CSS: &str = include_str!("../../report-templates/report.css");
const CSS_FILE: &str = "report.css";

/// The dashboard lists this many items that lose most points (and
/// `model::DASHBOARD_OVERDUE` overdue orders).
const DASHBOARD_LOST: usize = 10;

/// Where pages link to, as patterns; a page without a pattern shows no link.
///
/// Placeholders: `{year}` in each; `{street}` (the street's name) in
/// `street`; `{code}` (the unit code) in `unit`. Values are percent-encoded.
/// Only relative links are kept (`streets/{street}.html`,
/// `/reports/{year}/units/{code}`): a pattern with a scheme or starting with
/// `//` is dropped with a warning, so pages never point off the intranet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub district: Option<String>,
    pub street: Option<String>,
    pub unit: Option<String>,
}

impl Links {
    /// Pages written as files into one folder: `index.html`,
    /// `street-<street>.html`, `unit-<code>.html`. One folder because a
    /// pattern is used as written on every page: a card in `units/` could not
    /// reach `index.html` with the pattern the district page uses. (Web pages
    /// use root-relative patterns, `/…`, which work from anywhere.)
    pub fn files() -> Links {
        Links {
            district: Some("index.html".into()),
            street: Some("street-{street}.html".into()),
            unit: Some("unit-{code}.html".into()),
        }
    }

    fn district(&self, year: i32) -> Option<String> {
        self.district.as_deref().map(|p| fill(p, year, "", ""))
    }

    fn street(&self, year: i32, street: &str) -> Option<String> {
        self.street
            .as_deref()
            .map(|p| fill(p, year, "{street}", street))
    }

    fn unit(&self, year: i32, code: &str) -> Option<String> {
        self.unit.as_deref().map(|p| fill(p, year, "{code}", code))
    }
}

fn fill(pattern: &str, year: i32, placeholder: &str, value: &str) -> String {
    let out = pattern.replace("{year}", &year.to_string());
    if placeholder.is_empty() {
        out
    } else {
        out.replace(placeholder, &encode(value))
    }
}

/// Percent-encodes everything but unreserved ASCII, for a path segment or a
/// query value alike.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A link pattern that stays on the same site: no scheme, not `//host`.
fn is_relative(pattern: &str) -> bool {
    let head = pattern.split(['/', '?', '#']).next().unwrap_or("");
    !pattern.is_empty()
        && !pattern.starts_with("//")
        && !pattern.starts_with('\\')
        && !pattern
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !head.contains(':')
}

/// The HTML renderer: a handlebars registry in strict mode with the embedded
/// templates (or the bureau's), the helpers, and where pages link to.
#[derive(Clone, Debug)]
pub struct Html {
    hb: Handlebars<'static>,
    links: Links,
}

impl Html {
    /// Templates embedded in the binary from report-templates/, each
    /// overridable by a file of the same name in `override_dir`
    /// (`dashboard.hbs`, `partials/layout.hbs`, `report.css`, …); other
    /// `.hbs` files there are registered too. A missing folder is an error.
    pub fn new(override_dir: Option<&Path>) -> Result<Html, ReportError> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        for (name, text) in TEMPLATES {
            hb.register_template_string(name, *text)?;
        }
        let mut css = CSS.to_string();
        if let Some(dir) = override_dir {
            for (name, path) in override_templates(dir)? {
                hb.register_template_file(&name, &path)?;
            }
            let path = dir.join(CSS_FILE);
            if path.is_file() {
                css = std::fs::read_to_string(&path).map_err(|e| io_error(e, &path))?;
            }
        }
        if css.to_ascii_lowercase().contains("</style") {
            return Err(TemplateError::of(TemplateErrorReason::InvalidSyntax(
                "report.css 不能包含 </style>".into(),
            ))
            .in_template(CSS_FILE.into())
            .into());
        }
        hb.register_helper("report_css", Box::new(CssHelper(css)));
        hb.register_helper("app_css", Box::new(CssHelper(APP_CSS.to_string())));
        hb.register_helper("points", Box::new(Format::POINTS));
        hb.register_helper("percent", Box::new(Format::PERCENT));
        hb.register_helper("signed", Box::new(Format::SIGNED));
        hb.register_helper("url", Box::new(url_component));
        hb.register_helper(
            "local",
            Box::new(LocalTime(crate::domain::local_time::Zone::default())),
        );
        Ok(Html {
            hb,
            links: Links::default(),
        })
    }

    /// Times in templates (`{{local at}}`) shown in this zone.
    pub fn with_zone(mut self, zone: crate::domain::local_time::Zone) -> Html {
        self.hb.register_helper("local", Box::new(LocalTime(zone)));
        self
    }

    /// Where the pages link to (none by default). Patterns that are not
    /// relative are dropped with a warning.
    pub fn with_links(mut self, links: Links) -> Html {
        let keep = |what: &str, pattern: Option<String>| {
            pattern.filter(|p| {
                let ok = is_relative(p);
                if !ok {
                    tracing::warn!(pattern = %p, "{what} link is not relative; pages will not link there");
                }
                ok
            })
        };
        self.links = Links {
            district: keep("district", links.district),
            street: keep("street", links.street),
            unit: keep("unit", links.unit),
        };
        self
    }

    /// The leadership dashboard; a street's page (listing its units) when
    /// `report.street` is set.
    pub fn dashboard(&self, report: &DistrictReport) -> Result<String, ReportError> {
        self.render("dashboard", &dashboard_view(report, &self.links, None))
    }

    /// The dashboard of one of several districts, named (for the city).
    pub fn named_dashboard(
        &self,
        report: &DistrictReport,
        district: &str,
    ) -> Result<String, ReportError> {
        self.render(
            "dashboard",
            &dashboard_view(report, &self.links, Some(district)),
        )
    }

    /// A unit's report card.
    pub fn unit_card(&self, card: &UnitCard) -> Result<String, ReportError> {
        self.render("unit-card", &card_view(card, &self.links))
    }

    /// One 整改通知书, an A4 page when printed.
    pub fn notice(&self, notice: &Notice) -> Result<String, ReportError> {
        self.render(
            "rectification-notice",
            &NoticeView {
                title: format!("整改通知书 · {}", notice.unit_name),
                notice: NoticePrint::of(notice),
            },
        )
    }

    /// Many 整改通知书 in one document, one A4 page each, to print at once.
    pub fn notices(&self, notices: &[Notice]) -> Result<String, ReportError> {
        let years: std::collections::BTreeSet<i32> = notices.iter().map(|n| n.year).collect();
        let years: Vec<String> = years.iter().map(ToString::to_string).collect();
        self.render(
            "rectification-notices",
            &NoticesView {
                title: format!(
                    "{} 年度整改通知书（{} 份）",
                    years.join("、"),
                    notices.len()
                ),
                notices: notices.iter().map(NoticePrint::of).collect(),
            },
        )
    }

    /// Renders any registered template with any serialisable data.
    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, ReportError> {
        Ok(self.hb.render(name, data)?)
    }
}

fn io_error(e: std::io::Error, path: &Path) -> TemplateError {
    TemplateError::of(TemplateErrorReason::IoError(e, path.display().to_string()))
}

/// The `.hbs` files under `dir` as (template name, path): the name is the
/// relative path without `.hbs`, `/`-separated. Hidden files are skipped.
fn override_templates(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, TemplateError> {
    if !std::fs::metadata(dir)
        .map_err(|e| io_error(e, dir))?
        .is_dir()
    {
        return Err(io_error(std::io::ErrorKind::NotADirectory.into(), dir));
    }
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| io_error(e, &folder))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(e, &folder))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| io_error(e, &path))?;
            if kind.is_dir() {
                pending.push((path, format!("{prefix}{name}/")));
            } else if let Some(stem) = name.strip_suffix(".hbs")
                && path.is_file()
            {
                found.push((format!("{prefix}{stem}"), path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes the page style as it is (it is CSS, not a value to escape).
struct CssHelper(String);

impl HelperDef for CssHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        _: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        out.write(&self.0)?;
        Ok(())
    }
}

/// `{{local at}}`: a UTC moment (`2026-12-06T02:47:36Z`) in the bureau's time.
#[derive(Clone, Copy)]
struct LocalTime(crate::domain::local_time::Zone);

impl HelperDef for LocalTime {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let text = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .unwrap_or_default();
        Ok(ScopedJson::Derived(serde_json::Value::String(
            self.0.show_text(text),
        )))
    }
}

// `{{url x}}`: a value put into a link's query string or path.
handlebars::handlebars_helper!(url_component: |text: str| {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
});

/// A number-formatting helper: takes `arity` numbers (null allowed) and
/// returns text, which handlebars escapes like any value.
struct Format {
    name: &'static str,
    arity: usize,
    format: fn(&[Option<f64>]) -> String,
}

impl Format {
    /// `{{points x}}`: 88.5, 90, — for null.
    const POINTS: Format = Format {
        name: "points",
        arity: 1,
        format: |v| points(v[0]),
    };
    /// `{{percent part whole}}`: 47.5%, — when whole is 0 or null.
    const PERCENT: Format = Format {
        name: "percent",
        arity: 2,
        format: |v| percent(v[0], v[1]),
    };
    /// `{{signed x}}`: +13, -0.5, 0, — for null.
    const SIGNED: Format = Format {
        name: "signed",
        arity: 1,
        format: |v| signed(v[0]),
    };
}

impl HelperDef for Format {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let mut values = Vec::with_capacity(self.arity);
        for index in 0..self.arity {
            let param = h
                .param(index)
                .ok_or(RenderErrorReason::ParamNotFoundForIndex(self.name, index))?;
            if r.strict_mode() && param.is_value_missing() {
                return Err(RenderError::strict_error(param.relative_path()));
            }
            values.push(match param.value() {
                JsonValue::Null => None,
                JsonValue::Number(n) => n.as_f64(),
                other => {
                    return Err(RenderErrorReason::ParamTypeMismatchForName(
                        self.name,
                        index.to_string(),
                        format!("a number, not {other}"),
                    )
                    .into());
                }
            });
        }
        Ok(ScopedJson::Derived(JsonValue::String((self.format)(
            &values,
        ))))
    }
}

/// Points as people write them: "88.5", "90"; "—" when absent.
fn points(value: Option<f64>) -> String {
    value.map_or_else(
        || "—".into(),
        |v| Points((v * 100.0).round() as i32).to_string(),
    )
}

/// A share in percent with at most one decimal: "47.5%"; "—" without a whole.
fn percent(part: Option<f64>, whole: Option<f64>) -> String {
    match (part, whole) {
        (Some(part), Some(whole)) if whole != 0.0 => {
            format!("{}%", svg::number(part * 100.0 / whole))
        }
        _ => "—".into(),
    }
}

/// A change with its sign: "+13", "-0.5", "0".
fn signed(value: Option<f64>) -> String {
    match value {
        None => "—".into(),
        Some(v) if (v * 100.0).round() > 0.0 => format!("+{}", points(Some(v))),
        Some(v) => points(Some(v)),
    }
}

fn count_percent(part: usize, whole: usize) -> String {
    percent(Some(part as f64), Some(whole as f64))
}

// ---------------------------------------------------------------------------
// Views: the model plus what a template cannot compute (order, links, shown
// text, charts). Each keeps the whole model under one key for overrides.

#[derive(Serialize)]
struct PageLinks {
    district: Option<String>,
    street: Option<String>,
}

#[derive(Serialize)]
struct DashboardView<'a> {
    title: String,
    scope: &'a str,
    street_page: bool,
    year: i32,
    previous_year: i32,
    generated_at: &'a str,
    has_last_year: bool,
    /// The model without its per-unit lists, so the page costs the same for
    /// 50 units or 5,000; those come below, bounded.
    report: Summary<'a>,
    headline: &'a [String],
    movement: Option<String>,
    figures: Vec<Figure>,
    /// Highest first, as the bureau reads them.
    tiers: Vec<&'a Tier>,
    total: CountsRow<'a>,
    by_kind: Vec<CountsRow<'a>>,
    by_street: Vec<CountsRow<'a>>,
    charts: Charts,
    trend: Vec<TrendRow>,
    lost: Vec<LostRow<'a>>,
    lost_total: usize,
    lost_hidden: usize,
    progress: Progress,
    overdue: Vec<OrderRow<'a>>,
    overdue_hidden: usize,
    units: Vec<UnitRow<'a>>,
    links: PageLinks,
    /// The year's publication in force: its fingerprint line.
    publication: Option<&'a PublicationNote>,
}

/// `DistrictReport` without `units`, `claims`, `orders` and the unit names
/// in `transitions.cells`.
#[derive(Serialize)]
struct Summary<'a> {
    year: i32,
    previous_year: i32,
    street: Option<&'a str>,
    generated_at: &'a str,
    tiers: &'a [Tier],
    by_kind: &'a [TierCounts],
    by_street: &'a [TierCounts],
    total: &'a TierCounts,
    sentences: &'a [String],
    lost: &'a [LostItem],
    transitions: TransitionCounts<'a>,
    order_counts: &'a std::collections::BTreeMap<String, usize>,
    /// As in the model, but a percent input's total shows as “—”.
    inputs: Vec<InputStat>,
    trend: &'a [TrendYear],
}

#[derive(Serialize)]
struct TransitionCounts<'a> {
    labels: &'a [String],
    counts: &'a [Vec<usize>],
    upgraded: usize,
    unchanged: usize,
    downgraded: usize,
}

fn summary(r: &DistrictReport) -> Summary<'_> {
    Summary {
        year: r.year,
        previous_year: r.previous_year,
        street: r.street.as_deref(),
        generated_at: &r.generated_at,
        tiers: &r.tiers,
        by_kind: &r.by_kind,
        by_street: &r.by_street,
        total: &r.total,
        sentences: &r.sentences,
        lost: &r.lost,
        transitions: TransitionCounts {
            labels: &r.transitions.labels,
            counts: &r.transitions.counts,
            upgraded: r.transitions.upgraded,
            unchanged: r.transitions.unchanged,
            downgraded: r.transitions.downgraded,
        },
        order_counts: &r.order_counts,
        inputs: r
            .inputs
            .iter()
            .map(|i| InputStat {
                // A sum of percentages means nothing.
                total: if i.percent {
                    Some("—".into())
                } else {
                    i.total.clone()
                },
                ..i.clone()
            })
            .collect(),
        trend: &r.trend,
    }
}

#[derive(Serialize)]
struct Figure {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct CountsRow<'a> {
    label: &'a str,
    href: Option<String>,
    is_total: bool,
    units: usize,
    submitted: usize,
    not_submitted: usize,
    no_tier: usize,
    submitted_percent: String,
    /// Highest first.
    tiers: Vec<TierCell<'a>>,
}

#[derive(Serialize)]
struct TierCell<'a> {
    code: &'a str,
    name: &'a str,
    short: &'a str,
    cumulative: usize,
    exact: usize,
    /// Last year's cumulative count, "—" without a last year.
    last_cumulative: String,
    /// "+2", "-1", or "" when unchanged or unknown.
    change: String,
    /// "up", "down" or "".
    change_class: &'static str,
}

#[derive(Default, Serialize)]
struct Charts {
    distribution: String,
    trend: Option<String>,
    streets: Option<String>,
    lost: Option<String>,
    progress: Option<String>,
}

#[derive(Serialize)]
struct TrendRow {
    year: i32,
    submitted: usize,
    /// Highest tier first.
    cumulative: Vec<usize>,
    mean_total: String,
}

#[derive(Serialize)]
struct LostRow<'a> {
    rank: usize,
    #[serde(flatten)]
    item: &'a LostItem,
}

#[derive(Serialize)]
struct Progress {
    total: usize,
    done: usize,
    done_percent: String,
    overdue: usize,
    states: Vec<StateCount>,
}

#[derive(Serialize)]
struct StateCount {
    state: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct OrderRow<'a> {
    #[serde(flatten)]
    order: &'a OrderFacts,
    overdue: bool,
    unit_href: Option<String>,
}

#[derive(Serialize)]
struct UnitRow<'a> {
    #[serde(flatten)]
    line: &'a UnitLine,
    href: Option<String>,
    /// The change against last year with its sign, "" when unknown.
    change_shown: String,
}

fn counts_row<'a>(
    tiers: &'a [Tier],
    c: &'a TierCounts,
    href: Option<String>,
    is_total: bool,
) -> CountsRow<'a> {
    let at = |v: &[usize], i: usize| v.get(i).copied().unwrap_or(0);
    let cells = tiers
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| {
            let now = at(&c.cumulative, i);
            let last = c.last_year.as_ref().map(|l| at(&l.cumulative, i));
            let (change, change_class) = match last.map(|l| now as i64 - l as i64) {
                Some(d) if d > 0 => (format!("+{d}"), "up"),
                Some(d) if d < 0 => (d.to_string(), "down"),
                _ => (String::new(), ""),
            };
            TierCell {
                code: &t.code,
                name: &t.name,
                short: &t.short,
                cumulative: now,
                exact: at(&c.exact, i),
                last_cumulative: last.map_or_else(|| "—".into(), |l| l.to_string()),
                change,
                change_class,
            }
        })
        .collect();
    CountsRow {
        label: &c.label,
        href,
        is_total,
        units: c.units,
        submitted: c.submitted,
        not_submitted: c.not_submitted,
        no_tier: c.no_tier,
        submitted_percent: count_percent(c.submitted, c.units),
        tiers: cells,
    }
}

fn dashboard_view<'a>(
    report: &'a DistrictReport,
    links: &Links,
    district: Option<&'a str>,
) -> DashboardView<'a> {
    let year = report.year;
    let tiers = &report.tiers;
    let street_page = report.street.is_some();
    let has_last_year = report.total.last_year.is_some();
    let scope = district.or(report.street.as_deref()).unwrap_or("全区");
    let title = match (district, &report.street) {
        (Some(district), _) => format!("{year} 年度档案工作年检统计 · {district}"),
        (None, Some(street)) => format!("{year} 年度档案工作年检统计 · {street}"),
        (None, None) => format!("{year} 年度档案工作年检统计"),
    };

    let progress = progress(report);
    let mut figures = vec![
        Figure {
            value: report.total.units.to_string(),
            label: "参加年检单位".into(),
        },
        Figure {
            value: report.total.submitted.to_string(),
            label: format!(
                "已提交自查表（{}）",
                count_percent(report.total.submitted, report.total.units)
            ),
        },
    ];
    for (i, t) in tiers.iter().enumerate().rev() {
        figures.push(Figure {
            value: report
                .total
                .cumulative
                .get(i)
                .copied()
                .unwrap_or(0)
                .to_string(),
            label: format!("达到{}及以上", t.short),
        });
    }
    figures.push(Figure {
        value: report.total.no_tier.to_string(),
        label: NO_TIER.into(),
    });
    figures.push(Figure {
        value: progress.overdue.to_string(),
        label: "逾期整改事项".into(),
    });

    let movement = has_last_year.then(|| {
        let t = &report.transitions;
        format!(
            "与 {} 年度相比（两年均参加年检的单位），升级 {} 个、持平 {} 个、降级 {} 个",
            report.previous_year, t.upgraded, t.unchanged, t.downgraded
        )
    });

    let mut overdue: Vec<&OrderFacts> = report
        .orders
        .iter()
        .filter(|o| o.days_overdue > 0)
        .collect();
    overdue.sort_by(|a, b| model::overdue_first(a, b));
    if !street_page {
        overdue.truncate(model::DASHBOARD_OVERDUE);
    }
    // Counted over every order: the model may list only those shown.
    let overdue_hidden = progress.overdue.saturating_sub(overdue.len());
    let lost_shown = report.lost.len().min(DASHBOARD_LOST);

    DashboardView {
        title,
        scope,
        street_page,
        year,
        previous_year: report.previous_year,
        generated_at: &report.generated_at,
        has_last_year,
        report: summary(report),
        headline: &report.sentences,
        movement,
        figures,
        tiers: tiers.iter().rev().collect(),
        total: counts_row(tiers, &report.total, None, true),
        by_kind: report
            .by_kind
            .iter()
            .map(|c| counts_row(tiers, c, None, false))
            .collect(),
        by_street: report
            .by_street
            .iter()
            .map(|c| counts_row(tiers, c, links.street(year, &c.label), false))
            .collect(),
        charts: charts(report, &progress),
        trend: report
            .trend
            .iter()
            .map(|t| TrendRow {
                year: t.year,
                submitted: t.submitted,
                cumulative: t.cumulative.iter().rev().copied().collect(),
                mean_total: super::model::shown(t.mean_total),
            })
            .collect(),
        lost: report.lost[..lost_shown]
            .iter()
            .enumerate()
            .map(|(i, item)| LostRow { rank: i + 1, item })
            .collect(),
        lost_total: report.lost.len(),
        lost_hidden: report.lost.len() - lost_shown,
        progress,
        overdue_hidden,
        overdue: overdue
            .into_iter()
            .map(|o| order_row(o, links, year))
            .collect(),
        units: if street_page {
            report
                .units
                .iter()
                .map(|line| UnitRow {
                    line,
                    href: line
                        .submitted
                        .then(|| links.unit(year, &line.code))
                        .flatten(),
                    change_shown: line
                        .change
                        .map(|c| signed(Some(c.as_f64())))
                        .unwrap_or_default(),
                })
                .collect()
        } else {
            Vec::new()
        },
        links: PageLinks {
            district: if street_page {
                links.district(year)
            } else {
                None
            },
            street: None,
        },
        publication: report.publication.as_ref(),
    }
}

fn order_row<'a>(order: &'a OrderFacts, links: &Links, year: i32) -> OrderRow<'a> {
    OrderRow {
        order,
        overdue: order.days_overdue > 0,
        unit_href: links.unit(year, &order.unit_code),
    }
}

fn progress(report: &DistrictReport) -> Progress {
    let count = |key: &str| report.order_counts.get(key).copied().unwrap_or(0);
    let states: Vec<StateCount> = State::ALL
        .iter()
        .map(|s| StateCount {
            state: s.as_str(),
            label: s.label_zh(),
            count: count(s.as_str()),
        })
        .collect();
    let total = count("total");
    let done = count(State::Verified.as_str()) + count(State::Waived.as_str());
    Progress {
        total,
        done,
        done_percent: count_percent(done, total),
        overdue: count("overdue"),
        states,
    }
}

fn charts(report: &DistrictReport, progress: &Progress) -> Charts {
    let tiers = &report.tiers;
    let n = tiers.len();
    let year_label = |y: i32| format!("{y} 年");

    // Distribution by highest tier, this year against last.
    let mut categories = vec![NOT_SUBMITTED.to_string(), NO_TIER.to_string()];
    categories.extend(tiers.iter().map(|t| t.short.clone()));
    let distribution_of = |c: &TierCounts| {
        let mut v = vec![c.not_submitted as f64, c.no_tier as f64];
        v.extend((0..n).map(|i| c.exact.get(i).copied().unwrap_or(0) as f64));
        v
    };
    let mut series = vec![Series {
        name: year_label(report.year),
        values: distribution_of(&report.total),
    }];
    if let Some(last) = &report.total.last_year {
        series.push(Series {
            name: year_label(report.previous_year),
            values: distribution_of(last),
        });
    }
    let distribution = svg::grouped_bars(
        "等级分布（按最高等级）",
        &categories,
        &series,
        &svg::year_paints(),
        true,
    );

    // The trend, cumulative, highest tier first.
    let trend = (report.trend.len() >= 2).then(|| {
        let years: Vec<String> = report.trend.iter().map(|t| t.year.to_string()).collect();
        let mut lines = vec![Series {
            name: "提交单位".into(),
            values: report.trend.iter().map(|t| t.submitted as f64).collect(),
        }];
        for (i, t) in tiers.iter().enumerate().rev() {
            lines.push(Series {
                name: format!("达到{}及以上", t.short),
                values: report
                    .trend
                    .iter()
                    .map(|y| y.cumulative.get(i).copied().unwrap_or(0) as f64)
                    .collect(),
            });
        }
        svg::lines("历年趋势", &years, &lines, true)
    });

    // Streets: each one's units by highest tier, highest first.
    let streets = (report.street.is_none() && !report.by_street.is_empty()).then(|| {
        let mut names: Vec<String> = tiers.iter().rev().map(|t| t.short.clone()).collect();
        names.push(NO_TIER.into());
        names.push(NOT_SUBMITTED.into());
        let mut paints = svg::tier_paints(n);
        paints.reverse();
        let bars: Vec<Bar> = report
            .by_street
            .iter()
            .map(|c| {
                let mut values: Vec<f64> = (0..n)
                    .rev()
                    .map(|i| c.exact.get(i).copied().unwrap_or(0) as f64)
                    .collect();
                values.push(c.no_tier as f64);
                values.push(c.not_submitted as f64);
                Bar {
                    label: c.label.clone(),
                    values,
                }
            })
            .collect();
        svg::stacked_bars("各街道等级构成", &bars, &names, &paints)
    });

    let lost = (!report.lost.is_empty()).then(|| {
        let bars: Vec<Bar> = report
            .lost
            .iter()
            .take(DASHBOARD_LOST)
            .map(|l| Bar {
                label: format!("{} {}", l.code, l.title),
                values: vec![l.points_lost.as_f64()],
            })
            .collect();
        svg::stacked_bars(
            "失分最多的条目",
            &bars,
            &["合计失分".into()],
            &[Paint::solid("#2b5d8a")],
        )
    });

    let progress = (progress.total > 0).then(|| {
        // Done (dark) to waiting on the unit (light).
        let order = [
            State::Verified,
            State::Waived,
            State::Submitted,
            State::Returned,
            State::Open,
        ];
        let paints = vec![
            Paint::solid("#08306b"),
            Paint::solid("#4f7fb0"),
            Paint::solid("#9ecae1"),
            Paint::solid("#e0e0e0"),
            svg::tier_paints(0).remove(0),
        ];
        let count = |s: State| {
            progress
                .states
                .iter()
                .find(|c| c.state == s.as_str())
                .map_or(0, |c| c.count)
        };
        svg::stacked_bars(
            "整改进度",
            &[Bar {
                label: "整改事项".into(),
                values: order.iter().map(|s| count(*s) as f64).collect(),
            }],
            &order
                .iter()
                .map(|s| s.label_zh().to_string())
                .collect::<Vec<_>>(),
            &paints,
        )
    });

    Charts {
        distribution,
        trend,
        streets,
        lost,
        progress,
    }
}

#[derive(Serialize)]
struct CardView<'a> {
    title: String,
    card: &'a UnitCard,
    score_note: String,
    /// At the top tier of its checklist: nothing further to reach.
    at_top: bool,
    lost_items: Vec<LostLine<'a>>,
    orders: Vec<OrderRow<'a>>,
    links: PageLinks,
}

#[derive(Serialize)]
struct LostLine<'a> {
    #[serde(flatten)]
    item: &'a ItemFacts,
    lost: Points,
}

fn card_view<'a>(card: &'a UnitCard, links: &Links) -> CardView<'a> {
    let mut note = if card.reviewed {
        let diff = card.self_total - card.total;
        let compared = match diff.hundredths() {
            d if d > 0 => format!("，复核比自评少 {diff} 分"),
            d if d < 0 => format!("，复核比自评多 {} 分", Points::ZERO - diff),
            _ => "，两者一致".into(),
        };
        format!(
            "总分为检查组复核后的分数：自评 {} 分，复核 {} 分{compared}。",
            card.self_total, card.total
        )
    } else {
        "尚未复核，总分为单位的自评分。".to_string()
    };
    if card.raw != card.total {
        note.push_str(&format!(
            "适用条目满分 {} 分，实得 {} 分，按比例折算为总分 {} 分。",
            card.applicable_max, card.raw, card.total
        ));
    }
    CardView {
        title: format!("{} · {} 年度档案工作年检成绩单", card.name, card.year),
        card,
        score_note: note,
        at_top: card.next_tier.is_none()
            && card.vetoes.is_empty()
            && card.tiers.iter().any(|t| t.reached),
        lost_items: card
            .lost_items
            .iter()
            .map(|item| LostLine {
                item,
                lost: item.max - item.points,
            })
            .collect(),
        orders: card
            .orders
            .iter()
            .map(|o| order_row(o, &Links::default(), card.year))
            .collect(),
        links: PageLinks {
            district: links.district(card.year),
            street: (!card.street.is_empty())
                .then(|| links.street(card.year, &card.street))
                .flatten(),
        },
    }
}

#[derive(Serialize)]
struct NoticeView<'a> {
    title: String,
    notice: NoticePrint<'a>,
}

#[derive(Serialize)]
struct NoticesView<'a> {
    title: String,
    notices: Vec<NoticePrint<'a>>,
}

/// Rows of a notice kept on the page of its signature when printed.
const NOTICE_TAIL_ROWS: usize = 2;

/// A notice as the template prints it: its lines split into `head` and
/// the last [`NOTICE_TAIL_ROWS`] (`tail`), which the print CSS keeps on
/// one page with the closing and the signature (no signature alone on a page).
#[derive(Serialize)]
struct NoticePrint<'a> {
    #[serde(flatten)]
    notice: &'a Notice,
    head: &'a [NoticeLine],
    tail: &'a [NoticeLine],
    /// How many lines (问题项数).
    count: usize,
}

impl<'a> NoticePrint<'a> {
    fn of(notice: &'a Notice) -> NoticePrint<'a> {
        let (head, tail) = notice
            .lines
            .split_at(notice.lines.len().saturating_sub(NOTICE_TAIL_ROWS));
        NoticePrint {
            notice,
            head,
            tail,
            count: notice.lines.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use super::*;
    use crate::reports::model::{
        Assessed, CategoryFacts, Condition, InputDef, NoticeLine, ReportInput, TierExplanation,
        UnitFacts, district,
    };

    const SCRIPT: &str = "<script>alert(1)</script>";
    const FORMULA: &str = "=HYPERLINK(\"x\")";
    const IMG_STREET: &str = "\"><img src=x onerror=alert(1)>";

    fn tiers() -> Vec<Tier> {
        [
            ("city-standard", "市级规范化档案室", "市级规范化"),
            ("province-standard", "省级规范化档案室", "省级规范化"),
            ("province-model", "省级示范档案室", "省级示范"),
        ]
        .iter()
        .map(|(c, n, s)| Tier {
            code: (*c).into(),
            name: (*n).into(),
            short: (*s).into(),
        })
        .collect()
    }

    fn item(code: &str, max: i32, points: i32) -> ItemFacts {
        ItemFacts {
            code: code.into(),
            title: format!("条目{code}"),
            category: "A".into(),
            max: Points((max) * 10),
            points: Points((points) * 10),
            self_points: Points((max) * 10),
            applicable: true,
            notes: Vec::new(),
        }
    }

    fn assessed(tier: Option<&str>, total: i32) -> Assessed {
        Assessed {
            checklist: "community@2013".into(),
            checklist_title: "社区档案工作考核细则（2013版）".into(),
            total: Points((total) * 10),
            self_total: Points((total + 20) * 10),
            reviewed: true,
            late: false,
            tier: tier.map(str::to_string),
            grade: Some("合格".into()),
            vetoes: Vec::new(),
            target_tier: None,
            categories: vec![CategoryFacts {
                code: "A".into(),
                name: "组织管理".into(),
                points: Points((total / 2) * 10),
                max: Points(5000),
            }],
            items: vec![
                item("A1", 40, 40 - (total % 3) * 10),
                item("A2", 30, 30 - (total % 2) * 15),
                item("A3", 20, 20),
            ],
            inputs: BTreeMap::new(),
        }
    }

    fn unit(
        n: usize,
        kind: &str,
        street: &str,
        now: Option<Assessed>,
        last: Option<Assessed>,
    ) -> UnitFacts {
        UnitFacts {
            code: format!("3301{n:05}"),
            name: format!("单位{n}"),
            kind: kind.into(),
            street: Some(street.into()),
            current: now,
            previous: last,
            open_rectifications: n % 2,
            overdue_rectifications: n % 3 / 2,
        }
    }

    fn order(id: i64, u: &UnitFacts, state: &str, days_overdue: i64) -> OrderFacts {
        OrderFacts {
            id,
            unit_code: u.code.clone(),
            unit_name: u.name.clone(),
            street: u.street.clone(),
            item: Some("A1".into()),
            title: format!("问题{id}"),
            requirement: format!("要求{id}"),
            state: state.into(),
            state_label: State::parse(state).map_or("", State::label_zh).into(),
            due: "2012-06-30".into(),
            days_overdue,
            origin_year: 2011,
        }
    }

    /// 上城区's 52 communities (6 省级示范, 13 more 省级规范化, 28 more
    /// 市级规范化, 5 without a tier) over two streets, plus two agencies
    /// with hostile names, one on a hostile street, one not submitted.
    fn input() -> ReportInput {
        let mut units = Vec::new();
        for (tier, count) in [
            (Some("province-model"), 6),
            (Some("province-standard"), 13),
            (Some("city-standard"), 28),
            (None, 5),
        ] {
            for _ in 0..count {
                let n = units.len();
                let street = if n % 2 == 0 {
                    "小营街道"
                } else {
                    "湖滨街道"
                };
                let last = (n % 4 != 0).then(|| assessed(Some("city-standard"), 800));
                units.push(unit(
                    n,
                    "社区",
                    street,
                    Some(assessed(tier, 900 + n as i32)),
                    last,
                ));
            }
        }
        let mut hostile = unit(
            60,
            "机关",
            IMG_STREET,
            Some(assessed(Some("city-standard"), 850)),
            None,
        );
        hostile.name = SCRIPT.into();
        units.push(hostile);
        let mut formula = unit(61, "机关", "小营街道", None, None);
        formula.name = FORMULA.into();
        units.push(formula);

        let mut orders = vec![
            order(1, &units[60 - 8], "verified", 0),
            order(2, &units[1], "open", 12),
            order(3, &units[2], "submitted", 0),
            order(4, &units[3], "waived", 0),
        ];
        let mut bad = order(5, &units[52], "open", 30);
        bad.title = SCRIPT.into();
        bad.requirement = FORMULA.into();
        orders.push(bad);
        ReportInput {
            year: 2011,
            previous_year: 2010,
            street: None,
            generated_at: "2012-04-01 09:00".into(),
            tiers: tiers(),
            units,
            orders,
            order_counts: None,
            inputs: vec![InputDef::new(
                "room_area",
                "档案室面积",
                Some("平方米"),
                crate::domain::checklist::InputGroup::Facilities,
                crate::domain::InputType::Decimal,
            )],
            history: vec![(
                2009,
                vec![
                    (Some("city-standard".into()), Some(Points(8000))),
                    (None, Some(Points(5000))),
                ],
            )],
            item_tallies: Vec::new(),
        }
    }

    fn street_input(street: &str) -> ReportInput {
        let mut input = input();
        input.street = Some(street.into());
        input.units.retain(|u| u.street.as_deref() == Some(street));
        let codes: Vec<String> = input.units.iter().map(|u| u.code.clone()).collect();
        input.orders.retain(|o| codes.contains(&o.unit_code));
        input
    }

    fn card() -> UnitCard {
        let condition = |text: &str, met: bool| Condition {
            text: text.into(),
            met,
        };
        UnitCard {
            code: "330102001".into(),
            name: SCRIPT.into(),
            kind: "社区".into(),
            street: IMG_STREET.into(),
            year: 2012,
            checklist: "community@2013".into(),
            checklist_title: "社区档案工作测评标准".into(),
            total: Points(8850),
            self_total: Points(9250),
            raw: Points(8850),
            applicable_max: Points(10000),
            reviewed: true,
            tier: "省级规范化档案室".into(),
            grade: "良好".into(),
            target_tier: "省级示范档案室".into(),
            categories: vec![CategoryFacts {
                code: "A".into(),
                name: "组织管理".into(),
                points: Points(1800),
                max: Points(2000),
            }],
            tiers: vec![
                TierExplanation {
                    code: "city-standard".into(),
                    name: "市级规范化档案室".into(),
                    reached: true,
                    conditions: vec![
                        condition("总分 88.5 分，要求不低于 70 分", true),
                        condition("无一票否决情形：档案损毁", true),
                    ],
                },
                TierExplanation {
                    code: "province-standard".into(),
                    name: "省级规范化档案室".into(),
                    reached: true,
                    conditions: vec![
                        condition("总分 88.5 分，要求不低于 85 分", true),
                        condition("必须满分：B1 档案库房（得 4 / 4 分）", true),
                    ],
                },
                TierExplanation {
                    code: "province-model".into(),
                    name: "省级示范档案室".into(),
                    reached: false,
                    conditions: vec![
                        condition("总分 88.5 分，要求不低于 90 分", false),
                        condition("类别 A 组织管理 得 18 / 20 分，要求不低于 95%", false),
                        condition(
                            &format!("档案室面积：{FORMULA}，要求不低于 40平方米"),
                            false,
                        ),
                    ],
                },
            ],
            next_tier: Some("省级示范档案室".into()),
            next_tier_missing: vec!["总分还差 1.5 分".into(), format!("备注 {SCRIPT}")],
            vetoes: Vec::new(),
            total_notes: vec!["加分项共得 1 分，计入总分（加分上限 2 分）".into()],
            lost_items: vec![item("A1", 40, 25)],
            orders: vec![OrderFacts {
                requirement: SCRIPT.into(),
                ..order(7, &unit(1, "社区", "小营街道", None, None), "open", 5)
            }],
            generated_at: "2012-04-01 09:00".into(),
            publication: None,
        }
    }

    fn notice() -> Notice {
        Notice {
            number: "上城区档案局整改字〔2012〕第 7 号".into(),
            serial: Some(7),
            bureau: "杭州市上城区档案局".into(),
            bureau_address: Some(IMG_STREET.into()),
            bureau_phone: Some("0571-87000000".into()),
            unit_code: "330102001".into(),
            unit_name: SCRIPT.into(),
            street: IMG_STREET.into(),
            year: 2012,
            total: "88.5".into(),
            tier: "省级规范化档案室".into(),
            issued_on: "2012年4月1日".into(),
            reply_by: "2012年6月30日".into(),
            lines: vec![NoticeLine {
                number: 1,
                id: 7,
                item: "B1".into(),
                title: "库房温湿度无记录".into(),
                requirement: FORMULA.into(),
                due: "2012-06-30".into(),
                due_zh: "2012年6月30日".into(),
                state_label: "待整改".into(),
            }],
        }
    }

    fn html() -> Html {
        Html::new(None).expect("embedded templates compile")
    }

    /// The text of each cell of the table row whose first cell reads `label`.
    fn row(page: &str, label: &str) -> Vec<String> {
        let start = page
            .find(&format!("<td class=\"text\">{label}</td>"))
            .or_else(|| page.find(&format!("\">{label}</a></td>")))
            .unwrap_or_else(|| panic!("no row {label}"));
        let end = start + page[start..].find("</tr>").expect("row end");
        page[start..end]
            .split("<td")
            .skip(1)
            .map(|cell| {
                let mut text = String::new();
                let mut in_tag = true; // the rest of the opening <td …>
                for c in cell.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
                text.trim().to_string()
            })
            .collect()
    }

    /// What the tier table must show for a group, cell by cell.
    fn expected(c: &TierCounts) -> Vec<String> {
        let mut cells = vec![c.units.to_string(), c.submitted.to_string()];
        for i in (0..c.cumulative.len()).rev() {
            cells.push(c.cumulative[i].to_string());
            if let Some(last) = &c.last_year {
                let d = c.cumulative[i] as i64 - last.cumulative[i] as i64;
                let change = match d {
                    0 => String::new(),
                    d if d > 0 => format!(" +{d}"),
                    d => format!(" {d}"),
                };
                cells.push(format!("{}{change}", last.cumulative[i]));
            }
            cells.push(c.exact[i].to_string());
        }
        cells.push(c.no_tier.to_string());
        cells.push(c.not_submitted.to_string());
        cells
    }

    fn assert_safe(page: &str) {
        assert!(
            !page.to_ascii_lowercase().contains("<script"),
            "a script tag got through"
        );
        assert!(
            !page.to_ascii_lowercase().contains("<img"),
            "an img tag got through"
        );
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external URL"
        );
        // Inside tags (data cannot open one: its `<` is escaped).
        for tag in page
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(""))
        {
            assert!(
                !tag.contains(" src="),
                "pages embed nothing by reference: <{tag}>"
            );
            for value in tag.split(" href=").skip(1) {
                let value = value.trim_start_matches(['"', '\'']);
                assert!(
                    !value.starts_with("//") && !value.contains("://"),
                    "external link in <{tag}>"
                );
            }
        }
        assert!(!page.contains("<link"), "no stylesheet by reference");
        assert!(page.starts_with("<!doctype html>") && page.contains("<meta charset=\"utf-8\">"));
    }

    #[test]
    fn dashboard_shows_the_models_figures() {
        let report = district(&input());
        let page = html().dashboard(&report).expect("renders");
        // Headline sentences, as the model words them.
        assert_eq!(
            report.sentences[0],
            "52 个社区中，省级示范 6 个、省级规范化 19 个、市级规范化 47 个"
        );
        for sentence in &report.sentences {
            assert!(page.contains(&format!("<li>{sentence}</li>")), "{sentence}");
        }
        assert!(page.contains("与 2010 年度相比（两年均参加年检的单位），升级"));
        // Tier tables: cumulative beside exact, this year against last.
        for c in report.by_kind.iter().chain(&report.by_street) {
            assert_eq!(
                row(&page, &html_escape(&c.label))[1..],
                expected(c)[..],
                "row {}",
                c.label
            );
        }
        let total = row(&page, "合计");
        assert_eq!(total[1..], expected(&report.total)[..]);
        assert_eq!(
            &total[9], "48",
            "达到市级规范化及以上: 47 communities and one agency"
        );
        // Lost items: the model's top ones, with their sums.
        let first = &report.lost[0];
        assert!(page.contains(&format!("<td class=\"text\">{}</td>", first.title)));
        // Rectification progress from order_counts, overdue orders most overdue first.
        assert!(page.contains("整改事项共 <strong>5</strong> 项，已完成（销号或免于整改）<strong>2</strong> 项，完成率 <strong>40%</strong>；逾期未完成 <strong>2</strong> 项"));
        let (a, b) = (
            page.find("&lt;script&gt;alert(1)&lt;/script&gt;</td><td>")
                .expect("overdue order"),
            page.find("问题2").expect("order 2"),
        );
        assert!(a < b, "30 days overdue before 12");
        // Charts are there, as inline SVG.
        assert_eq!(
            page.matches("<svg class=\"chart\"").count(),
            5,
            "distribution, trend, streets, lost, progress"
        );
        // No unit list on the district page.
        assert!(!page.contains("单位17<"), "the dashboard lists no units");
        assert!(!page.contains("本街道单位"));
        // Without links configured, none.
        assert!(!page.contains("<a "));
    }

    #[test]
    fn percent_inputs_show_no_total() {
        let mut input = input();
        let value = |n: i64| crate::domain::InputValue::Number(crate::domain::Decimal::from_int(n));
        for (u, n) in input.units.iter_mut().zip([40, 80]) {
            if let Some(a) = u.current.as_mut() {
                a.inputs.insert("digitised_percent".into(), value(n));
                a.inputs.insert("room_area".into(), value(n));
            }
        }
        input.inputs.push(InputDef::new(
            "digitised_percent",
            "存量档案数字化率",
            Some("%"),
            crate::domain::checklist::InputGroup::Other,
            crate::domain::InputType::Percent,
        ));
        let report = district(&input);
        let page = html().dashboard(&report).expect("renders");
        let line = |label: &str| {
            let at = page
                .find(&format!("<td class=\"text\">{label}"))
                .expect(label);
            page[at..at + page[at..].find("</tr>").expect("row end")].to_string()
        };
        assert!(
            line("档案室面积").contains("<td class=\"num\">120</td>"),
            "{}",
            line("档案室面积")
        );
        let digitised = line("存量档案数字化率");
        assert!(
            digitised.contains("<td class=\"num\">—</td><td class=\"num\">60</td>"),
            "no sum of percentages, the mean beside it: {digitised}"
        );
    }

    fn html_escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
            .replace('=', "&#x3D;")
    }

    #[test]
    fn street_page_lists_its_units_with_links() {
        let report = district(&street_input("小营街道"));
        let page = html()
            .with_links(Links::files())
            .dashboard(&report)
            .expect("renders");
        assert!(page.contains("<title>2011 年度档案工作年检统计 · 小营街道</title>"));
        assert!(page.contains(&format!("本街道单位（{} 个）", report.units.len())));
        for line in &report.units {
            assert!(page.contains(&html_escape(&line.name)), "{}", line.name);
        }
        assert!(page.contains("<a href=\"unit-330100000.html\">单位0</a>"));
        assert!(
            page.contains("<a href=\"index.html\">"),
            "back to the district"
        );
        assert!(!page.contains("<h3>按街道</h3>"));
        // The not-submitted unit has no card to link to.
        assert!(!page.contains("unit-330100061.html"));
        assert_safe(&page);
    }

    #[test]
    fn district_links_to_streets_percent_encoded() {
        let page = html()
            .with_links(Links::files())
            .dashboard(&district(&input()))
            .expect("renders");
        assert!(page.contains(&format!(
            "<a href=\"street-{}.html\">小营街道</a>",
            encode("小营街道")
        )));
        assert!(page.contains("street-%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.html"));
        assert!(
            page.contains("unit-330100060.html"),
            "overdue orders link to the unit"
        );
        assert_safe(&page);
    }

    #[test]
    fn user_input_is_escaped_everywhere() {
        let h = html().with_links(Links::files());
        let report = district(&input());
        let pages = [
            h.dashboard(&report).expect("dashboard"),
            h.dashboard(&district(&street_input(IMG_STREET)))
                .expect("street page"),
            h.unit_card(&card()).expect("card"),
            h.notice(&notice()).expect("notice"),
            h.notices(&[notice(), notice()]).expect("notices"),
        ];
        for page in &pages {
            assert_safe(page);
        }
        assert!(pages[0].contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(pages[1].contains("&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"));
        assert!(pages[2].contains(&html_escape(FORMULA)));
        assert!(pages[3].contains(&html_escape(FORMULA)));
        // The street's name reaches the chart too, escaped by svg.rs.
        assert!(pages[0].contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn links_must_stay_relative() {
        let h = html().with_links(Links {
            district: Some("https://evil.example/".into()),
            street: Some("//evil.example/{street}".into()),
            unit: Some("javascript:alert(1)//{code}".into()),
        });
        assert_eq!(h.links, Links::default());
        for good in [
            "index.html",
            "/api/v1/units/{code}/card.html?year={year}",
            "../streets/{street}.html",
            "x?a=b:c",
        ] {
            assert!(is_relative(good), "{good}");
        }
        for bad in [
            "http://x",
            "HTTPS://x",
            "//x",
            "\\\\x",
            "data:text/html,x",
            " //x",
            "java\tscript:x",
            "",
        ] {
            assert!(!is_relative(bad), "{bad}");
        }
        assert_eq!(
            fill("/u/{code}?year={year}", 2012, "{code}", "a/b c"),
            "/u/a%2Fb%20c?year=2012"
        );
        assert_eq!(encode("小营"), "%E5%B0%8F%E8%90%A5");
    }

    #[test]
    fn unit_card_shows_every_condition_with_its_mark() {
        let card = card();
        let page = html().unit_card(&card).expect("renders");
        for tier in &card.tiers {
            assert!(page.contains(&format!("<h3>{}", tier.name)));
            for c in &tier.conditions {
                let mark = if c.met {
                    "<span class=\"ok\" title=\"已满足\">✓</span>"
                } else {
                    "<span class=\"no\" title=\"未满足\">✗</span>"
                };
                assert!(
                    page.contains(&format!("{mark} {}</li>", html_escape(&c.text))),
                    "{}",
                    c.text
                );
            }
        }
        assert!(page.contains("<span class=\"badge no\">✗ 未达到</span>"));
        assert!(page.contains("距“省级示范档案室”还差："));
        for missing in &card.next_tier_missing {
            assert!(page.contains(&format!("<li>{}</li>", html_escape(missing))));
        }
        assert!(
            page.contains(">88.5<") && page.contains(">92.5<"),
            "total and self-assessed"
        );
        assert!(page.contains("自评 92.5 分，复核 88.5 分，复核比自评少 4 分"));
        assert!(
            page.contains("<td class=\"num\">90%</td>"),
            "category A: 18 of 20"
        );
        assert!(
            page.contains("<td class=\"num\">2.5</td><td class=\"num\">1.5</td>"),
            "A1: 2.5 of 4, lost 1.5"
        );
        assert!(
            page.contains(&html_escape(SCRIPT)),
            "the order's requirement"
        );
        assert!(!page.contains("已达到本测评标准的最高等级"));
        assert_safe(&page);
    }

    #[test]
    fn notice_has_the_prescribed_wording() {
        let n = notice();
        let page = html().notice(&n).expect("renders");
        assert!(page.contains("<h1>整改通知书</h1>"));
        assert!(page.contains(&format!("<p class=\"number\">{}</p>", n.number)));
        assert!(page.contains(&format!(
            "<p class=\"to\">{}：</p>",
            html_escape(&n.unit_name)
        )));
        assert!(page.contains("根据2012年度档案工作年检结果，你单位存在以下 1 项问题，请按所列期限逐项整改，并于 <span class=\"date\">2012年6月30日</span> 前将整改情况连同佐证材料书面报告我局。"));
        assert!(page.contains("<td>B1</td><td class=\"text\">库房温湿度无记录</td>"));
        assert!(page.contains("<td class=\"date\">2012年6月30日</td>"));
        assert!(page.contains(
            "<div class=\"issuer\"><p class=\"bureau\">杭州市上城区档案局</p><p class=\"date\">2012年4月1日</p></div>"
        ));
        assert!(page.contains("<div class=\"seal\">（盖章）</div>"));
        assert!(page.contains("联系电话：<span class=\"nowrap\">0571-87000000</span>"));
        assert!(page.contains("签收人："));
        // One line: no head rows, it stays with the signature.
        assert!(!page.contains("<tbody>\n<tr>"));
        assert_eq!(page.matches("<tbody class=\"tail\">").count(), 1);
        // A draft says it has no number yet; no contact lines when none is set.
        let mut draft = n.clone();
        draft.number.clear();
        draft.serial = None;
        draft.bureau_address = None;
        draft.bureau_phone = None;
        let page = html().notice(&draft).expect("renders");
        assert!(page.contains("（未签发：档案局签发时编号）"));
        assert!(!page.contains("联系地址") && !page.contains("联系电话"));
        let both = html().notices(&[n.clone(), n]).expect("renders");
        assert_eq!(
            both.matches("<article class=\"notice\">").count(),
            2,
            "one page each (break-after in print CSS)"
        );
        assert!(CSS.contains("break-after: page"));
    }

    #[test]
    fn an_override_folder_replaces_templates_and_style() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("dashboard.hbs"),
            "本局样式 {{year}} {{report.total.units}}",
        )
        .expect("write");
        std::fs::create_dir(dir.path().join("partials")).expect("mkdir");
        std::fs::write(
            dir.path().join("partials/layout.hbs"),
            "<!doctype html><style>{{report_css}}</style>{{> @partial-block}}",
        )
        .expect("write");
        std::fs::write(dir.path().join("report.css"), "body { color: #123456; }").expect("write");
        std::fs::write(dir.path().join("extra.hbs"), "附加 {{name}}").expect("write");
        std::fs::write(dir.path().join(".hidden.hbs"), "{{").expect("write");
        let h = Html::new(Some(dir.path())).expect("overrides compile");
        let report = district(&input());
        assert_eq!(h.dashboard(&report).expect("renders"), "本局样式 2011 54");
        let card = h.unit_card(&card()).expect("renders");
        assert!(card.starts_with("<!doctype html><style>body { color: #123456; }</style>"));
        assert!(!card.contains("<meta"), "the bureau's layout, not ours");
        assert_eq!(
            h.render("extra", &serde_json::json!({"name": "<b>"}))
                .expect("renders"),
            "附加 &lt;b&gt;"
        );
        // Templates it does not override stay the embedded ones.
        assert!(h.notice(&notice()).expect("renders").contains("整改通知书"));
    }

    #[test]
    fn override_errors_are_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            Html::new(Some(&dir.path().join("nope"))),
            Err(ReportError::TemplateSource(_))
        ));
        std::fs::write(dir.path().join("unit-card.hbs"), "{{#if x}}").expect("write");
        assert!(
            matches!(
                Html::new(Some(dir.path())),
                Err(ReportError::TemplateSource(_))
            ),
            "syntax error at start"
        );
        std::fs::remove_file(dir.path().join("unit-card.hbs")).expect("rm");
        std::fs::write(dir.path().join("report.css"), "x{}</style><script>").expect("write");
        let err = Html::new(Some(dir.path())).expect_err("css may not close the style element");
        assert!(err.to_string().contains("report.css"), "{err}");
    }

    #[test]
    fn strict_mode_catches_a_missing_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("dashboard.hbs"),
            "{{report.year}} {{report.totl.units}}",
        )
        .expect("write");
        let h = Html::new(Some(dir.path())).expect("compiles");
        let err = h.dashboard(&district(&input())).expect_err("strict mode");
        assert!(matches!(err, ReportError::Template(_)));
        assert!(err.to_string().contains("totl"), "{err}");
        // Helpers are strict too.
        assert!(
            h.hb.render_template("{{points nope}}", &serde_json::json!({}))
                .is_err()
        );
        assert!(
            h.hb.render_template("{{percent a nope}}", &serde_json::json!({"a": 1}))
                .is_err()
        );
    }

    #[test]
    fn helpers_format_numbers() {
        let h = html();
        let data = serde_json::json!({"a": 88.5, "b": 90.0, "none": null, "part": 19, "whole": 52, "zero": 0, "d": -0.5, "s": "x"});
        let render = |t: &str| h.hb.render_template(t, &data).expect(t);
        assert_eq!(
            render("{{points a}} {{points b}} {{points none}}"),
            "88.5 90 —"
        );
        assert_eq!(
            render("{{percent part whole}} {{percent part zero}} {{percent part none}}"),
            "36.5% — —"
        );
        assert_eq!(
            render("{{signed a}} {{signed d}} {{signed zero}} {{signed none}}"),
            "+88.5 -0.5 0 —"
        );
        assert!(
            h.hb.render_template("{{points s}}", &data).is_err(),
            "a string is not a number"
        );
        assert_eq!(points(Some(0.04)), "0.04");
        assert_eq!(points(Some(0.004)), "0");
        assert_eq!(percent(Some(2.0), Some(3.0)), "66.7%");
        assert!(matches!(
            h.render("no-such-page", &()),
            Err(ReportError::Template(_))
        ));
    }

    #[test]
    fn render_takes_any_data() {
        // A notice as the printing view gives it: the lines split for print.
        let mut n = serde_json::to_value(notice()).expect("json");
        n["head"] = serde_json::json!([]);
        n["tail"] = n["lines"].clone();
        n["count"] = serde_json::json!(1);
        let page = html()
            .render(
                "rectification-notice",
                &serde_json::json!({"title": "t", "notice": n}),
            )
            .expect("renders");
        assert!(page.contains("整改通知书"));
    }

    #[test]
    fn dashboard_for_five_thousand_units() {
        let mut input = input();
        let template = input.units[0].clone();
        let streets: Vec<String> = (0..12).map(|i| format!("第{i}街道")).collect();
        input.units = (0..5000)
            .map(|n| {
                let tier = ["city-standard", "province-standard", "province-model", ""][n % 4];
                UnitFacts {
                    code: format!("U{n:05}"),
                    name: format!("测试单位{n}"),
                    kind: ["社区", "机关", "学校", "企事业单位"][n % 4].into(),
                    street: Some(streets[n % streets.len()].clone()),
                    current: (n % 17 != 0).then(|| {
                        assessed((!tier.is_empty()).then_some(tier), 700 + (n % 300) as i32)
                    }),
                    previous: (n % 5 != 0).then(|| assessed(Some("city-standard"), 800)),
                    ..template.clone()
                }
            })
            .collect();
        input.orders = input
            .units
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 3 == 0)
            .map(|(n, u)| {
                order(
                    n as i64,
                    u,
                    ["open", "submitted", "verified", "returned", "waived"][n % 5],
                    (n % 40) as i64 - 10,
                )
            })
            .collect();
        input.history = (2005..2011)
            .map(|y| {
                (
                    y,
                    input
                        .units
                        .iter()
                        .map(|_| (Some("city-standard".to_string()), Some(Points(8000))))
                        .collect(),
                )
            })
            .collect();
        let report = district(&input);
        let h = html().with_links(Links::files());
        let started = Instant::now();
        let view = serde_json::to_value(dashboard_view(&report, &h.links, None)).expect("json");
        eprintln!(
            "view as JSON: {:?}, {} KB",
            started.elapsed(),
            view.to_string().len() / 1024
        );
        let started = Instant::now();
        let page = h.dashboard(&report).expect("renders");
        let took = started.elapsed();
        eprintln!(
            "dashboard for {} units: {took:?}, {} KB",
            report.units.len(),
            page.len() / 1024
        );
        assert!(
            page.len() < 400_000,
            "the dashboard lists no units: {} bytes",
            page.len()
        );
        assert!(!page.contains("测试单位1<"));
        let street = district(&ReportInput {
            street: Some(streets[0].clone()),
            units: input
                .units
                .iter()
                .filter(|u| u.street.as_deref() == Some(&streets[0]))
                .cloned()
                .collect(),
            ..input.clone()
        });
        let started = Instant::now();
        let page = h.dashboard(&street).expect("renders");
        eprintln!(
            "street page for {} units: {:?}",
            street.units.len(),
            started.elapsed()
        );
        assert!(page.contains("测试单位12<"));
    }
}
