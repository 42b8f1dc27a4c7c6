//! A checklist file (TOML, second edition, expressions) (FUZZING.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianjian::ingest::fuzzing::load_checklist;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = load_checklist(text);
    }
});
