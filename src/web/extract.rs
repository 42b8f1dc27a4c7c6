//! Request bodies, queries and paths, read under one text rule.
//!
//! Every string that enters through HTTP — a JSON field or key, a form field,
//! a query value, a path segment — is held to
//! [`crate::domain::text::is_forbidden_char`] before any use case sees it:
//! U+0000 would be stored by SQLite but refused by PostgreSQL (a 500), so
//! the backends would disagree. The refusal is a 400 that names the field.
//!
//! JSON is read into a `serde_json::Value` first, so that (1) forbidden
//! characters are found with the path of the field that holds them, (2) a
//! whole number written with a fraction (`66.0`, valid for a JSON Schema
//! `integer`) is accepted where an integer is expected, and (3) a type error
//! names its field in Chinese instead of serde's English.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::domain::text::{char_name, first_forbidden_char};

/// The largest JSON body accepted (a review with every item overridden is
/// far below it).
const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body held to the text rule; use instead of `web::Json` for input.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("application/json") || v.contains("+json")
            });
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::BadRequest(
                    "请求内容应为 JSON（Content-Type: application/json）".into(),
                ));
            }
            let bytes = body.await.map_err(|_| {
                ApiError::PayloadTooLarge(format!(
                    "请求内容过大（上限 {} KB）或未能读完",
                    JSON_LIMIT / 1024
                ))
            })?;
            if bytes.len() > JSON_LIMIT {
                return Err(ApiError::PayloadTooLarge(format!(
                    "请求内容过大（上限 {} KB）",
                    JSON_LIMIT / 1024
                )));
            }
            parse_json(&bytes).map(Json)
        })
    }
}

/// Parses a JSON body under the text rule (see the module header).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "请求内容不是有效的 JSON（第 {} 行第 {} 列）",
            e.line(),
            e.column()
        ))
    })?;
    // Every body is an object: serde would also read a struct from an array
    // of its fields in order (`[null, null]`), which no client means.
    if !value.is_object() {
        return Err(ApiError::BadRequest("请求内容应为 JSON 对象".into()));
    }
    check_json(&value, &mut String::new())?;
    whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::BadRequest(field_message(&path, &e.into_inner().to_string()))
    })
}

/// Refuses a forbidden character in any key or string of a JSON value,
/// naming where it stands (`items[2].note`).
fn check_json(value: &serde_json::Value, path: &mut String) -> Result<(), ApiError> {
    use serde_json::Value;
    match value {
        Value::String(s) => check_text(field_or_body(path), s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_text(&format!("字段名 {}", shown(path)), key)?;
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn field_or_body(path: &str) -> &str {
    if path.is_empty() {
        "请求内容"
    } else {
        path
    }
}

/// A name from the request, shortened and without the character it is
/// refused for, so a message never carries what it refuses.
fn shown(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if crate::domain::text::is_forbidden_char(c) {
                '�'
            } else {
                c
            }
        })
        .take(60)
        .collect();
    clean
}

/// The one text rule for a value named `field` (a field, parameter or path).
pub fn check_text(field: &str, value: &str) -> Result<(), ApiError> {
    match first_forbidden_char(value) {
        Some((at, c)) => Err(ApiError::BadRequest(format!(
            "{} 含有不允许的字符 {}（第 {at} 个字符）",
            shown(field),
            char_name(c)
        ))),
        None => Ok(()),
    }
}

/// `66.0` where an integer is expected: JSON Schema calls it an integer, so
/// every float without a fraction up to 2^53 becomes one. Up to 2^53 every
/// integer is a float exactly, so none changes; no integer field of the API
/// takes more (the largest, a sample's seed, stays below 2^53).
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= EXACT
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// serde's English, said in Chinese for the field at `path`.
fn field_message(path: &str, serde: &str) -> String {
    let field = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("字段 {} ", shown(path))
    };
    if let Some(rest) = serde.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let at = if field.is_empty() {
            String::new()
        } else {
            format!("（{}）", field.trim_end())
        };
        return format!("缺少字段 {}{at}", shown(name));
    }
    if let Some(rest) = serde.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("未知字段 {}", shown(name));
    }
    if let Some(rest) = serde.strip_prefix("unknown variant `") {
        let name = rest.split('`').next().unwrap_or_default();
        let allowed = rest
            .split_once("expected ")
            .map(|(_, e)| {
                e.replace('`', "")
                    .replace(" or ", "、")
                    .replace("one of ", "")
            })
            .unwrap_or_default();
        return format!("{field}的值 {} 不在允许的取值中（{allowed}）", shown(name));
    }
    if serde.starts_with("invalid type") {
        let expected = serde.rsplit("expected ").next().unwrap_or_default();
        return format!("{field}的类型有误，应为{}", expected_zh(expected));
    }
    if serde.starts_with("invalid value") || serde.starts_with("invalid length") {
        let expected = serde.rsplit("expected ").next().unwrap_or_default();
        return format!("{field}的值有误，应为{}", expected_zh(expected));
    }
    if serde.contains("out of range") || serde.contains("too large") {
        return format!("{field}的数值超出范围");
    }
    format!("{field}的值有误")
}

