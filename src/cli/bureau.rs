//! `serve`'s options for the bureau that signs the 整改通知书.

use crate::reports::bureau::Bureau;

use super::CliError;

/// 发文机关（整改通知书的落款、联系方式与文号）。
#[derive(clap::Args, Debug, Default)]
pub struct BureauArgs {
    /// 档案局全称，印在整改通知书的落款处（如“杭州市上城区档案局”）；未指定时为“区档案局”，演示模式下为演示用的名称。
    #[arg(long = "bureau", value_name = "名称")]
    pub name: Option<String>,
    /// 档案局联系地址，印在整改通知书上；未指定时不印。
    #[arg(long = "bureau-address", value_name = "地址")]
    pub address: Option<String>,
    /// 档案局联系电话，印在整改通知书上；未指定时不印。
    #[arg(long = "bureau-phone", value_name = "电话")]
    pub phone: Option<String>,
    /// 整改通知书文号中年份前的机关代字（如“上档整字”得“上档整字〔2012〕第 7 号”）；默认取档案局简称加“整改字”。
    #[arg(long = "notice-prefix", value_name = "代字")]
    pub notice_prefix: Option<String>,
}

impl BureauArgs {
    /// The configured bureau. With `--demo`, what is not given comes from
    /// the demonstration district; otherwise from the generic default.
    pub fn resolve(&self, demo: bool) -> Result<Bureau, CliError> {
        let fallback = if demo {
            Bureau::demo()
        } else {
            Bureau::default()
        };
        let name = self.name.as_deref().unwrap_or(&fallback.name);
        let named = self.name.is_some();
        // A prefix derived from another name would not fit a given name.
        let prefix = self
            .notice_prefix
            .as_deref()
            .or((!named).then_some(fallback.notice_prefix.as_str()));
        let or_demo = |given: &Option<String>, demo_value: &Option<String>| {
            given
                .clone()
                .or_else(|| (!named).then(|| demo_value.clone()).flatten())
        };
        Bureau::new(
            name,
            or_demo(&self.address, &fallback.address).as_deref(),
            or_demo(&self.phone, &fallback.phone).as_deref(),
            prefix,
        )
        .map_err(|e| CliError::Invalid(format!("发文机关设置有误：{e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_generic_and_the_demo_plausible() {
        let plain = BureauArgs::default().resolve(false).unwrap();
        assert_eq!(plain, Bureau::default());
        assert_eq!(plain.name, "区档案局");
        assert_eq!((plain.address, plain.phone), (None, None));
        let demo = BureauArgs::default().resolve(true).unwrap();
        assert_eq!(demo, Bureau::demo());
        assert!(demo.phone.is_some() && demo.address.is_some());
    }

    #[test]
    fn a_named_bureau_does_not_borrow_the_demo_contact() {
        let args = BureauArgs {
            name: Some("杭州市西湖区档案局".into()),
            phone: Some("0571-1234".into()),
            ..BureauArgs::default()
        };
        let b = args.resolve(true).unwrap();
        assert_eq!(b.notice_prefix, "西湖区档案局整改字");
        assert_eq!((b.address, b.phone.as_deref()), (None, Some("0571-1234")));
        let bad = BureauArgs {
            name: Some(" ".into()),
            ..BureauArgs::default()
        };
        assert!(
            matches!(bad.resolve(false), Err(CliError::Invalid(m)) if m.contains("名称不能为空"))
        );
    }
}
