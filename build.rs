//! Embeds the shipped checklists (so `nianjian` works from any folder) and
//! rebuilds when a migration is added (`embed_migrations!` does not notice).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=checklists");

    // Read when the script runs, not baked in when it is compiled: a target
    // directory shared by several checkouts reuses one compiled script, and
    // a baked path reads another checkout's checklists (or a removed one's).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("checklists");
    let mut files = Vec::new();
    if let Ok(dirs) = std::fs::read_dir(&root) {
        for dir in dirs.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
            println!("cargo:rerun-if-changed={}", dir.display());
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for path in entries.flatten().map(|e| e.path()) {
                    if path.extension().is_some_and(|x| x == "toml") {
                        println!("cargo:rerun-if-changed={}", path.display());
                        files.push(path);
                    }
                }
            }
        }
    }
    files.sort();

    let mut code = String::from("/// The shipped checklists: (`<id>/<version>.toml`, text).\n");
    code.push_str("pub static EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        let relative = path.strip_prefix(&root).expect("under root");
        let name = relative.to_string_lossy().replace('\\', "/");
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to string");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_checklists.rs");
    std::fs::write(out, code).expect("write embedded_checklists.rs");
}
