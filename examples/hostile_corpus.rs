//! Writes the hostile corpus of `tests/hostile.rs` into a folder, with the
//! valid workbooks it is made from in `controls/`: seeds for fuzzing, or
//! files to try by hand.
//!
//! ```text
//! cargo run --example hostile_corpus -- DIR
//! ```
//!
//! Prints one line per file: its name, what `nianjian score` must make of
//! it, and what it is. Archives (`.zip`) are for uploads, not `score`.

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../tests/hostile/corpus.rs"]
mod corpus;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cargo run --example hostile_corpus -- DIR");
        return ExitCode::from(2);
    };
    let files = corpus::build(&dir);
    for f in &files {
        let expect = match f.expect {
            corpus::Expect::Refused => "refused".to_string(),
            corpus::Expect::RefusedWithCell(cell) => format!("refused at {cell}"),
            corpus::Expect::ReadOrRefused => "read or refused".to_string(),
        };
        let kind = if f.is_archive() { " (upload only)" } else { "" };
        println!("{}\t{expect}{kind}\t{}", f.name(), f.what);
    }
    let controls = corpus::controls(&dir.join("controls"));
    for c in &controls {
        println!("controls/{}\tscored\tthe valid base", c.display());
    }
    eprintln!(
        "{} hostile files and {} controls in {}",
        files.len(),
        controls.len(),
        dir.display()
    );
    ExitCode::SUCCESS
}
