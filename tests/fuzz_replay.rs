//! Every input kept in `fuzz/regressions/<target>/` (the minimised inputs
//! of what fuzzing found and was fixed, FUZZING.md) replayed through the
//! fuzz targets' entry points on the stable toolchain, so that what was
//! fixed stays fixed. A panic anywhere counts, even one the readers' own
//! guard turns into an error; `.ci/run` also runs this under a 1 GiB
//! address-space limit.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nianjian::ingest::fuzzing::{self, Format};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Runs each file of the target's folder through `run`; the names of the
/// files that panicked or took too long.
fn replay(target: &str, run: &dyn Fn(&[u8])) -> Vec<String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            hook(info);
        }));
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        // `.keep` holds an empty folder in git.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    let mut wrong = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).expect("a regression file");
        let before = PANICS.load(Ordering::SeqCst);
        let started = Instant::now();
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| run(&bytes))).is_err();
        let took = started.elapsed();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if caught || PANICS.load(Ordering::SeqCst) != before {
            wrong.push(format!("{target}/{name}: panicked"));
        } else if took > Duration::from_secs(20) {
            wrong.push(format!("{target}/{name}: took {took:?}"));
        }
    }
    wrong
}

fn workbook(format: Format) -> impl Fn(&[u8]) {
    move |bytes| {
        let _ = fuzzing::read_workbook(format, bytes);
    }
}

#[test]
fn what_fuzzing_found_stays_fixed() {
    let mut wrong = Vec::new();
    wrong.extend(replay("xlsx", &workbook(Format::Xlsx)));
    wrong.extend(replay("ods", &workbook(Format::Ods)));
    wrong.extend(replay("xls", &workbook(Format::Xls)));
    wrong.extend(replay("bulk_zip", &|bytes| {
        let _ = fuzzing::read_bulk_zip(bytes);
    }));
    wrong.extend(replay("checklist", &|bytes| {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = fuzzing::load_checklist(text);
        }
    }));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
