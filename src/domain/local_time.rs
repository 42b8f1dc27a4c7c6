//! The bureau's local time (本地时间): records are kept in UTC, people read
//! them in the bureau's zone. China keeps one offset all year (no summer
//! time), so a zone is a fixed offset; the names a bureau would type are
//! known here, anything else is written as an offset (+08:00).

use chrono::{FixedOffset, NaiveDateTime};

/// A time zone as a fixed offset from UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(FixedOffset);

/// Zone names and their offsets in hours. None of them keeps summer time.
const NAMED: &[(&str, i32)] = &[
    ("Asia/Shanghai", 8),
    ("Asia/Chongqing", 8),
    ("Asia/Harbin", 8),
    ("Asia/Hong_Kong", 8),
    ("Asia/Macau", 8),
    ("Asia/Taipei", 8),
    ("PRC", 8),
    ("Asia/Urumqi", 6),
    ("UTC", 0),
    ("Etc/UTC", 0),
];

impl Default for Zone {
    /// China Standard Time (Asia/Shanghai).
    fn default() -> Self {
        Zone(FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"))
    }
}

impl Zone {
    /// A name from the table above, or an offset: `+08:00`, `+8`, `-05:30`.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let text = text.trim();
        if let Some((_, hours)) = NAMED
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
        {
            return Ok(Zone(
                FixedOffset::east_opt(hours * 3600).expect("a known offset"),
            ));
        }
        let refuse =
            || format!("时区“{text}”无法识别：请写 Asia/Shanghai 这样的名称，或 +08:00 这样的时差");
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => return Err(refuse()),
        };
        let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
        let hours: i32 = hours.parse().map_err(|_| refuse())?;
        let minutes: i32 = minutes.parse().map_err(|_| refuse())?;
        if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
            return Err(refuse());
        }
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
            .map(Zone)
            .ok_or_else(refuse)
    }

    pub fn offset(self) -> FixedOffset {
        self.0
    }

    /// The bureau's date of a UTC moment.
    pub fn date_of(self, utc: NaiveDateTime) -> chrono::NaiveDate {
        utc.and_utc().with_timezone(&self.0).date_naive()
    }

    /// The bureau's time of day at a UTC moment.
    pub fn time_of(self, utc: NaiveDateTime) -> chrono::NaiveTime {
        utc.and_utc().with_timezone(&self.0).time()
    }

    /// A UTC moment as people read it: 2026年12月6日 10:47.
    pub fn show(self, utc: NaiveDateTime) -> String {
        let local = utc.and_utc().with_timezone(&self.0);
        local.format("%Y年%-m月%-d日 %H:%M").to_string()
    }

    /// The same for a moment written `2026-12-06T02:47:36Z` (as the API
    /// writes them); other text is given back unchanged.
    pub fn show_text(self, text: &str) -> String {
        let trimmed = text.trim().trim_end_matches('Z');
        NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S")
            .map(|t| self.show(t))
            .unwrap_or_else(|_| text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_falls_on_the_bureaus_date() {
        let at = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").unwrap();
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let shanghai = Zone::parse("+08:00").unwrap();
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap();
        // (UTC moment, zone, local date, local time)
        for (utc, zone, date, clock) in [
            ("2026-12-06T15:59", shanghai, "2026-12-06", "23:59"),
            ("2026-12-06T16:00", shanghai, "2026-12-07", "00:00"),
            ("2026-12-07T00:00", shanghai, "2026-12-07", "08:00"),
            (
                "2026-12-06T23:00",
                Zone::parse("UTC").unwrap(),
                "2026-12-06",
                "23:00",
            ),
        ] {
            assert_eq!(zone.date_of(at(utc)), day(date), "{utc}");
            assert_eq!(zone.time_of(at(utc)), time(clock), "{utc}");
        }
    }

    #[test]
    fn zones_are_read_from_names_and_offsets() {
        let cases: &[(&str, Option<i32>)] = &[
            ("Asia/Shanghai", Some(8 * 3600)),
            ("asia/shanghai", Some(8 * 3600)),
            ("Asia/Urumqi", Some(6 * 3600)),
            ("UTC", Some(0)),
            ("+08:00", Some(8 * 3600)),
            ("+8", Some(8 * 3600)),
            ("-05:30", Some(-(5 * 3600 + 1800))),
            ("Europe/Paris", None),
            ("+15:00", None),
            ("08:00", None),
            ("", None),
        ];
        for (text, want) in cases {
            let got = Zone::parse(text).ok().map(|z| z.offset().local_minus_utc());
            assert_eq!(got, *want, "{text}");
        }
        assert!(Zone::parse("Mars").unwrap_err().contains("Mars"));
    }

    #[test]
    fn moments_are_shown_in_local_time() {
        let zone = Zone::default();
        // 20:30 UTC is the next morning in Beijing.
        assert_eq!(
            zone.show_text("2026-12-05T20:30:00Z"),
            "2026年12月6日 04:30"
        );
        assert_eq!(zone.show_text("not a time"), "not a time");
        let utc = Zone::parse("UTC").unwrap();
        assert_eq!(utc.show_text("2026-01-02T03:04:05Z"), "2026年1月2日 03:04");
    }
}
