//! Charts drawn on the server as inline SVG: grouped bars, horizontal stacked
//! bars and lines, with axes, labels and a legend.
//!
//! Pages carry no script and load nothing, so a chart is markup the page
//! inserts as it is (`{{{chart}}}` in a template). Every text that goes into
//! the markup — unit, street and item names are user input — passes through
//! [`escape`] here; that is what makes the raw insertion safe.
//!
//! Drawing rules: a `viewBox` and no fixed size, so a chart scales to its
//! box; colours differ in lightness as well as hue, outlines and dash
//! patterns separate what colour alone would not, so a greyscale print still
//! reads; no font is named, so labels use the page's (Chinese) font.

use std::fmt::Write as _;

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// How a bar or a segment is painted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paint {
    /// `#rrggbb`.
    pub fill: String,
    /// A dashed outline, for a white or very light fill (未提交).
    pub dashed: bool,
}

impl Paint {
    pub fn solid(fill: &str) -> Paint {
        Paint {
            fill: fill.to_string(),
            dashed: false,
        }
    }

    fn outline(&self) -> String {
        if self.dashed {
            r##" stroke="#444" stroke-width="1" stroke-dasharray="3 2""##.into()
        } else {
            r##" stroke="#333" stroke-width="0.5""##.into()
        }
    }

    /// Dark text on light fills, white on dark ones.
    fn text_colour(&self) -> &'static str {
        if luminance(&self.fill) < 0.5 {
            "#fff"
        } else {
            "#111"
        }
    }
}

/// One named row of values: a bar series, a line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// One horizontal bar, split into segments.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
}

/// The ordinal palette of tier charts: 未提交, 未达标, then each tier, lowest
/// first, from light to dark so the order survives a greyscale print.
pub fn tier_paints(tiers: usize) -> Vec<Paint> {
    let mut paints = vec![
        Paint {
            fill: "#ffffff".into(),
            dashed: true,
        },
        Paint::solid("#e0e0e0"),
    ];
    let (light, dark) = ((0x9e, 0xca, 0xe1), (0x08, 0x30, 0x6b));
    for i in 0..tiers {
        let t = if tiers <= 1 {
            1.0
        } else {
            i as f64 / (tiers - 1) as f64
        };
        paints.push(Paint::solid(&mix(light, dark, t)));
    }
    paints
}

/// This year dark, last year light: the two series of a year-on-year chart.
pub fn year_paints() -> Vec<Paint> {
    vec![Paint::solid("#2b5d8a"), Paint::solid("#b8cde0")]
}

fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> String {
    let channel = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        channel(a.0, b.0),
        channel(a.1, b.1),
        channel(a.2, b.2)
    )
}

/// Relative lightness of `#rrggbb` in 0..=1 (the greyscale a printer makes).
fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, f64::from)
    };
    (0.299 * channel(0) + 0.587 * channel(2) + 0.114 * channel(4)) / 255.0
}

/// Line styles: colour, dash pattern and marker differ, so lines stay apart
/// in greyscale.
const LINE_COLOURS: [&str; 5] = ["#08306b", "#2171b5", "#6a6a6a", "#4a1486", "#8c2d04"];
const LINE_DASHES: [&str; 5] = ["", "7 4", "2 3", "10 3 2 3", "4 2"];

fn marker(index: usize, x: f64, y: f64, colour: &str) -> String {
    match index % 4 {
        0 => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{colour}"/>"#),
        1 => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{colour}"/>"#,
            x - 3.5,
            y - 3.5
        ),
        2 => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{colour}"/>"#,
            y - 4.5,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
        _ => format!(
            r##"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" fill="#fff" stroke="{colour}" stroke-width="1.5"/>"##,
            y - 4.5,
            x + 4.5,
            y + 4.5,
            x - 4.5
        ),
    }
}

/// A number as shown on a chart: "12", "30.5".
pub fn number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Estimated width of a label: CJK and other wide characters one em,
/// ASCII a little over half.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// Shortens a label to fit `width`, ending it with "…".
fn fit(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = size; // room for the ellipsis
    for c in text.chars() {
        used += if c.is_ascii() { 0.58 * size } else { size };
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A top for the value axis and its step: 1, 2 or 5 times a power of ten,
/// about five ticks; whole steps for counts.
fn scale(max: f64, whole: bool) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    if whole {
        step = step.max(1.0).round();
    }
    let top = (max / step).ceil() * step;
    (top, step)
}

const WIDTH: f64 = 720.0;
const FONT: f64 = 13.0;
const SMALL: f64 = 11.0;

fn open(height: f64, title: &str) -> String {
    let title = escape(title);
    format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="{title}" font-size="{FONT}"><title>{title}</title>"#
    )
}

