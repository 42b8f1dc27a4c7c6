//! The xls reader, through the upload's path (FUZZING.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianjian::ingest::fuzzing::{Format, read_workbook};

fuzz_target!(|bytes: &[u8]| {
    let _ = read_workbook(Format::Xls, bytes);
});