/// serde's "expected …" in Chinese, for the common cases.
fn expected_zh(expected: &str) -> String {
    let e = expected.trim();
    let known = [
        ("i64", "整数"),
        ("i32", "整数"),
        ("u32", "非负整数"),
        ("u64", "非负整数"),
        ("u16", "非负整数"),
        ("u8", "非负整数"),
        ("usize", "非负整数"),
        ("f64", "数字"),
        ("a string", "文字"),
        ("a boolean", "true 或 false"),
        ("a sequence", "数组"),
        ("struct", "对象"),
        ("a map", "对象"),
    ];
    for (k, zh) in known {
        if e.contains(k) {
            return zh.to_string();
        }
    }
    "正确的格式".to_string()
}

/// A form (`application/x-www-form-urlencoded`) held to the text rule; use
/// instead of `web::Form`.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The largest form body accepted (page forms carry a note or a review).
const FORM_LIMIT: usize = 1024 * 1024;

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|_| ApiError::PayloadTooLarge("表单内容过大或未能读完".into()))?;
            if bytes.len() > FORM_LIMIT {
                return Err(ApiError::PayloadTooLarge("表单内容过大".into()));
            }
            parse_pairs(&bytes).map(Form)
        })
    }
}

/// A query string held to the text rule; use instead of `web::Query`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_pairs(req.query_string().as_bytes()).map(Query))
    }
}

/// Parses `a=1&b=x` (a query string or a form body) under the text rule,
/// with Chinese messages that name the parameter.
pub fn parse_pairs<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    for (name, value) in form_urlencoded::parse(bytes) {
        check_text(&format!("参数名 {name}"), &name)?;
        check_text(&format!("参数 {name}"), &value)?;
    }
    let mut pairs = std::borrow::Cow::Borrowed(bytes);
    // Each pass may write one more `2012.0` where an integer is expected as `2012`.
    for _ in 0..16 {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&pairs));
        let e = match serde_path_to_error::deserialize(de) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        match whole_number(&pairs, &path).filter(|_| inner.contains("invalid digit")) {
            Some(rewritten) => pairs = std::borrow::Cow::Owned(rewritten),
            None => return Err(ApiError::BadRequest(param_message(&path, &inner))),
        }
    }
    Err(ApiError::BadRequest("查询参数有误".into()))
}

/// The pairs with the value of `name` written as an integer, when it is a
/// whole number written otherwise (`2012.0`, `2.012e3`): as in JSON bodies
/// (see `whole_numbers`), a number without a fraction is an integer.
fn whole_number(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    let mut changed = false;
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(bytes) {
        let whole = value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && f.abs() <= EXACT && !value.trim().is_empty());
        match whole {
            Some(f) if key == name && !changed && value.parse::<i64>().is_err() => {
                changed = true;
                out.append_pair(&key, &format!("{}", f as i64));
            }
            _ => {
                out.append_pair(&key, &value);
            }
        }
    }
    changed.then(|| out.finish().into_bytes())
}

fn param_message(path: &str, serde: &str) -> String {
    let name = shown(path);
    if let Some(rest) = serde.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("缺少参数 {}", shown(name));
    }
    if let Some(rest) = serde.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        return format!("参数 {name} 的值 {} 不在允许的取值中", shown(value));
    }
    if serde.contains("invalid digit") {
        return format!("参数 {name} 应为整数");
    }
    if serde.contains("invalid float") {
        return format!("参数 {name} 应为数字");
    }
    if serde.contains("provided string was not `true` or `false`") {
        return format!("参数 {name} 应为 true 或 false");
    }
    if serde.contains("too large") || serde.contains("too small") || serde.contains("out of range")
    {
        return format!("参数 {name} 的数值超出范围");
    }
    if name.is_empty() || name == "." {
        "查询参数有误".into()
    } else {
        format!("参数 {name} 的值有误")
    }
}

