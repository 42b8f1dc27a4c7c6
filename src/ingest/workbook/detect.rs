//! What is this file? Decided from the bytes alone (upload names lie: some
//! systems export HTML with an .xls name). Zip containers are pre-scanned
//! here, before any parser sees them, and [`CheckedPart`] reads one zip
//! entry while checking it against its CRC-32.

use std::io::{self, Cursor, Read, Seek};

use zip::read::ZipFile;
use zip::{ZipArchive, ZipReadOptions};

use super::cfb::CfbFile;
use crate::ingest::library_errors;

use super::{Limits, WorkbookError, WorkbookFormat, short_name};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

const SAVE_AS_XLSX: &str = "请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传";

pub(super) enum Container<'b> {
    /// A zip that passed the pre-scan and holds a workbook of this format;
    /// the archive is handed on so that its directory is read only once.
    Zip(WorkbookFormat, ZipArchive<Cursor<&'b [u8]>>),
    /// A compound file (OLE2) with a Workbook stream: .xls (also WPS .et).
    Cfb(CfbFile),
}

fn wrong(what: &str) -> WorkbookError {
    WorkbookError::WrongFileType(what.to_string())
}

pub(super) fn sniff<'b>(bytes: &'b [u8], limits: &Limits) -> Result<Container<'b>, WorkbookError> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(ZIP_EMPTY_MAGIC) {
        let mut archive = open_zip(bytes, limits)?;
        let format = sniff_zip(&mut archive)?;
        return Ok(Container::Zip(format, archive));
    }
    if bytes.starts_with(CFB_MAGIC) {
        return sniff_cfb(bytes).map(Container::Cfb);
    }
    Err(sniff_other(bytes))
}

fn duplicate_part() -> WorkbookError {
    WorkbookError::Corrupt("压缩包中有两个同名部件，无法确定以哪个为准，文件已损坏".to_string())
}

/// Opens a zip and checks the declared sizes of every entry. zip 9 refuses
/// to inflate an entry past its declared size, so these checks bound what
/// any later reader (ours or calamine's) can decompress.
pub(super) fn open_zip<'b>(
    bytes: &'b [u8],
    limits: &Limits,
) -> Result<ZipArchive<Cursor<&'b [u8]>>, WorkbookError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        WorkbookError::Corrupt(format!(
            "压缩结构无法读取（{}），可能是下载或上传没有完成",
            library_errors::zip(&e)
        ))
    })?;
    if archive.len() > limits.max_zip_entries {
        return Err(WorkbookError::TooManyEntries {
            limit: limits.max_zip_entries,
        });
    }
    if archive.has_duplicate_names() {
        return Err(duplicate_part());
    }
    let mut total: u64 = 0;
    // Two entries with one name (OPC part names compare without case) leave
    // it to chance which one a reader takes: a crafted file could show one
    // score to Excel and another to us.
    let mut names = std::collections::HashSet::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            WorkbookError::Corrupt(format!(
                "压缩包中的第 {} 个部件无法读取（{}）",
                i + 1,
                library_errors::zip(&e)
            ))
        })?;
        if !names.insert(entry.name_raw().to_ascii_lowercase()) {
            return Err(duplicate_part());
        }
        let size = entry.size();
        if size > limits.max_entry_uncompressed {
            return Err(WorkbookError::EntryTooLarge {
                name: short_name(entry.name().as_deref().unwrap_or("?")),
                limit: limits.max_entry_uncompressed,
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_total_uncompressed {
            return Err(WorkbookError::DecompressedTooLarge {
                limit: limits.max_total_uncompressed,
            });
        }
    }
    Ok(archive)
}

/// A zip entry being read, checked against the CRC-32 and the size that the
/// archive records for it once its end is reached. A reader that stops
/// early checks nothing, so every part a reader opens is read to its end
/// (the xlsx reader inflates each part whole before parsing it).
///
/// The zip crate would compare the CRC-32 too (at the end of the entry, as
/// here); it is switched off and done here so that the mismatch is told
/// apart from other read errors and named in the clerk's language.
pub(super) struct CheckedPart<'a, R: Read + Seek> {
    inner: ZipFile<'a, R>,
    hasher: crc32fast::Hasher,
    expected_crc: u32,
    expected_len: u64,
    len: u64,
    state: PartState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartState {
    /// The end has not been reached yet.
    Reading,
    /// Read to the end; CRC-32 and size match.
    Sound,
    /// Read to the end; CRC-32 or size differ from the archive's record.
    Damaged,
    /// The compressed data could not be inflated.
    Unreadable,
}

impl<'a, R: Read + Seek> CheckedPart<'a, R> {
    /// Opens entry `index`; `name` is only for the message.
    pub(super) fn open(
        archive: &'a mut ZipArchive<R>,
        index: usize,
        name: &str,
    ) -> Result<Self, WorkbookError> {
        let inner = archive
            .by_index_with_options(index, ZipReadOptions::new().ignore_crc32(true))
            .map_err(|e| {
                WorkbookError::Corrupt(format!(
                    "部件“{}”无法读取（{}）",
                    short_name(name),
                    library_errors::zip(&e)
                ))
            })?;
        Ok(CheckedPart {
            expected_crc: inner.crc32(),
            expected_len: inner.size(),
            inner,
            hasher: crc32fast::Hasher::new(),
            len: 0,
            state: PartState::Reading,
        })
    }

    pub(super) fn state(&self) -> PartState {
        self.state
    }

    /// The uncompressed size the archive records; bounded by the pre-scan
    /// ([`open_zip`]), and the zip crate inflates no further.
    pub(super) fn declared_size(&self) -> u64 {
        self.expected_len
    }

    /// The error for a part that failed its check, naming it.
    pub(super) fn damage_error(&self, name: &str) -> Option<WorkbookError> {
        let name = short_name(name);
        match self.state {
            PartState::Reading | PartState::Sound => None,
            PartState::Damaged if self.len != self.expected_len => {
                Some(WorkbookError::Corrupt(format!(
                    "部件“{name}”长度不符（应为 {} 字节，实为 {} 字节），文件已损坏",
                    self.expected_len, self.len
                )))
            }
            PartState::Damaged => Some(WorkbookError::Corrupt(format!(
                "部件“{name}”校验失败（CRC-32 不符），文件已损坏"
            ))),
            PartState::Unreadable => Some(WorkbookError::Corrupt(format!(
                "部件“{name}”无法解压，文件已损坏"
            ))),
        }
    }
}

impl<R: Read + Seek> Read for CheckedPart<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.state {
            PartState::Reading => {}
            PartState::Sound => return Ok(0),
            PartState::Damaged | PartState::Unreadable => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "damaged zip entry",
                ));
            }
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                // Corrupt deflate data, or more bytes than declared.
                self.state = PartState::Unreadable;
                return Err(e);
            }
        };
        if n == 0 {
            let sound = self.len == self.expected_len
                && self.hasher.clone().finalize() == self.expected_crc;
            if sound {
                self.state = PartState::Sound;
                return Ok(0);
            }
            self.state = PartState::Damaged;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "CRC-32 mismatch",
            ));
        }
        let read = buf.get(..n).unwrap_or_default();
        self.hasher.update(read);
        self.len = self.len.saturating_add(n as u64);
        Ok(n)
    }
}

