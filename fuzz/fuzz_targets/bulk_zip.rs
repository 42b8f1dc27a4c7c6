//! A bulk upload's zip of workbooks, and each workbook in it (FUZZING.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianjian::ingest::fuzzing::read_bulk_zip;

fuzz_target!(|bytes: &[u8]| {
    let _ = read_bulk_zip(bytes);
});