/// Refuses a request whose path holds a forbidden character once decoded
/// (`/api/v1/units/%00`), before routing: no handler, page or log line
/// sees it. Query values are checked by [`Query`] where they are read, and
/// here too, so a handler that reads none still cannot be reached with one.
pub async fn text_rule(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let path = req.uri().path();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let refusal = check_text("路径", &decoded).err().or_else(|| {
        form_urlencoded::parse(req.query_string().as_bytes()).find_map(|(name, value)| {
            check_text(&format!("参数名 {name}"), &name)
                .and_then(|()| check_text(&format!("参数 {name}"), &value))
                .err()
        })
    });
    match refusal {
        Some(error) => {
            let response = actix_web::ResponseError::error_response(&error);
            Ok(req.into_response(response))
        }
        None => next.call(req).await.map(|r| r.map_into_boxed_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Login {
        username: String,
        #[serde(default)]
        days: Option<u32>,
        #[serde(default)]
        seed: Option<u64>,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn message(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn json_text_rule_names_the_field() {
        let cases: &[(&str, Result<(), &str>)] = &[
            (r#"{"username":"a"}"#, Ok(())),
            (
                r#"{"username":"a\u0000"}"#,
                Err("username 含有不允许的字符 U+0000（第 2 个字符）"),
            ),
            (
                r#"{"username":"a","tags":["x","\u0000"]}"#,
                Err("tags[1] 含有不允许的字符 U+0000（第 1 个字符）"),
            ),
            (
                r#"{"username":"a","x\u0000":1}"#,
                Err("字段名 x� 含有不允许的字符 U+0000"),
            ),
            (r#"{"username":"a","days":66.0}"#, Ok(())),
            (r#"{"username":"a","seed":9007199254740990.0}"#, Ok(())),
            (
                r#"{"username":"a","seed":1.0e19}"#,
                Err("字段 seed 的类型有误"),
            ),
            (
                r#"{"username":"a","days":66.5}"#,
                Err("字段 days 的类型有误"),
            ),
            (
                r#"{"username":1}"#,
                Err("字段 username 的类型有误，应为文字"),
            ),
            (r#"{}"#, Err("缺少字段 username")),
            (r#"{"username":"a","x":1}"#, Err("未知字段 x")),
            (r#"["a", null, []]"#, Err("请求内容应为 JSON 对象")),
            (
                r#"{"username":"#,
                Err("请求内容不是有效的 JSON（第 1 行第 12 列）"),
            ),
        ];
        for (body, expected) in cases {
            let got = parse_json::<Login>(body.as_bytes());
            match (expected, got) {
                (Ok(()), Ok(_)) => {}
                (Err(want), Err(e)) => {
                    let m = message(e);
                    assert!(m.contains(want), "{body}: {m}");
                }
                (want, got) => panic!("{body}: expected {want:?}, got {got:?}"),
            }
        }
    }

    #[derive(Debug, Deserialize)]
    struct Filter {
        year: i32,
        #[serde(default)]
        unit: Option<String>,
    }

    #[test]
    fn query_text_rule_names_the_parameter() {
        let ok: Filter = parse_pairs(b"year=2012&unit=330102001").unwrap();
        assert_eq!((ok.year, ok.unit.as_deref()), (2012, Some("330102001")));
        // A whole number is an integer however written; text stays as sent.
        let ok: Filter = parse_pairs(b"unit=12.0&year=2012.0").unwrap();
        assert_eq!((ok.year, ok.unit.as_deref()), (2012, Some("12.0")));
        let ok: Filter = parse_pairs(b"year=2.012e3").unwrap();
        assert_eq!(ok.year, 2012);
        let cases = [
            ("year=2012&unit=%00", "参数 unit 含有不允许的字符 U+0000"),
            ("year=abc", "参数 year 应为整数"),
            ("year=2012.5", "参数 year 应为整数"),
            ("year=1e300", "参数 year 应为整数"),
            ("year=3.0e9", "参数 year 的数值超出范围"),
            ("unit=x", "缺少参数 year"),
            ("year=99999999999", "参数 year 的数值超出范围"),
        ];
        for (query, want) in cases {
            let m = message(parse_pairs::<Filter>(query.as_bytes()).unwrap_err());
            assert!(m.contains(want), "{query}: {m}");
        }
    }
}
