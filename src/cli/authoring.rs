//! `nianjian checklist export` and `nianjian checklist import`: the
//! authoring workbook (考核细则编制表) out and back in.

use std::path::Path;
use std::process::ExitCode;

use crate::service::ServiceError;
use crate::service::authoring;

use super::{CliError, load_catalog};

pub(super) fn export(
    reference: &str,
    output: &Path,
    checklists: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let catalog = load_catalog(checklists)?;
    let file = authoring::export(&catalog, reference).map_err(|e| match e {
        ServiceError::NotFound(m) => CliError::Invalid(m),
        other => CliError::Failed(format!("生成考核细则编制表失败：{other}")),
    })?;
    std::fs::write(output, file.bytes)
        .map_err(|e| CliError::Failed(format!("无法写入 {}：{e}", output.display())))?;
    eprintln!("已生成 {}（{reference}）", output.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import(file: &Path, out_dir: &Path) -> Result<ExitCode, CliError> {
    match authoring::import(file, out_dir) {
        Ok(done) => {
            println!(
                "{}\t{}\t{}",
                done.reference,
                done.file.display(),
                done.title
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Invalid(problems)) => {
            let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            Err(CliError::Invalid(format!(
                "{} 未导入（{} 个问题，未写入任何文件）：\n{}",
                file.display(),
                problems.len(),
                lines.join("\n")
            )))
        }
        // An existing version is a bad argument: choose a new version.
        Err(ServiceError::Conflict(m)) => Err(CliError::Invalid(m)),
        Err(other) => Err(CliError::Failed(format!("导入失败：{other}"))),
    }
}
