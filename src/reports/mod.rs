//! Outputs: the self-check template workbook now; district reports later.

pub mod authoring;
pub mod bureau;
pub mod checklist_diff;
pub mod city;
pub mod comparison;
pub mod district_xlsx;
pub mod explain;
pub mod html;
pub mod model;
pub mod notice_xlsx;
pub mod svg;
pub mod template;

/// Why an output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("生成工作簿失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("生成网页失败：{0}")]
    Template(#[from] handlebars::RenderError),
    #[error("网页模板有误：{0}")]
    TemplateSource(#[from] handlebars::TemplateError),
}
