//! Receivers for the daily digest's tests: a fake SMTP server that takes what
//! lettre sends over plain SMTP, and a fake webhook (a DingTalk / WeCom robot)
//! that takes ureq's JSON POSTs. Each listens on 127.0.0.1 on a free port,
//! serves every connection on its own thread and keeps what it got for the
//! test to look at. Only std, base64 and serde_json, so any test crate can
//! include it with `#[path = "../support/receivers.rs"] mod receivers;`.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// How long a connection may stay silent before its thread gives up, so a
/// client that stalls never leaves a thread blocked for the rest of the run.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `FakeWebhook::holding()` holds an answer if `release()` never
/// comes (a failed test must not leave the server's client hanging).
const HOLD_LIMIT: Duration = Duration::from_secs(60);

/// What a robot answers when it takes the message.
const ROBOT_OK: &str = r#"{"errcode":0,"errmsg":"ok"}"#;

/// What a robot answers when it refuses the message (with HTTP 200 all the same).
const ROBOT_REFUSES: &str = r#"{"errcode":310000,"errmsg":"keywords not in content"}"#;

/// Padding optional: encoders differ on it, and a test double should not.
const BASE64: base64::engine::GeneralPurpose =
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

// ---------------------------------------------------------------------------
// Shared plumbing
// ---------------------------------------------------------------------------

/// State written by connection threads and read by the test; the Condvar
/// lets `wait_for` wake on each arrival instead of polling.
struct Shared<T> {
    state: Mutex<T>,
    changed: Condvar,
}

impl<T> Shared<T> {
    fn new(state: T) -> Arc<Self> {
        Arc::new(Shared {
            state: Mutex::new(state),
            changed: Condvar::new(),
        })
    }

    /// A panic on one connection thread must not poison the state for the test.
    fn lock(&self) -> MutexGuard<'_, T> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut T)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// Waits until `ready` holds or `within` passed, then reads the state.
    fn wait_until<R>(
        &self,
        within: Duration,
        ready: impl Fn(&T) -> bool,
        read: impl FnOnce(&T) -> R,
    ) -> R {
        let deadline = Instant::now() + within;
        let mut state = self.lock();
        while !ready(&state) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        read(&state)
    }
}

/// A listening socket on a free port of 127.0.0.1, one thread per
/// connection; its accept loop ends when this is dropped.
struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start(name: &'static str, serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port on 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let serve = Arc::new(serve);
        thread::Builder::new()
            .name(format!("{name}-accept"))
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let serve = Arc::clone(&serve);
                    // If no thread can be had, the connection just closes.
                    let _ = thread::Builder::new()
                        .name(name.to_string())
                        .spawn(move || serve(conn));
                }
            })
            .expect("spawn the accept thread");
        Listener { port, stop }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // accept() blocks: one last connection wakes it to see the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn set_timeouts(stream: &TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))
}

/// Reads one line; `None` at end of input. The line keeps its line ending.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<()>> {
    line.clear();
    Ok((input.read_until(b'\n', line)? > 0).then_some(()))
}

/// The line without its CRLF (or a bare LF).
fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

// ---------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------

/// One e-mail as the fake SMTP server got it.
#[derive(Clone, Debug)]
pub struct Mail {
    /// MAIL FROM address without <>.
    pub from: String,
    /// RCPT TO addresses without <>, in order.
    pub to: Vec<String>,
    /// The DATA as received: dot-unstuffed, lines joined by CRLF, without
    /// the final "." line (and without the CRLF that ends the last line).
    pub raw: String,
    /// The Subject header, unfolded, with RFC 2047 encoded-words decoded.
    pub subject: String,
    /// The text body (the first text/plain part of a multipart message),
    /// decoded per Content-Transfer-Encoding, with CRLF turned back into
    /// "\n": lettre sends every line break as CRLF, and tests compare with
    /// text written with "\n".
    pub body: String,
}

impl Mail {
    fn parse(from: String, to: Vec<String>, raw: String) -> Mail {
        let (head, content) = split_entity(&raw);
        let headers = parse_headers(head);
        let subject = header_value(&headers, "subject")
            .map(decode_words)
            .unwrap_or_default();
        let body = text_plain(&headers, content)
            .unwrap_or_else(|| decode_transfer(&headers, content))
            .replace("\r\n", "\n");
        Mail {
            from,
            to,
            raw,
            subject,
            body,
        }
    }

    /// The first top-level header called `name` (any case), unfolded, as
    /// written (encoded-words left as they are).
    pub fn header(&self, name: &str) -> Option<String> {
        let headers = parse_headers(split_entity(&self.raw).0);
        header_value(&headers, &name.to_ascii_lowercase()).map(str::to_string)
    }
}

pub struct FakeSmtp {
    mails: Arc<Shared<Vec<Mail>>>,
    listener: Listener,
}

