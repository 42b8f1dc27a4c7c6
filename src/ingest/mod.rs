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
