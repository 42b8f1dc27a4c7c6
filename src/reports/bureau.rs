//! The issuing bureau (发文机关) as the 整改通知书 shows it: its name, address
//! and telephone, and the word its notice numbers start with (机关代字,
//! as in 区档案局整改字〔2012〕第 7 号). Set once at start-up (`serve
//! --bureau …`) and carried by the web settings.

use serde::Serialize;

/// The bureau that issues notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bureau {
    /// 发文机关全称, as signed under the notice (杭州市上城区档案局).
    pub name: String,
    /// 联系地址; not printed when absent.
    pub address: Option<String>,
    /// 联系电话; not printed when absent.
    pub phone: Option<String>,
    /// The word before 〔年份〕 in a notice number (上城区档案局整改字).
    pub notice_prefix: String,
}

/// The generic name used when none is configured: says what it is without
/// pretending to be a particular bureau.
pub const GENERIC_NAME: &str = "区档案局";

impl Default for Bureau {
    fn default() -> Bureau {
        Bureau {
            name: GENERIC_NAME.into(),
            address: None,
            phone: None,
            notice_prefix: default_prefix(GENERIC_NAME),
        }
    }
}

impl Bureau {
    /// A bureau from configuration: blank optional values count as absent,
    /// the prefix defaults to [`default_prefix`] of the name. Refuses an
    /// empty name or prefix, line breaks and other control characters.
    pub fn new(
        name: &str,
        address: Option<&str>,
        phone: Option<&str>,
        notice_prefix: Option<&str>,
    ) -> Result<Bureau, String> {
        let name = checked("档案局名称", name)?.ok_or("档案局名称不能为空")?;
        let notice_prefix = match notice_prefix {
            Some(p) => checked("通知书文号前缀", p)?.ok_or("通知书文号前缀不能为空")?,
            None => default_prefix(&name),
        };
        Ok(Bureau {
            address: address
                .map(|a| checked("联系地址", a))
                .transpose()?
                .flatten(),
            phone: phone.map(|p| checked("联系电话", p)).transpose()?.flatten(),
            name,
            notice_prefix,
        })
    }

    /// The demonstration district's bureau (`serve --demo`): a plausible
    /// name, address and telephone for 上城区. Made up for the demo; a real
    /// deployment sets its own with `--bureau`, `--bureau-address`,
    /// `--bureau-phone`.
    pub fn demo() -> Bureau {
        Bureau {
            name: "杭州市上城区档案局".into(),
            address: Some("杭州市上城区示范路 1 号（演示地址）".into()),
            phone: Some("0571-87000000".into()),
            notice_prefix: default_prefix("杭州市上城区档案局"),
        }
    }

    /// The notice number (文号): 区档案局整改字〔2012〕第 7 号.
    pub fn notice_number(&self, year: i32, serial: i32) -> String {
        format!("{}〔{year}〕第 {serial} 号", self.notice_prefix)
    }
}

/// The notice-number word derived from a bureau's name: its short name
/// (the province and city dropped when a district or county follows:
/// 杭州市上城区档案局 → 上城区档案局) and 整改字.
pub fn default_prefix(name: &str) -> String {
    format!("{}整改字", short_name(name))
}

fn short_name(name: &str) -> &str {
    let mut rest = name;
    for level in ['省', '市'] {
        if let Some((_, after)) = rest.split_once(level)
            && (after.contains('区') || after.contains('县'))
            && after.chars().count() > 3
        {
            rest = after;
        }
    }
    rest
}

/// Trimmed text, None when blank; an error (in Chinese) for control characters.
fn checked(what: &str, text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err(format!("{what}不能含换行或控制字符"));
    }
    if text.chars().count() > 100 {
        return Err(format!("{what}过长（最多 100 个字）"));
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// A date as a Chinese notice writes it: 2027年1月4日.
pub fn chinese_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_comes_from_the_short_name() {
        assert_eq!(default_prefix("区档案局"), "区档案局整改字");
        assert_eq!(default_prefix("杭州市上城区档案局"), "上城区档案局整改字");
        assert_eq!(
            default_prefix("浙江省杭州市上城区档案局"),
            "上城区档案局整改字"
        );
        assert_eq!(default_prefix("杭州市档案局"), "杭州市档案局整改字");
        assert_eq!(default_prefix("桐庐县档案局"), "桐庐县档案局整改字");
    }

    #[test]
    fn numbers_read_as_a_chinese_document_number() {
        let b = Bureau::new("杭州市上城区档案局", None, None, Some(" 上档整字 ")).unwrap();
        assert_eq!(b.notice_number(2012, 7), "上档整字〔2012〕第 7 号");
        assert_eq!(
            Bureau::default().notice_number(2013, 1),
            "区档案局整改字〔2013〕第 1 号"
        );
    }

    #[test]
    fn configuration_is_checked_in_chinese() {
        assert_eq!(
            Bureau::new("  ", None, None, None).unwrap_err(),
            "档案局名称不能为空"
        );
        assert!(
            Bureau::new("区档案局", Some("a\nb"), None, None)
                .unwrap_err()
                .contains("联系地址")
        );
        let b = Bureau::new("区档案局", Some(" "), Some(" 0571-1 "), None).unwrap();
        assert_eq!((b.address, b.phone.as_deref()), (None, Some("0571-1")));
    }

    #[test]
    fn dates_are_written_the_chinese_way() {
        let d = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        assert_eq!(chinese_date(d), "2027年1月4日");
    }
}