impl FakeSmtp {
    /// Listens on 127.0.0.1 on a free port, one thread per connection.
    pub fn start() -> FakeSmtp {
        let mails = Shared::new(Vec::new());
        let store = Arc::clone(&mails);
        let listener = Listener::start("fake-smtp", move |conn| {
            // A connection that breaks off or times out just ends.
            let _ = smtp_session(conn, &store);
        });
        FakeSmtp { mails, listener }
    }

    pub fn port(&self) -> u16 {
        self.listener.port
    }

    /// The mails received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().clone()
    }

    /// Waits until at least `n` mails arrived or `within` passed; returns what arrived.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        self.mails
            .wait_until(within, |mails| mails.len() >= n, Vec::clone)
    }
}

fn smtp_session(stream: TcpStream, mails: &Shared<Vec<Mail>>) -> io::Result<()> {
    set_timeouts(&stream)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());

    reply("220 fake ESMTP")?;
    // The transaction under way; lettre may send several on one connection.
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = Vec::new();
    while read_line(&mut input, &mut line)?.is_some() {
        let command = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let (verb, rest) = command.split_once(' ').unwrap_or((command.as_str(), ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => reply("250-fake\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK")?,
            "HELO" => reply("250 fake")?,
            "MAIL" => {
                from = smtp_address(rest);
                to.clear();
                reply("250 OK")?;
            }
            "RCPT" => {
                to.push(smtp_address(rest));
                reply("250 OK")?;
            }
            "DATA" => {
                reply("354 go ahead")?;
                let Some(data) = read_data(&mut input)? else {
                    return Ok(());
                };
                let raw = String::from_utf8_lossy(&data).into_owned();
                let mail = Mail::parse(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                mails.update(|mails| mails.push(mail));
                reply("250 OK queued")?;
            }
            "RSET" => {
                from.clear();
                to.clear();
                reply("250 OK")?;
            }
            "NOOP" => reply("250 OK")?,
            "QUIT" => return reply("221 bye"),
            _ => reply("502 not implemented")?,
        }
    }
    Ok(())
}

/// The address of `FROM:<a@b> SIZE=1 BODY=8BITMIME` or `TO:<a@b>`; the
/// parameters after it are of no interest here.
fn smtp_address(argument: &str) -> String {
    if let Some(open) = argument.find('<')
        && let Some(len) = argument[open + 1..].find('>')
    {
        return argument[open + 1..open + 1 + len].to_string();
    }
    // Without brackets (not RFC 5321, but cheap to accept).
    let after_colon = argument.split_once(':').map_or(argument, |(_, a)| a);
    after_colon
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The DATA lines up to the "." line, dot-unstuffed and joined by CRLF;
/// `None` if the connection ended first.
fn read_data(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    let mut first = true;
    while read_line(input, &mut line)?.is_some() {
        let content = trim_eol(&line);
        if content == b"." {
            return Ok(Some(data));
        }
        if !first {
            data.extend_from_slice(b"\r\n");
        }
        first = false;
        data.extend_from_slice(content.strip_prefix(b".").unwrap_or(content));
    }
    Ok(None)
}

// ---------------------------------------------------------------------------
// MIME, just enough to read back what lettre writes
// ---------------------------------------------------------------------------

/// Splits an entity (a message or a MIME part) at the empty line that ends
/// its headers.
fn split_entity(entity: &str) -> (&str, &str) {
    if let Some(rest) = entity.strip_prefix("\r\n") {
        ("", rest)
    } else if let Some(end) = entity.find("\r\n\r\n") {
        (&entity[..end], &entity[end + 4..])
    } else {
        (entity, "")
    }
}

/// Headers as (lower-case name, unfolded value). Unfolding removes only the
/// CRLF, so the whitespace that began the continuation line stays.
fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.to_string()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_string();
    }
    headers
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The media type (lower case) and parameters (names lower case, values
/// unquoted) of a Content-Type; text/plain when there is none (RFC 2045).
fn content_type(headers: &[(String, String)]) -> (String, Vec<(String, String)>) {
    let value = header_value(headers, "content-type").unwrap_or("text/plain");
    let mut pieces = value.split(';');
    let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = pieces
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .collect();
    (media, params)
}

/// The first text/plain leaf, depth first, decoded; `None` if there is none.
fn text_plain(headers: &[(String, String)], content: &str) -> Option<String> {
    let (media, params) = content_type(headers);
    if media.starts_with("multipart/") {
        let (_, boundary) = params.iter().find(|(k, _)| k == "boundary")?;
        return multipart_parts(content, boundary)
            .into_iter()
            .find_map(|part| {
                let (head, content) = split_entity(&part);
                text_plain(&parse_headers(head), content)
            });
    }
    (media == "text/plain").then(|| decode_transfer(headers, content))
}

/// The parts between `--boundary` lines, up to `--boundary--`; the CRLF
/// before each delimiter belongs to the delimiter, so it is left out.
fn multipart_parts(content: &str, boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let closing = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in content.split("\r\n") {
        let trimmed = line.trim_end();
        if trimmed == delimiter || trimmed == closing {
            if let Some(lines) = current.take() {
                parts.push(lines.join("\r\n"));
            }
            if trimmed == closing {
                break;
            }
            current = Some(Vec::new());
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    parts
}

/// The content decoded per its Content-Transfer-Encoding, read as UTF-8.
fn decode_transfer(headers: &[(String, String)], content: &str) -> String {
    let encoding = header_value(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            // Line breaks (every 76 characters) are not part of the data.
            let compact: String = content
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            BASE64
                .decode(compact)
                .unwrap_or_else(|_| content.as_bytes().to_vec())
        }
        "quoted-printable" => decode_quoted_printable(content),
        _ => content.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Quoted-printable (RFC 2045 6.7): `=XX` is a byte, `=` at a line's end
/// joins it to the next.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let after = &bytes[i + 1..];
            if after.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if after.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let Some(byte) = hex_byte(after) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The byte written as two hex digits at the start of `digits`.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    let pair = digits.get(..2)?;
    // from_str_radix would also take a sign; hex digits only.
    if !pair.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()
}

/// A header value with its RFC 2047 encoded-words decoded. Bytes are
/// gathered before UTF-8 is read, since an encoder may split a character
/// across two words; whitespace between adjacent words is dropped
/// (RFC 2047 6.2).
fn decode_words(value: &str) -> String {
    let mut out = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match encoded_word(candidate) {
            Some((bytes, len)) => {
                if !(after_word && before.chars().all(|c| c.is_ascii_whitespace())) {
                    out.extend_from_slice(before.as_bytes());
                }
                out.extend_from_slice(&bytes);
                rest = &candidate[len..];
                after_word = true;
            }
            None => {
                out.extend_from_slice(&rest.as_bytes()[..start + 2]);
                rest = &rest[start + 2..];
                after_word = false;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes the `=?charset?B|Q?text?=` at the start of `s`: its bytes and its
/// length in `s`. `None` if it is not one, or its charset is not UTF-8
/// (or its ASCII subset).
fn encoded_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, after) = inner.split_once('?')?;
    let (encoding, after) = after.split_once('?')?;
    let end = after.find("?=")?;
    let text = &after[..end];
    if text.contains(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    // RFC 2231 allows a language after '*': "utf-8*zh".
    let charset = charset.split('*').next()?.to_ascii_lowercase();
    if !matches!(charset.as_str(), "utf-8" | "utf8" | "us-ascii") {
        return None;
    }
    let bytes = match encoding {
        "b" | "B" => BASE64.decode(text).ok()?,
        "q" | "Q" => decode_q(text),
        _ => return None,
    };
    // `after` is the tail of `s`, and the word ends after its "?=".
    Some((bytes, s.len() - after.len() + end + 2))
}

/// The Q encoding of RFC 2047 4.2: `_` is a space, `=XX` a byte.
fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let Some(byte) = hex_byte(&bytes[i + 1..]) {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'=');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------

/// One POST the webhook receiver got.
#[derive(Clone, Debug)]
pub struct Post {
    /// The request target as sent, query included:
    /// "/robot/send?access_token=test" (plus whatever the sender added).
    pub path: String,
    /// The body as JSON, or `Value::String(body)` if it is not JSON.
    pub json: serde_json::Value,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    Hold,
    Refuse,
}

#[derive(Default)]
struct Hook {
    posts: Vec<Post>,
    /// Requests read fully whose answer waits for `release()`.
    held: usize,
    released: bool,
}

pub struct FakeWebhook {
    hook: Arc<Shared<Hook>>,
    listener: Listener,
}

impl FakeWebhook {
    /// Answers every POST at once with 200 and `{"errcode":0,"errmsg":"ok"}` (as DingTalk / WeCom robots do).
    pub fn start() -> FakeWebhook {
        FakeWebhook::with(Answer::Ok)
    }

    /// Accepts and reads each request but holds the answer until `release()`
    /// is called; after release it answers 200 as `start()` does (also for
    /// held requests). A held answer goes out anyway after 60 s.
    pub fn holding() -> FakeWebhook {
        FakeWebhook::with(Answer::Hold)
    }

    /// Answers 200 with `{"errcode":310000,"errmsg":"keywords not in content"}` (a robot refusing the message).
    pub fn refusing() -> FakeWebhook {
        FakeWebhook::with(Answer::Refuse)
    }

    fn with(answer: Answer) -> FakeWebhook {
        let hook = Shared::new(Hook::default());
        let state = Arc::clone(&hook);
        let listener = Listener::start("fake-webhook", move |conn| {
            let _ = webhook_session(conn, answer, &state);
        });
        FakeWebhook { hook, listener }
    }

    /// e.g. "http://127.0.0.1:PORT/robot/send?access_token=test"
    pub fn url(&self) -> String {
        robot_url(self.listener.port)
    }

    pub fn port(&self) -> u16 {
        self.listener.port
    }

    /// Lets every held answer go, and every later one go at once.
    pub fn release(&self) {
        self.hook.update(|hook| hook.released = true);
    }

    /// How many requests are being held right now (read fully, answer not yet sent).
    pub fn held(&self) -> usize {
        self.hook.lock().held
    }

    /// Every POST whose body was read fully (held ones included).
    pub fn posts(&self) -> Vec<Post> {
        self.hook.lock().posts.clone()
    }

    /// Waits until at least `n` POSTs arrived or `within` passed; returns what arrived.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Post> {
        self.hook.wait_until(
            within,
            |hook| hook.posts.len() >= n,
            |hook| hook.posts.clone(),
        )
    }
}

impl Drop for FakeWebhook {
    /// Held connections answer now rather than keep their threads for 60 s.
    fn drop(&mut self) {
        self.release();
    }
}

/// A URL on 127.0.0.1 where nothing listens (a port bound then closed), for "receiver is down".
pub fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port on 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    robot_url(port)
}

fn robot_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/robot/send?access_token=test")
}

fn webhook_session(stream: TcpStream, answer: Answer, hook: &Shared<Hook>) -> io::Result<()> {
    set_timeouts(&stream)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let Some((method, target, headers)) = read_request_head(&mut input)? else {
        return Ok(());
    };
    let header = |name: &str| header_value(&headers, name).unwrap_or("");

    if header("expect").eq_ignore_ascii_case("100-continue") {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if header("transfer-encoding")
        .to_ascii_lowercase()
        .contains("chunked")
    {
        read_chunked(&mut input)?
    } else {
        let length = header("content-length").parse::<usize>().unwrap_or(0);
        let mut body = vec![0; length];
        input.read_exact(&mut body)?;
        body
    };
    if method != "POST" {
        return respond(
            &mut out,
            "405 Method Not Allowed",
            r#"{"errmsg":"POST only"}"#,
        );
    }

    let text = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    let post = Post { path: target, json };
    match answer {
        Answer::Hold => hold(hook, post),
        Answer::Ok | Answer::Refuse => hook.update(|hook| hook.posts.push(post)),
    }
    let reply = if answer == Answer::Refuse {
        ROBOT_REFUSES
    } else {
        ROBOT_OK
    };
    respond(&mut out, "200 OK", reply)
}

/// Records the post as held, then waits for `release()` (or the safety limit).
fn hold(hook: &Shared<Hook>, post: Post) {
    // Recorded and counted under one lock, so a test that saw the post in
    // `wait_for` also sees it in `held()`.
    hook.update(|hook| {
        hook.posts.push(post);
        hook.held += 1;
    });
    hook.wait_until(HOLD_LIMIT, |hook| hook.released, |_| ());
    hook.update(|hook| hook.held -= 1);
}

type RequestHead = (String, String, Vec<(String, String)>);

/// The method, target and headers (lower-case names); `None` if the
/// connection closed before a request line.
fn read_request_head(input: &mut impl BufRead) -> io::Result<Option<RequestHead>> {
    let mut line = Vec::new();
    if read_line(input, &mut line)?.is_none() {
        return Ok(None);
    }
    let request_line = String::from_utf8_lossy(trim_eol(&line)).into_owned();
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("").to_ascii_uppercase();
    let target = words.next().unwrap_or("").to_string();

    let mut headers = Vec::new();
    loop {
        if read_line(input, &mut line)?.is_none() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok(Some((method, target, headers)))
}

/// A chunked body (RFC 9112 7.1): hex size lines (extensions after ';'
/// ignored), each chunk followed by CRLF, a zero size, then trailers up to
/// an empty line.
fn read_chunked(input: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut body = Vec::new();
    let mut line = Vec::new();
    loop {
        if read_line(input, &mut line)?.is_none() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let size_line = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let size = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("chunk size"))?;
        if size == 0 {
            while read_line(input, &mut line)?.is_some() && !trim_eol(&line).is_empty() {}
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        input.read_exact(&mut body[start..])?;
        if read_line(input, &mut line)?.is_none() || !trim_eol(&line).is_empty() {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

fn respond(out: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    out.write_all(response.as_bytes())?;
    out.flush()?;
    // The request was read to its end, so closing sends a clean FIN, not a
    // reset that could swallow the answer.
    out.shutdown(Shutdown::Write)
}
