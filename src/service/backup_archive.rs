//! The backup archive (备份文件): one zip holding `manifest.json` and
//! `database.sqlite3`. The manifest says what the database must hold — the
//! hash of the file, rows per table, and the hash of every stored file
//! (uploads and evidence live in the database) — so a restore can tell a
//! damaged archive before anything is put in place.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use crate::ingest::checklists::hex;

/// The archive layout this build writes and reads.
pub const FORMAT: u32 = 1;
pub const MANIFEST_ENTRY: &str = "manifest.json";
pub const DATABASE_ENTRY: &str = "database.sqlite3";

/// 备份清单.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub nianjian_version: String,
    /// The last migration the database has (diesel's version string).
    pub migration: String,
    pub database: Digest256,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
    /// Every row of `stored_files`, by key; `sha256` is of the content as
    /// stored (a purged file keeps its key, with no content).
    pub stored_files: Vec<StoredFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Digest256 {
    pub sha256: String,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

impl Digest256 {
    pub fn of(bytes: &[u8]) -> Digest256 {
        Digest256 {
            sha256: hex(&Sha256::digest(bytes)),
            size: bytes.len() as u64,
        }
    }
}

/// Copies `from` to `to`, hashing what passes.
pub fn copy_hashed(from: &mut impl Read, to: &mut impl Write) -> io::Result<Digest256> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        to.write_all(&buffer[..n])?;
        size += n as u64;
    }
    Ok(Digest256 {
        sha256: hex(&hasher.finalize()),
        size,
    })
}

/// Writes the archive: the manifest first (a reader sees at once what it
/// holds), then the database.
pub fn write(
    out: impl Write + Seek,
    manifest: &Manifest,
    database: &mut impl Read,
) -> io::Result<()> {
    let mut zip = zip::ZipWriter::new(out);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(MANIFEST_ENTRY, options)
        .map_err(io::Error::other)?;
    let json = serde_json::to_vec_pretty(manifest).map_err(io::Error::other)?;
    zip.write_all(&json)?;
    zip.start_file(DATABASE_ENTRY, options)
        .map_err(io::Error::other)?;
    io::copy(database, &mut zip)?;
    let mut out = zip.finish().map_err(io::Error::other)?;
    out.flush()
}

/// An archive opened for reading; every failure is a message that says
/// what is wrong with it.
pub struct Reader<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
}

/// The manifest may not be larger than this (a corrupt size must not make
/// us allocate without bound).
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

impl<R: Read + Seek> Reader<R> {
    pub fn open(from: R) -> Result<Self, String> {
        zip::ZipArchive::new(from)
            .map(|zip| Reader { zip })
            .map_err(|e| format!("不是可读的备份文件（zip）：{e}"))
    }

    pub fn manifest(&mut self) -> Result<Manifest, String> {
        let entry = self
            .zip
            .by_name(MANIFEST_ENTRY)
            .map_err(|_| format!("缺少 {MANIFEST_ENTRY}"))?;
        let mut bytes = Vec::new();
        entry
            .take(MAX_MANIFEST_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{MANIFEST_ENTRY} 无法读出：{e}"))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{MANIFEST_ENTRY} 无法解析：{e}"))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "备份格式版本 {}，本程序只读版本 {FORMAT}",
                manifest.format
            ));
        }
        Ok(manifest)
    }

    /// Writes the database entry to `to`, read to its end (so the zip
    /// reader checks its CRC-32), and returns its digest.
    pub fn database(&mut self, to: &mut impl Write) -> Result<Digest256, String> {
        let mut entry = self
            .zip
            .by_name(DATABASE_ENTRY)
            .map_err(|_| format!("缺少 {DATABASE_ENTRY}"))?;
        copy_hashed(&mut entry, to).map_err(|e| format!("{DATABASE_ENTRY} 无法读出：{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn manifest(database: &[u8]) -> Manifest {
        Manifest {
            format: FORMAT,
            created_at: "2026-12-06T20:00:00Z".into(),
            nianjian_version: "0.1.0".into(),
            migration: "20261221000001".into(),
            database: Digest256::of(database),
            tables: BTreeMap::from([("units".to_string(), 3)]),
            stored_files: vec![StoredFile {
                key: "ab".into(),
                sha256: "ab".into(),
                size: 1,
            }],
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let db = b"SQLite format 3\0 pretend".to_vec();
        let mut out = Cursor::new(Vec::new());
        write(&mut out, &manifest(&db), &mut db.as_slice()).unwrap();
        let mut reader = Reader::open(Cursor::new(out.into_inner())).unwrap();
        assert_eq!(reader.manifest().unwrap(), manifest(&db));
        let mut copy = Vec::new();
        assert_eq!(reader.database(&mut copy).unwrap(), Digest256::of(&db));
        assert_eq!(copy, db);
    }

    #[test]
    fn damage_is_named() {
        let db = b"data".to_vec();
        let mut wrong_format = manifest(&db);
        wrong_format.format = FORMAT + 1;
        let mut out = Cursor::new(Vec::new());
        write(&mut out, &wrong_format, &mut db.as_slice()).unwrap();
        let mut reader = Reader::open(Cursor::new(out.into_inner())).unwrap();
        assert!(reader.manifest().unwrap_err().contains("格式版本"));

        assert!(Reader::open(Cursor::new(b"not a zip".to_vec())).is_err());
    }
}
