//! `checklist diff A B`: two versions of the catalog compared, said as text
//! and, when asked, as the printable document (审定会材料) or the admin
//! page's fragment.

use crate::domain::Checklist;
use crate::domain::checklist::diff::diff;
use crate::ingest::checklists::Catalog;
use crate::reports::checklist_diff::{diff_document, diff_fragment, diff_text};
use crate::reports::html::Html;

use super::{ServiceError, ServiceResult};

/// What `checklist diff` prints and writes.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Plain text for the terminal.
    pub text: String,
    /// The complete A4 document, when asked for.
    pub document: Option<String>,
}

/// A version of the catalog by `id@version`; an unknown one names those
/// there are.
fn version<'a>(catalog: &'a Catalog, reference: &str) -> ServiceResult<&'a Checklist> {
    catalog.get(reference).map(|c| c.as_ref()).ok_or_else(|| {
        ServiceError::NotFound(format!(
            "未知的考核细则 {reference}；可用的有：{}",
            catalog.references().join("、")
        ))
    })
}

/// Compares `old` with `new` (each `id@version`); with `document`, also
/// renders the printable document (the built-in templates).
pub fn compare(
    catalog: &Catalog,
    old: &str,
    new: &str,
    document: bool,
) -> ServiceResult<Comparison> {
    let (a, b) = (version(catalog, old)?, version(catalog, new)?);
    let changes = diff(a, b);
    let document = if document {
        Some(diff_document(&Html::new(None)?, &changes, a, b)?)
    } else {
        None
    };
    Ok(Comparison {
        text: diff_text(&changes, a, b),
        document,
    })
}

/// The comparison's body for a page of the application (no `<html>`).
pub fn fragment(catalog: &Catalog, html: &Html, old: &str, new: &str) -> ServiceResult<String> {
    let (a, b) = (version(catalog, old)?, version(catalog, new)?);
    Ok(diff_fragment(html, &diff(a, b), a, b)?)
}

/// The printable document of the comparison, with the server's templates.
pub fn document(catalog: &Catalog, html: &Html, old: &str, new: &str) -> ServiceResult<String> {
    let (a, b) = (version(catalog, old)?, version(catalog, new)?);
    Ok(diff_document(html, &diff(a, b), a, b)?)
}
