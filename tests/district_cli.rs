//! `nianjian district` and `--district` as an operator uses them: on a
//! fresh PostgreSQL database when NIANJIAN_TEST_DATABASE holds a
//! postgres:// URL (districts are registered, an account and a workbook go
//! to one district and the others do not see them); on SQLite, where a
//! second district is refused in Chinese.

use std::process::Output;

#[path = "support/pg_database.rs"]
mod pg_database;

fn nianjian(database: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .args(["--database", database])
        .env_remove("NIANJIAN_DATABASE")
        .env("NIANJIAN_PASSWORD", "district-test-password")
        .env("NIANJIAN_LOG", "warn")
        .output()
        .expect("run nianjian")
}

#[track_caller]
fn succeeds(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn refused(out: &Output, message: &str) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(message), "{stderr}");
}

#[test]
fn districts_are_registered_and_each_command_works_in_the_one_it_names() {
    let workbook = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/workbooks/clean-community2013.xlsx"
    );
    let admin = std::env::var("NIANJIAN_TEST_DATABASE")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
    let Some(admin) = admin else {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("nianjian.db");
        let database = file.to_str().expect("path");
        refused(
            &nianjian(database, &["district", "add", "330106", "西湖区"]),
            "SQLite 数据库只有一个区县",
        );
        let listed = succeeds(&nianjian(database, &["district", "list"]));
        assert!(listed.contains("没有登记区县"), "{listed}");
        return;
    };
    let name = format!("nianjian_district_cli_{}", std::process::id());
    pg_database::create(&admin, &name);
    let url = pg_database::with_database(&admin, &name);
    let database = url.as_str();

    succeeds(&nianjian(
        database,
        &["district", "add", "330102", "上城区", "--first"],
    ));
    let added = succeeds(&nianjian(
        database,
        &["district", "add", "330106", "西湖区"],
    ));
    assert!(added.contains("已登记区县“西湖区”"), "{added}");
    succeeds(&nianjian(
        database,
        &["district", "add", "3301", "杭州市", "--city"],
    ));
    refused(
        &nianjian(database, &["district", "add", "330106", "又一个西湖区"]),
        "代码 330106 已登记为“西湖区”",
    );
    refused(
        &nianjian(database, &["district", "add", "XH", "西湖区"]),
        "区县代码“XH”无效",
    );
    let listed = succeeds(&nianjian(database, &["district", "list"]));
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "3301\t杭州市\t市档案局\tcity_3301",
            "330102\t上城区\t区县\tpublic",
            "330106\t西湖区\t区县\tdistrict_330106",
        ],
        "{listed}"
    );

    // An account and a workbook go to 西湖区 only.
    succeeds(&nianjian(
        database,
        &[
            "user",
            "add",
            "--username",
            "xihu",
            "--role",
            "admin",
            "--district",
            "330106",
        ],
    ));
    refused(
        &nianjian(
            database,
            &[
                "user",
                "add",
                "--username",
                "x",
                "--role",
                "admin",
                "--district",
                "999999",
            ],
        ),
        "没有代码为 999999 的区县",
    );
    succeeds(&nianjian(
        database,
        &["import", "--district", "330106", workbook],
    ));
    let xihu = succeeds(&nianjian(
        database,
        &["report", "--district", "330106", "--year", "2013"],
    ));
    let first = succeeds(&nianjian(database, &["report", "--year", "2013"]));
    assert_ne!(xihu, first, "the first district has no upload: {first}");
    assert!(xihu.contains("1 个"), "{xihu}");
    // The account is 西湖区's: its password can be set there, not in the first.
    succeeds(&nianjian(
        database,
        &[
            "user",
            "password",
            "--username",
            "xihu",
            "--district",
            "330106",
        ],
    ));
    let missing = nianjian(database, &["user", "password", "--username", "xihu"]);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "no such account in the first district"
    );

    pg_database::drop(&admin, &name);
}
