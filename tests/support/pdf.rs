//! Printing a page to PDF with headless Chromium, for the tests that check
//! what a document looks like on paper (included by path from the test
//! crates that need it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether Chromium is here; `skipped` says what is skipped without it. Where
/// the browser tests are required (NIANJIAN_BROWSER_TESTS=required), its
/// absence fails the test.
pub fn chromium_available(skipped: &str) -> bool {
    let present = Path::new(CHROMIUM).exists();
    if !present && std::env::var("NIANJIAN_BROWSER_TESTS").as_deref() == Ok("required") {
        panic!("browser tests are required but {CHROMIUM} is missing");
    }
    if !present {
        eprintln!("skipped: install Debian's chromium to {skipped}");
    }
    present
}

/// Prints `html` to PDF with headless Chromium (the files kept under
/// `folder` in the test target's folder); the PDF's bytes.
pub fn print_to_pdf(folder: &str, html: &str, name: &str) -> Vec<u8> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(folder);
    std::fs::create_dir_all(&out).expect("output folder");
    let source = out.join(format!("{name}.html"));
    let pdf = out.join(format!("{name}.pdf"));
    std::fs::write(&source, html).expect("write html");
    let _ = std::fs::remove_file(&pdf);
    let profile = tempfile::tempdir().expect("profile");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", source.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().expect("chromium").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not print {name} within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF at {}: {e}", pdf.display()))
}