/// A legend along the top; returns the markup and the height used.
fn legend(entries: &[(String, String)], left: f64) -> (String, f64) {
    let mut out = String::from(r#"<g class="legend">"#);
    let (mut x, mut y) = (left, 16.0);
    for (swatch, name) in entries {
        let width = 22.0 + text_width(name, SMALL) + 14.0;
        if x + width > WIDTH - 8.0 && x > left {
            x = left;
            y += 18.0;
        }
        let _ = write!(
            out,
            r#"<g transform="translate({x:.1} {:.1})">{swatch}<text x="22" y="9" font-size="{SMALL}">{}</text></g>"#,
            y - 9.0,
            escape(name)
        );
        x += width;
    }
    out.push_str("</g>");
    (out, y + 10.0)
}

fn swatch(paint: &Paint) -> String {
    format!(
        r#"<rect x="0" y="0" width="16" height="11" fill="{}"{}/>"#,
        paint.fill,
        paint.outline()
    )
}

fn line_swatch(index: usize) -> String {
    let colour = LINE_COLOURS[index % LINE_COLOURS.len()];
    let dash = LINE_DASHES[index % LINE_DASHES.len()];
    format!(
        r#"<line x1="0" y1="5.5" x2="18" y2="5.5" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>{}"#,
        marker(index, 9.0, 5.5, colour)
    )
}

/// The value axis with grid lines, for vertical charts.
fn value_axis(left: f64, right: f64, top: f64, bottom: f64, max: f64, step: f64) -> String {
    let mut out = String::from(r#"<g class="axis">"#);
    let ticks = (max / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let y = bottom - (bottom - top) * v / max;
        let _ = write!(
            out,
            r##"<line x1="{left:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="{}" stroke-width="0.6"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="{SMALL}" fill="#333">{}</text>"##,
            if i == 0 { "#333" } else { "#d0d0d0" },
            left - 5.0,
            y + 4.0,
            number(v)
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{left:.1}" y1="{top:.1}" x2="{left:.1}" y2="{bottom:.1}" stroke="#333" stroke-width="0.6"/></g>"##
    );
    out
}

/// Vertical grouped bars: one group per category, one bar per series.
/// `whole`: the values are counts (whole ticks).
pub fn grouped_bars(
    title: &str,
    categories: &[String],
    series: &[Series],
    paints: &[Paint],
    whole: bool,
) -> String {
    let left = 48.0;
    let right = WIDTH - 12.0;
    let entries: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (swatch(&paints[i % paints.len().max(1)]), s.name.clone()))
        .collect();
    let (legend, legend_height) = legend(&entries, left);
    let top = legend_height + 18.0;
    let bottom = top + 220.0;
    let height = bottom + 34.0;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (axis_max, step) = scale(max, whole);

    let mut out = open(height, title);
    out.push_str(&legend);
    out.push_str(&value_axis(left, right, top, bottom, axis_max, step));
    let band = (right - left) / categories.len().max(1) as f64;
    let group = band * 0.72;
    let bar = group / series.len().max(1) as f64;
    for (c, category) in categories.iter().enumerate() {
        let x0 = left + band * c as f64 + (band - group) / 2.0;
        for (s, serie) in series.iter().enumerate() {
            let value = serie.values.get(c).copied().unwrap_or(0.0);
            let h = (bottom - top) * value / axis_max;
            let x = x0 + bar * s as f64;
            let paint = &paints[s % paints.len().max(1)];
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{}"{}><title>{}：{}</title></rect>"#,
                bottom - h,
                (bar - 2.0).max(1.0),
                paint.fill,
                paint.outline(),
                escape(&format!("{category} {}", serie.name)),
                number(value)
            );
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{SMALL}" fill="#111">{}</text>"##,
                x + bar / 2.0 - 1.0,
                bottom - h - 4.0,
                number(value)
            );
        }
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#111">{}</text>"##,
            left + band * (c as f64 + 0.5),
            bottom + 20.0,
            escape(&fit(category, band - 4.0, FONT))
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal stacked bars: one bar per row, its values in segments painted
/// in order; each bar ends with its total.
pub fn stacked_bars(title: &str, bars: &[Bar], segments: &[String], paints: &[Paint]) -> String {
    let label_width = bars
        .iter()
        .map(|b| text_width(&b.label, FONT))
        .fold(0.0, f64::max)
        .clamp(40.0, 200.0);
    let left = label_width + 14.0;
    let right = WIDTH - 44.0;
    let entries: Vec<(String, String)> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (swatch(&paints[i % paints.len().max(1)]), s.clone()))
        .collect();
    let (legend, legend_height) = if segments.len() > 1 {
        legend(&entries, 8.0)
    } else {
        (String::new(), 0.0)
    };
    let top = legend_height + 10.0;
    let row = 26.0;
    let height = top + row * bars.len() as f64 + 8.0;
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };

    let mut out = open(height, title);
    out.push_str(&legend);
    for (r, b) in bars.iter().enumerate() {
        let y = top + row * r as f64;
        let shown = fit(&b.label, label_width, FONT);
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#111">{}{}</text>"##,
            left - 6.0,
            y + row / 2.0 + 4.0,
            escape(&shown),
            if shown == b.label {
                String::new()
            } else {
                format!("<title>{}</title>", escape(&b.label))
            }
        );
        let mut x = left;
        for (s, value) in b.values.iter().copied().enumerate() {
            if value <= 0.0 {
                continue;
            }
            let w = (right - left) * value / max;
            let paint = &paints[s % paints.len().max(1)];
            let name = segments.get(s).map_or("", String::as_str);
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"{}><title>{}：{}</title></rect>"#,
                y + 4.0,
                row - 8.0,
                paint.fill,
                paint.outline(),
                escape(&format!("{} {name}", b.label)),
                number(value)
            );
            let text = number(value);
            // One segment: its value is the total at the end already.
            if segments.len() > 1 && text_width(&text, SMALL) + 4.0 <= w {
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{SMALL}" fill="{}">{text}</text>"#,
                    x + w / 2.0,
                    y + row / 2.0 + 4.0,
                    paint.text_colour()
                );
            }
            x += w;
        }
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="{SMALL}" fill="#111">{}</text>"##,
            x + 4.0,
            y + row / 2.0 + 4.0,
            number(b.values.iter().sum())
        );
    }
    let _ = write!(
        out,
        r##"<line x1="{left:.1}" y1="{top:.1}" x2="{left:.1}" y2="{:.1}" stroke="#333" stroke-width="0.6"/></svg>"##,
        height - 8.0
    );
    out
}

