//! A bulk upload's archives (zip files of workbooks) opened into their
//! workbooks, and the entries refused while opening them made into results
//! like any other refused file.

use crate::ingest::self_check::Problem;

pub use crate::ingest::archive::{ArchiveError, ArchiveLimits, Entry, is_archive, unpack};

use super::uploads::{Prepared, sha256};

/// An archive entry refused unread, as a prepared upload that will be kept
/// as refused: named `archive/entry`, its problem the reason. The archive
/// itself is the uploaded file: `archive_bytes` is the archive for the first
/// refused entry of an archive (kept once, within the quota) and empty for
/// the others, which refer to it by `archive_digest`.
pub fn refused_entry(
    archive_name: &str,
    entry_name: &str,
    message: String,
    archive_digest: &str,
    archive_bytes: Vec<u8>,
) -> Prepared {
    Prepared {
        file_name: format!("{archive_name}/{entry_name}"),
        bytes: archive_bytes,
        digest: archive_digest.to_string(),
        scored: Err(vec![Problem {
            sheet: None,
            cell: None,
            message,
        }]),
        named: None,
    }
}

/// The sha256 of an archive, for its refused entries.
pub fn digest(bytes: &[u8]) -> String {
    sha256(bytes)
}
