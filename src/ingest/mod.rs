//! Bytes in, domain out: checklist files (TOML) and self-check workbooks.
//! Every problem found is collected with its file, sheet and cell.

pub mod archive;
pub mod authoring;
pub mod checklists;
#[doc(hidden)]
pub mod fuzzing;
mod library_errors;
pub mod roster;
pub mod self_check;
pub mod values;
pub mod workbook;

/// A file's bytes, read no further than `limit`: a file past the limit is
/// refused without being read whole. The message is Chinese and names the
/// limit; the caller adds the file's name.
pub fn read_file_within(path: &std::path::Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("无法读取文件：{e}"))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取文件：{e}"))?;
    if bytes.len() > limit {
        return Err(format!("文件超过 {} MB 的上限", limit / (1024 * 1024)));
    }
    Ok(bytes)
}