/// Lines over the x labels (years); `whole`: the values are counts.
pub fn lines(title: &str, x_labels: &[String], series: &[Series], whole: bool) -> String {
    let left = 48.0;
    let right = WIDTH - 16.0;
    let entries: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (line_swatch(i), s.name.clone()))
        .collect();
    let (legend, legend_height) = legend(&entries, left);
    let top = legend_height + 18.0;
    let bottom = top + 220.0;
    let height = bottom + 34.0;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (axis_max, step) = scale(max, whole);
    let band = (right - left) / x_labels.len().max(1) as f64;
    let x_of = |i: usize| left + band * (i as f64 + 0.5);
    let y_of = |v: f64| bottom - (bottom - top) * v / axis_max;

    let mut out = open(height, title);
    out.push_str(&legend);
    out.push_str(&value_axis(left, right, top, bottom, axis_max, step));
    for (i, label) in x_labels.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#111">{}</text>"##,
            x_of(i),
            bottom + 20.0,
            escape(&fit(label, band - 4.0, FONT))
        );
    }
    for (s, serie) in series.iter().enumerate() {
        let colour = LINE_COLOURS[s % LINE_COLOURS.len()];
        let dash = LINE_DASHES[s % LINE_DASHES.len()];
        let points: Vec<String> = serie
            .values
            .iter()
            .take(x_labels.len())
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
            points.join(" ")
        );
        for (i, v) in serie.values.iter().take(x_labels.len()).enumerate() {
            let _ = write!(
                out,
                "<g>{}<title>{}：{}</title></g>",
                marker(s, x_of(i), y_of(*v), colour),
                escape(&format!("{} {}", x_labels[i], serie.name)),
                number(*v)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = r#"<script>alert(1)</script>"><img src=x onerror=alert(1)>&'"#;

    fn series(name: &str, values: &[f64]) -> Series {
        Series {
            name: name.into(),
            values: values.to_vec(),
        }
    }

    /// No tag from the data survives: every `<` in the output opens one of
    /// the elements the drawing code writes.
    fn only_own_elements(svg: &str) {
        for tag in svg.split('<').skip(1) {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            assert!(
                [
                    "svg", "/svg", "title", "/title", "g", "/g", "rect", "/rect", "text", "/text",
                    "line", "polyline", "circle", "path"
                ]
                .contains(&name.as_str()),
                "unexpected element <{name} in {svg}"
            );
        }
        assert!(!svg.contains("<script") && !svg.contains("<img"));
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("小营街道"), "小营街道");
        assert_eq!(escape("a\u{0}b"), "ab", "XML forbids NUL");
    }

    #[test]
    fn every_chart_escapes_its_labels() {
        let names = vec![HOSTILE.to_string(), "=HYPERLINK(\"x\")".into()];
        let bars = grouped_bars(
            HOSTILE,
            &names,
            &[series(HOSTILE, &[1.0, 2.0])],
            &year_paints(),
            true,
        );
        let stacked = stacked_bars(
            HOSTILE,
            &[Bar {
                label: HOSTILE.into(),
                values: vec![3.0, 4.0],
            }],
            &names,
            &tier_paints(0),
        );
        let line = lines(HOSTILE, &names, &[series(HOSTILE, &[1.0, 5.0])], true);
        for svg in [bars, stacked, line] {
            only_own_elements(&svg);
            assert!(svg.contains("&lt;script&gt;"), "the text is kept, escaped");
            assert!(svg.contains("=HYPERLINK(&quot;x&quot;)"));
            assert!(svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 720 "));
        }
    }

    #[test]
    fn grouped_bars_show_each_value_and_category() {
        let svg = grouped_bars(
            "等级分布",
            &["未提交".into(), "市级规范化".into()],
            &[
                series("2012 年", &[5.0, 28.0]),
                series("2011 年", &[7.0, 25.0]),
            ],
            &year_paints(),
            true,
        );
        for text in [
            ">28<",
            ">25<",
            ">5<",
            ">7<",
            ">未提交<",
            ">市级规范化<",
            ">2012 年<",
            ">2011 年<",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert_eq!(
            svg.matches("<rect").count(),
            4 + 2,
            "four bars and two legend swatches"
        );
        // Axis: 28 rounds up to 30 in steps of 10.
        assert!(svg.contains(">30<") && svg.contains(">20<") && !svg.contains(">40<"));
    }

    #[test]
    fn stacked_bars_total_each_row_and_skip_empty_segments() {
        let svg = stacked_bars(
            "各街道",
            &[
                Bar {
                    label: "小营街道".into(),
                    values: vec![6.0, 0.0, 13.0],
                },
                Bar {
                    label: "湖滨街道".into(),
                    values: vec![1.0, 2.0, 3.0],
                },
            ],
            &["省级示范".into(), "省级规范化".into(), "未达标".into()],
            &tier_paints(1),
        );
        assert!(svg.contains(">19<") && svg.contains(">6<"), "row totals");
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 3 + 3,
            "five segments and three swatches"
        );
    }

    #[test]
    fn lines_mark_every_point() {
        let years: Vec<String> = ["2010", "2011", "2012"]
            .iter()
            .map(ToString::to_string)
            .collect();
        let svg = lines(
            "趋势",
            &years,
            &[
                series("达到省级示范及以上", &[1.0, 4.0, 6.0]),
                series("已提交", &[40.0, 50.0, 52.0]),
            ],
            true,
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(
            svg.matches("<title>").count(),
            1 + 6,
            "the chart and each point"
        );
        assert!(svg.contains("2012 达到省级示范及以上：6"));
    }

    #[test]
    fn empty_charts_still_draw() {
        let svg = grouped_bars("空", &[], &[], &year_paints(), true);
        assert!(svg.ends_with("</svg>"));
        let svg = stacked_bars("空", &[], &[], &[]);
        assert!(svg.ends_with("</svg>"));
        let svg = lines("空", &[], &[], true);
        assert!(svg.ends_with("</svg>") && !svg.contains("NaN"));
    }

    #[test]
    fn scales_and_numbers() {
        assert_eq!(scale(28.0, true), (30.0, 10.0));
        assert_eq!(scale(22.0, true), (25.0, 5.0));
        assert_eq!(scale(0.0, true), (1.0, 1.0));
        assert_eq!(scale(3.0, true), (3.0, 1.0));
        assert_eq!(scale(4700.0, true), (5000.0, 1000.0));
        assert_eq!(number(30.0), "30");
        assert_eq!(number(30.46), "30.5");
        assert_eq!(fit("很长很长的街道名称", 60.0, 13.0), "很长很…");
    }

    #[test]
    fn palettes_get_darker_up_the_tiers() {
        let paints = tier_paints(3);
        assert_eq!(paints.len(), 5);
        let light: Vec<f64> = paints.iter().map(|p| luminance(&p.fill)).collect();
        assert!(light.windows(2).all(|w| w[0] > w[1] + 0.1), "{light:?}");
        assert!(paints[0].dashed, "未提交 is white with a dashed outline");
    }
}
