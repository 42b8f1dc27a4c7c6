//! Outputs: the self-check template workbook now; district reports later.

pub mod model;
pub mod template;

/// Why an output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("生成工作簿失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}