/// Reads a small entry whole; `None` if it is missing or larger than `max`.
pub(super) fn read_small_entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    max: u64,
) -> Result<Option<Vec<u8>>, WorkbookError> {
    let Some(index) = archive.index_for_name(name) else {
        return Ok(None);
    };
    let entry = archive.by_index(index).map_err(|e| {
        WorkbookError::Corrupt(format!(
            "部件“{}”无法读取（{}）",
            short_name(name),
            library_errors::zip(&e)
        ))
    })?;
    if entry.size() > max {
        return Ok(None);
    }
    let mut out = Vec::new();
    entry.take(max).read_to_end(&mut out).map_err(|e| {
        WorkbookError::Corrupt(format!(
            "部件“{}”无法解压（{}）",
            short_name(name),
            library_errors::io_text(&e)
        ))
    })?;
    Ok(Some(out))
}

fn sniff_zip(archive: &mut ZipArchive<Cursor<&[u8]>>) -> Result<WorkbookFormat, WorkbookError> {
    // Names that are not valid text cannot be any of the parts we look for.
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_ascii_lowercase()))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);

    // OpenDocument: the first entry is "mimetype", stored, holding the type.
    if let Some(mime) = read_small_entry(archive, "mimetype", 200)? {
        let mime = String::from_utf8_lossy(&mime).trim().to_string();
        return match mime.as_str() {
            "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.spreadsheet-template" => Ok(WorkbookFormat::Ods),
            m if m.contains("opendocument.text") => Err(wrong(
                "这是 OpenDocument 文字文档（.odt），不是工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
            )),
            m if m.contains("opendocument.presentation") => Err(wrong(
                "这是 OpenDocument 演示文稿（.odp），不是工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
            )),
            _ => Err(WorkbookError::NotAWorkbook),
        };
    }

    // The usual workbook is told by its part names alone; the content types
    // are read only for the unusual ones.
    if has("xl/workbook.xml") && !has("xl/workbook.bin") {
        return Ok(if has("xl/vbaproject.bin") {
            WorkbookFormat::Xlsm
        } else {
            WorkbookFormat::Xlsx
        });
    }
    let content_types = read_small_entry(archive, "[Content_Types].xml", 1024 * 1024)?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let ct = |needle: &str| content_types.contains(needle);

    if has("xl/workbook.bin") || ct("ms-excel.sheet.binary.macroEnabled.main") {
        return Err(wrong(&format!(
            "这是 Excel 二进制工作簿（.xlsb），本系统不支持；{SAVE_AS_XLSX}"
        )));
    }
    let macro_enabled = has("xl/vbaproject.bin") || ct("macroEnabled.main+xml");
    if has("xl/workbook.xml")
        || ct("spreadsheetml.sheet.main+xml")
        || ct("spreadsheetml.template.main+xml")
        || ct("ms-excel.sheet.macroEnabled.main+xml")
        || ct("ms-excel.template.macroEnabled.main+xml")
    {
        return Ok(if macro_enabled {
            WorkbookFormat::Xlsm
        } else {
            WorkbookFormat::Xlsx
        });
    }
    if has("word/document.xml") {
        return Err(wrong(
            "这是 Word 文档（.docx），不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
        ));
    }
    if has("ppt/presentation.xml") {
        return Err(wrong(
            "这是 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
        ));
    }
    if has("content.xml") {
        // An OpenDocument file without its mimetype entry; the ods reader
        // says so if it holds no spreadsheet.
        return Ok(WorkbookFormat::Ods);
    }
    Err(wrong(
        "这是一个 ZIP 压缩包，不是 Excel 工作簿；如果自查表在压缩包里，请解压后上传工作簿本身",
    ))
}

