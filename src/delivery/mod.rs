//! Sending out: a digest by e-mail (SMTP, through lettre) and by webhook
//! (a JSON POST, through ureq) that a bureau points at its 钉钉 or 企业微信
//! (政务微信) group robot. Both block the calling thread, each with a time
//! limit, so the caller runs them off the request path
//! (`service::digests`). Only this module names lettre and ureq.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

/// How long one attempt may take, connecting included: a receiver that
/// hangs costs its own delivery this long, nothing else.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// Why a delivery failed, as the delivery log shows it.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("收件地址 {address} 不是有效的电子邮箱")]
    Address { address: String },
    #[error("邮件无法生成：{0}")]
    Message(#[from] lettre::error::Error),
    #[error("邮件服务器 {server} 未能发送：{}（{source}）", smtp_reason(source))]
    Smtp {
        server: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("无法送达群机器人：{reason}（{0}）", reason = http_reason(.0))]
    Http(#[from] ureq::Error),
    #[error("群机器人地址答复 HTTP {status}：{body}")]
    Status { status: u16, body: String },
    #[error("机器人拒收（errcode {code}）：{message}")]
    Refused { code: i64, message: String },
}

/// What went wrong with a mail server, in Chinese; the library's own words
/// follow in brackets for whoever looks further.
fn smtp_reason(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_timeout() {
        "连接超时"
    } else if e.is_tls() {
        "加密连接失败"
    } else if e.is_permanent() {
        "服务器拒收"
    } else if e.is_transient() {
        "服务器暂时无法接收"
    } else {
        "无法连接或通信中断"
    }
}

/// What went wrong with a webhook, in Chinese (as [`smtp_reason`]).
fn http_reason(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "连接超时",
        ureq::Error::HostNotFound => "找不到主机",
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => "连接被拒绝",
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => "连接超时",
        ureq::Error::Tls(_) => "加密连接失败",
        _ => "无法连接或通信中断",
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 465).
    #[default]
    Tls,
    /// Plain, then STARTTLS (port 587); refused without it.
    StartTls,
    /// No encryption (port 25): only to a relay on the same machine or
    /// network.
    None,
}

impl Security {
    pub fn parse(text: &str) -> Result<Security, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Ok(Security::Tls),
            "starttls" => Ok(Security::StartTls),
            "none" => Ok(Security::None),
            other => Err(format!(
                "“{other}”不是加密方式，可写 \"tls\"、\"starttls\" 或 \"none\""
            )),
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        }
    }
}

/// The mail server the digests go through.
#[derive(Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: Option<u16>,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, `年检系统 <nianjian@example.gov.cn>` or a bare address.
    pub from: String,
}

/// Never shows the password (configurations are printed in errors and
/// logs).
impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("from", &self.from)
            .finish()
    }
}

impl Smtp {
    fn server(&self) -> String {
        format!(
            "{}:{}",
            self.host,
            self.port.unwrap_or(self.security.default_port())
        )
    }
}

fn mailbox(address: &str) -> Result<Mailbox, DeliveryError> {
    address.parse().map_err(|_| DeliveryError::Address {
        address: address.to_string(),
    })
}

/// Whether `address` is one an e-mail can be sent to.
pub fn is_address(address: &str) -> bool {
    mailbox(address).is_ok()
}

/// Sends one plain-text mail. The body goes as base64, which every mail
/// server passes unchanged whatever it makes of Chinese text.
pub fn send_mail(smtp: &Smtp, to: &str, subject: &str, text: &str) -> Result<(), DeliveryError> {
    let message = Message::builder()
        .from(mailbox(&smtp.from)?)
        .to(mailbox(to)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(text.to_string())?;
    let failed = |source| DeliveryError::Smtp {
        server: smtp.server(),
        source,
    };
    let builder = match smtp.security {
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(failed)?,
        Security::StartTls => SmtpTransport::starttls_relay(&smtp.host).map_err(failed)?,
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
    };
    let mut builder = builder
        .port(smtp.port.unwrap_or(smtp.security.default_port()))
        .timeout(Some(TIME_LIMIT));
    if let Some(user) = &smtp.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            smtp.password.clone().unwrap_or_default(),
        ));
    }
    builder.build().send(&message).map_err(failed)?;
    Ok(())
}

/// The body of a webhook POST: a text message as 钉钉 and 企业微信 robots
/// take it (`msgtype`, `text.content`), with the digest's parts beside it
/// for receivers that read them.
pub fn robot_message(text: &str, digest: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "msgtype": "text",
        "text": { "content": text },
        "nianjian": digest,
    })
}

/// Posts `body` to `url`. A robot answers 200 even when it refuses a
/// message, with a non-zero `errcode`; that counts as a failure.
pub fn post_webhook(url: &str, body: &serde_json::Value) -> Result<(), DeliveryError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIME_LIMIT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.post(url).send_json(body)?;
    let status = response.status().as_u16();
    let answer = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(DeliveryError::Status {
            status,
            body: answer.chars().take(200).collect(),
        });
    }
    let refused = serde_json::from_str::<serde_json::Value>(&answer)
        .ok()
        .and_then(|v| {
            let code = v.get("errcode")?.as_i64()?;
            let message = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("");
            (code != 0).then(|| (code, message.to_string()))
        });
    match refused {
        Some((code, message)) => Err(DeliveryError::Refused { code, message }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_reads_as_written() {
        let table = [
            ("tls", Ok(Security::Tls)),
            ("SSL", Ok(Security::Tls)),
            (" starttls ", Ok(Security::StartTls)),
            ("none", Ok(Security::None)),
        ];
        for (text, want) in table {
            assert_eq!(Security::parse(text), want, "{text}");
        }
        assert!(Security::parse("plain").unwrap_err().contains("starttls"));
    }

    #[test]
    fn the_password_is_never_shown() {
        let smtp = Smtp {
            host: "smtp.example.gov.cn".into(),
            port: None,
            security: Security::Tls,
            username: Some("nj".into()),
            password: Some("授权码-secret".into()),
            from: "nj@example.gov.cn".into(),
        };
        let shown = format!("{smtp:?}");
        assert!(
            !shown.contains("secret") && shown.contains("smtp.example.gov.cn"),
            "{shown}"
        );
    }

    #[test]
    fn addresses_are_checked_before_sending() {
        assert!(is_address("archivist@example.gov.cn"));
        assert!(is_address("年检系统 <nianjian@example.gov.cn>"));
        assert!(!is_address("not an address"));
        assert!(!is_address(""));
    }
}
