//! A zip of workbooks (a bureau's bulk upload) opened into its workbooks,
//! under a budget.
//!
//! An archive is the easiest way to make a small request cost a lot: 40
//! entries of 10 MiB of zeros fit in 412 KB. So no entry is held in memory
//! before it has shown that it can be a workbook:
//!
//! * its declared size is within the per-workbook limit and the archive's
//!   remaining decompression budget (shared by every archive of a request);
//! * its compression ratio is one a workbook can have (xlsx and ods are
//!   themselves compressed; an xls compresses perhaps 10:1) — a larger
//!   entry above [`ArchiveLimits::max_ratio`] is refused unread;
//! * its first bytes are a workbook's (a zip container or an OLE2 compound
//!   file) — anything else is refused after those few bytes.
//!
//! Refused entries are reported one by one and never held; the caller
//! keeps the archive itself, once, as the uploaded file. Every entry that is
//! read is read to its end, so the zip reader checks its CRC-32.

use std::io::{Cursor, Read};

use super::library_errors;

/// What one archive may cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Entries listed in the archive (folders and skipped files included).
    pub max_entries: usize,
    /// Decompressed size of one workbook (the single-upload limit).
    pub max_entry_bytes: u64,
    /// Decompressed bytes kept for a whole request, over all its archives.
    pub max_total_bytes: u64,
    /// Decompressed : compressed, above which an entry larger than
    /// [`RATIO_FLOOR`] bytes is refused unread.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 5000,
            max_entry_bytes: 10 * 1024 * 1024,
            max_total_bytes: 200 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// Entries smaller than this are never refused for their ratio (a tiny
/// workbook of empty sheets compresses well, and costs nothing).
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// One entry of the archive that names a workbook.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// Read whole: its name inside the archive and its bytes.
    Workbook { name: String, bytes: Vec<u8> },
    /// Refused without being held: its name and why (Chinese).
    Refused { name: String, message: String },
}

/// Why the archive as a whole is refused (Chinese, for the clerk).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("压缩包“{0}”不是有效的 zip 文件")]
    NotAnArchive(String),
    #[error("压缩包“{archive}”已损坏：{why}")]
    Corrupt { archive: String, why: String },
    #[error("压缩包“{archive}”包含的文件超过 {limit} 个，请分批上传")]
    TooManyEntries { archive: String, limit: usize },
    #[error("一次上传的压缩包解压后超过 {} MB，请分批上传", .limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("压缩包“{0}”中没有工作簿（.xlsx .xlsm .xls .ods）")]
    NoWorkbooks(String),
}

const WORKBOOK_EXTENSIONS: [&str; 4] = [".xlsx", ".xlsm", ".xls", ".ods"];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// A zip that is an archive of files, not itself a workbook (xlsx and ods
/// are zips too).
pub fn is_archive(bytes: &[u8]) -> bool {
    if !bytes.starts_with(ZIP_MAGIC) {
        return false;
    }
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    !archive.file_names().any(|n| {
        n.ok()
            .is_some_and(|n| n == "[Content_Types].xml" || n == "mimetype" || n.starts_with("xl/"))
    })
}

/// A name from a zip entry: UTF-8, else GBK (archives made on Chinese Windows).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_string(),
        Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
    }
}

/// Entries that are not workbooks at all: folders, macOS metadata, Office
/// lock files, anything without a workbook's extension.
fn skipped(name: &str, is_dir: bool) -> bool {
    let lower = name.to_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    is_dir
        || lower.starts_with("__macosx/")
        || base.starts_with('.')
        || base.starts_with("~$")
        || !WORKBOOK_EXTENSIONS.iter().any(|x| lower.ends_with(x))
}

fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// Opens `bytes` (named `archive_name`) into its workbook entries, in
/// archive order. `budget` is what the request may still decompress; it is
/// reduced by what is kept.
pub fn unpack(
    archive_name: &str,
    bytes: &[u8],
    limits: &ArchiveLimits,
    budget: &mut u64,
) -> Result<Vec<Entry>, ArchiveError> {
    if !is_archive(bytes) {
        return Err(ArchiveError::NotAnArchive(archive_name.to_string()));
    }
    let corrupt = |why: String| ArchiveError::Corrupt {
        archive: archive_name.to_string(),
        why,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| corrupt(format!("无法打开（{}）", library_errors::zip(&e))))?;
    if archive.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            archive: archive_name.to_string(),
            limit: limits.max_entries,
        });
    }
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            corrupt(format!(
                "第 {} 个文件无法读取（{}）",
                index + 1,
                library_errors::zip(&e)
            ))
        })?;
        let name = entry_name(entry.name_raw());
        if skipped(&name, entry.is_dir()) {
            continue;
        }
        let refuse = |message: String| Entry::Refused {
            name: name.clone(),
            message,
        };
        if let Some((at, c)) = crate::domain::text::first_forbidden_char(&name) {
            entries.push(Entry::Refused {
                name: name.replace(crate::domain::text::is_forbidden_char, "\u{FFFD}"),
                message: format!(
                    "文件名含有不允许的字符 {}（第 {at} 个字符），未读取",
                    crate::domain::text::char_name(c)
                ),
            });
            continue;
        }
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        if size > limits.max_entry_bytes {
            entries.push(refuse(format!(
                "解压后 {} MB，超过单个工作簿 {} MB 的上限，未读取",
                mb(size),
                mb(limits.max_entry_bytes)
            )));
            continue;
        }
        if size > RATIO_FLOOR && size / compressed > limits.max_ratio {
            entries.push(refuse(format!(
                "压缩比异常（{}:1），疑为压缩炸弹，未读取",
                size / compressed
            )));
            continue;
        }
        if size > *budget {
            return Err(ArchiveError::TooLarge {
                limit: limits.max_total_bytes,
            });
        }
        let mut head = Vec::with_capacity(8);
        entry.by_ref().take(8).read_to_end(&mut head).map_err(|e| {
            corrupt(format!(
                "“{name}”无法解压（{}）",
                library_errors::io_text(&e)
            ))
        })?;
        if !(head.starts_with(ZIP_MAGIC) || head.starts_with(CFB_MAGIC)) {
            entries.push(refuse(
                "文件内容不是 Excel/WPS/LibreOffice 工作簿（扩展名与内容不符），未读取".into(),
            ));
            continue;
        }
        // zip holds the entry to its declared size, which fits the budget;
        // `take` is a second fence.
        let mut content = head;
        entry
            .by_ref()
            .take(size.saturating_sub(content.len() as u64) + 1)
            .read_to_end(&mut content)
            .map_err(|e| {
                corrupt(format!(
                    "“{name}”无法解压（{}）",
                    library_errors::io_text(&e)
                ))
            })?;
        *budget = budget.saturating_sub(content.len() as u64);
        entries.push(Entry::Workbook {
            name,
            bytes: content,
        });
    }
    if entries.is_empty() {
        return Err(ArchiveError::NoWorkbooks(archive_name.to_string()));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_with(entries, SimpleFileOptions::default())
    }

    fn zip_with(entries: &[(&str, &[u8])], options: SimpleFileOptions) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn a_workbook() -> Vec<u8> {
        zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<x/>"),
        ])
    }

    fn unpack_all(bytes: &[u8]) -> Result<Vec<Entry>, ArchiveError> {
        let limits = ArchiveLimits::default();
        let mut budget = limits.max_total_bytes;
        unpack("批量.zip", bytes, &limits, &mut budget)
    }

    #[test]
    fn workbooks_are_read_and_other_files_skipped() {
        let wb = a_workbook();
        let bytes = zip_of(&[
            ("小营巷社区.xlsx", &wb),
            ("说明.txt", b"hello"),
            ("__MACOSX/._小营巷社区.xlsx", b"x"),
            ("~$锁定.xlsx", b"x"),
            ("sub/旧版.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
        ]);
        let entries = unpack_all(&bytes).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0],
            Entry::Workbook {
                name: "小营巷社区.xlsx".into(),
                bytes: wb
            }
        );
        assert!(matches!(&entries[1], Entry::Workbook { name, .. } if name == "sub/旧版.xls"));
    }

    #[test]
    fn the_amplification_archive_is_refused_unread() {
        // 40 entries of 10 MiB of zeros, named .xlsx: a few hundred KB.
        let zeros = vec![0u8; 10 * 1024 * 1024 - 1];
        let names: Vec<String> = (0..40).map(|i| format!("{i}.xlsx")).collect();
        let parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &zeros[..])).collect();
        let bytes = zip_of(&parts);
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        let limits = ArchiveLimits::default();
        let mut budget = limits.max_total_bytes;
        let entries = unpack("炸弹.zip", &bytes, &limits, &mut budget).unwrap();
        assert_eq!(entries.len(), 40);
        for e in &entries {
            assert!(
                matches!(e, Entry::Refused { message, .. } if message.contains("压缩比异常")),
                "{e:?}"
            );
        }
        assert_eq!(budget, limits.max_total_bytes, "nothing was decompressed");
    }

    #[test]
    fn entries_that_are_not_workbooks_are_refused_after_their_magic() {
        let bytes = zip_of(&[("假的.xlsx", b"<html>not a workbook</html>")]);
        let entries = unpack_all(&bytes).unwrap();
        assert!(
            matches!(&entries[0], Entry::Refused { message, .. } if message.contains("扩展名与内容不符"))
        );
    }

    #[test]
    fn the_request_budget_is_shared_by_its_archives() {
        let wb = a_workbook();
        let bytes = zip_of(&[("a.xlsx", &wb), ("b.xlsx", &wb)]);
        let limits = ArchiveLimits::default();
        let mut budget = wb.len() as u64 + 10;
        let err = unpack("a.zip", &bytes, &limits, &mut budget).unwrap_err();
        assert_eq!(
            err,
            ArchiveError::TooLarge {
                limit: limits.max_total_bytes
            }
        );
        assert!(
            err.to_string()
                .starts_with("一次上传的压缩包解压后超过 200 MB")
        );
    }

    #[test]
    fn oversized_and_badly_named_entries_are_refused_one_by_one() {
        let wb = a_workbook();
        let bytes = zip_of(&[("a\u{0}b.xlsx", &wb), ("ok.xlsx", &wb)]);
        let entries = unpack_all(&bytes).unwrap();
        assert!(
            matches!(&entries[0], Entry::Refused { message, name } if message.contains("U+0000") && !name.contains('\u{0}'))
        );
        assert!(matches!(&entries[1], Entry::Workbook { .. }));

        let limits = ArchiveLimits {
            max_entry_bytes: 10,
            ..ArchiveLimits::default()
        };
        let mut budget = limits.max_total_bytes;
        let entries = unpack("a.zip", &zip_of(&[("big.xlsx", &wb)]), &limits, &mut budget).unwrap();
        assert!(
            matches!(&entries[0], Entry::Refused { message, .. } if message.contains("超过单个工作簿"))
        );
    }

    #[test]
    fn whole_archive_refusals() {
        assert_eq!(
            unpack_all(&a_workbook()).unwrap_err(),
            ArchiveError::NotAnArchive("批量.zip".into())
        );
        assert_eq!(
            unpack_all(&zip_of(&[("readme.txt", b"x")])).unwrap_err(),
            ArchiveError::NoWorkbooks("批量.zip".into())
        );
        let many: Vec<(String, Vec<u8>)> = (0..3).map(|i| (format!("{i}.txt"), vec![])).collect();
        let parts: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let limits = ArchiveLimits {
            max_entries: 2,
            ..ArchiveLimits::default()
        };
        let mut budget = 1 << 30;
        assert!(matches!(
            unpack("x.zip", &zip_of(&parts), &limits, &mut budget),
            Err(ArchiveError::TooManyEntries { limit: 2, .. })
        ));
    }

    #[test]
    fn a_damaged_entry_is_corrupt() {
        let wb = a_workbook();
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut bytes = zip_with(&[("a.xlsx", &wb)], stored);
        // Flip a byte of the stored data (after the local header and the
        // entry's magic), which only its CRC-32 can notice.
        let at = 30 + "a.xlsx".len() + 20;
        bytes[at] ^= 0x55;
        let err = unpack_all(&bytes).unwrap_err();
        assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err:?}");
    }

    #[test]
    fn gbk_names_from_chinese_windows() {
        assert_eq!(
            entry_name(&encoding_rs::GBK.encode("社区.xlsx").0),
            "社区.xlsx"
        );
    }
}