fn sniff_cfb(bytes: &[u8]) -> Result<CfbFile, WorkbookError> {
    let file = CfbFile::open(bytes)
        .map_err(|why| WorkbookError::Corrupt(format!("复合文档结构有误（{why}）")))?;
    if file.has_entry("Workbook") || file.has_entry("Book") {
        return Ok(file);
    }
    // An xlsx with a password to open is an encrypted package in a CFB.
    if file.has_entry("EncryptedPackage") {
        return Err(WorkbookError::Encrypted);
    }
    if file.has_entry("WordDocument") {
        return Err(wrong(
            "这是 Word 文档（.doc），不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
        ));
    }
    if file.has_entry("PowerPoint Document") {
        return Err(wrong(
            "这是 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表",
        ));
    }
    Err(WorkbookError::NotAWorkbook)
}

/// Neither zip nor compound file: say what it is when we can tell.
fn sniff_other(bytes: &[u8]) -> WorkbookError {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"%PDF-") {
        return wrong(
            "这是 PDF 文件，不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表原件",
        );
    }
    if starts(b"\x89PNG")
        || starts(b"\xFF\xD8\xFF")
        || starts(b"GIF87a")
        || starts(b"GIF89a")
        || starts(b"II*\0")
        || starts(b"MM\0*")
        || (starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
    {
        return wrong("这是图片，不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表原件");
    }
    if starts(b"Rar!\x1A\x07") || starts(b"7z\xBC\xAF\x27\x1C") || starts(b"\x1F\x8B") {
        return wrong("这是压缩包（RAR/7z/gz），不是 Excel 工作簿；请解压后上传工作簿本身");
    }

    let Some(text) = leading_text(bytes) else {
        return WorkbookError::NotAWorkbook;
    };
    let lower = text.to_lowercase();
    let trimmed = lower.trim_start();
    if trimmed.starts_with("{\\rtf") {
        return wrong("这是 RTF 文档，不是 Excel 工作簿；请上传 .xlsx、.xls 或 .ods 格式的自查表");
    }
    if lower.contains("mime-version:") && lower.contains("multipart/related") {
        return wrong(&format!(
            "这是一个网页存档（MHT）文件，不是 Excel 工作簿；{SAVE_AS_XLSX}"
        ));
    }
    if trimmed.starts_with("<?xml")
        && (lower.contains("urn:schemas-microsoft-com:office:spreadsheet")
            || lower.contains("<?mso-application progid=\"excel.sheet\"?>"))
    {
        return wrong(&format!(
            "这是 Excel 2003 XML 表格，不是本系统支持的工作簿；{SAVE_AS_XLSX}"
        ));
    }
    if trimmed.starts_with('<')
        && [
            "<html",
            "<!doctype html",
            "<table",
            "<head",
            "<body",
            "<meta",
        ]
        .iter()
        .any(|tag| lower.contains(tag))
    {
        return wrong(&format!(
            "这是一个网页（HTML）文件，不是 Excel 工作簿；{SAVE_AS_XLSX}"
        ));
    }
    if trimmed.starts_with("<?xml") || trimmed.starts_with('<') {
        return wrong(&format!(
            "这是一个 XML 文件，不是 Excel 工作簿；{SAVE_AS_XLSX}"
        ));
    }
    if text.contains(',') || text.contains('\t') || text.contains('，') {
        return wrong(&format!(
            "这是 CSV 或文本文件，不是 Excel 工作簿；{SAVE_AS_XLSX}"
        ));
    }
    wrong(&format!("这是文本文件，不是 Excel 工作簿；{SAVE_AS_XLSX}"))
}

/// The first few KB as text if they look like text (UTF-8, UTF-16 with a
/// byte-order mark, or a legacy encoding such as GBK: no NULs and hardly
/// any control characters). Only ASCII markers are looked for afterwards,
/// so a lossy decoding is enough.
fn leading_text(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    if let Some(rest) = head.strip_prefix(b"\xFF\xFE") {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        return Some(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect(),
        );
    }
    if let Some(rest) = head.strip_prefix(b"\xFE\xFF") {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]));
        return Some(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect(),
        );
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if head.contains(&0) || controls * 100 > head.len() {
        return None;
    }
    Some(String::from_utf8_lossy(head).into_owned())
}
