//! `nianjian rescore` on a database filled with `nianjian import`: three
//! communities' 2012 self-checks under community@2012, previewed under
//! community@2013 and under a draft file that is not in checklists/.

use std::path::Path;
use std::process::{Command, Output};

use nianjian::domain::InputValue;
use nianjian::domain::random::SplitMix64;
use nianjian::ingest::checklists::Catalog;
use nianjian::reports::template::{Prefill, self_check_template};
use nianjian::service::demo;

/// (code, name, quality)
const UNITS: [(&str, &str, f64); 3] = [
    ("330102301", "小营巷社区", 0.98),
    ("330102302", "金钱巷社区", 0.85),
    ("330102303", "葵巷社区", 0.55),
];

fn nianjian(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianjian"))
        .args(args)
        .env_remove("NIANJIAN_DATABASE")
        .output()
        .expect("run nianjian")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes the units' workbooks into `dir` and imports them into `db`.
fn imported(dir: &Path, db: &str) {
    let catalog = Catalog::embedded().expect("catalog");
    let checklist = catalog.get("community@2012").expect("community@2012");
    for (n, (code, name, quality)) in UNITS.iter().enumerate() {
        let mut rng = SplitMix64::new(100 + n as u64);
        let mut answers = demo::answers(checklist, *quality, &mut rng);
        answers
            .inputs
            .insert("loss_incident".into(), InputValue::YesNo(false));
        let bytes = self_check_template(
            checklist,
            &Prefill {
                unit_name: Some((*name).into()),
                unit_code: Some((*code).into()),
                unit_kind: Some("社区".into()),
                street: Some("小营街道".into()),
                year: Some(2012),
                target_tier: None,
                answers: Some(answers),
            },
        )
        .expect("workbook");
        std::fs::write(dir.join(format!("{code}.xlsx")), bytes).expect("write");
    }
    let files = dir.to_str().expect("path");
    let out = nianjian(&["import", "--database", db, files]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How many assessments, submissions, orders and audit entries are stored.
fn stored(db: &str) -> [i64; 4] {
    use nianjian::store::queries;
    let url = nianjian::store::DatabaseUrl::parse(db).expect("url");
    let mut conn = nianjian::store::Db::open(&url, 1)
        .expect("open")
        .get()
        .expect("conn");
    [
        queries::assessments::count(&mut conn).expect("count"),
        queries::submissions::count(&mut conn).expect("count"),
        queries::rectifications::count(&mut conn).expect("count"),
        queries::audit::count(&mut conn, Default::default()).expect("count"),
    ]
}

#[test]
fn rescore_prints_the_preview_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let books = dir.path().join("books");
    std::fs::create_dir(&books).expect("mkdir");
    let db_path = dir.path().join("a.db");
    let db = db_path.to_str().expect("path");
    imported(&books, db);
    let before = stored(db);

    let json = nianjian(&[
        "rescore",
        "--year",
        "2012",
        "--checklist",
        "community@2013",
        "--database",
        db,
        "--json",
    ]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let preview: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    assert_eq!(preview["checklist"], "community@2013");
    assert_eq!(preview["counts"]["units"], 3);
    let codes: Vec<&str> = preview["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["330102301", "330102302", "330102303"]);

    let text = nianjian(&[
        "rescore",
        "--year",
        "2012",
        "--checklist",
        "community@2013",
        "--database",
        db,
    ]);
    assert_eq!(text.status.code(), Some(0));
    insta::assert_snapshot!("rescore_text_2013", stdout(&text));

    // Previewing wrote nothing.
    assert_eq!(stored(db), before);
}

#[test]
fn a_draft_file_is_previewed_and_unknowns_are_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let books = dir.path().join("books");
    std::fs::create_dir(&books).expect("mkdir");
    let db_path = dir.path().join("a.db");
    let db = db_path.to_str().expect("path");
    imported(&books, db);

    // A draft of community@2012 whose 省级示范 asks 99 instead of 90.
    let source = std::fs::read_to_string("checklists/community/2012.toml").expect("2012");
    assert!(source.contains("min_total = 90"));
    let draft = source
        .replace("version = \"2012\"", "version = \"2014-draft\"")
        .replace("min_total = 90", "min_total = 99");
    let draft_path = dir.path().join("draft.toml");
    std::fs::write(&draft_path, draft).expect("draft");
    let out = nianjian(&[
        "rescore",
        "--year",
        "2012",
        "--checklist",
        draft_path.to_str().expect("path"),
        "--database",
        db,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preview: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(preview["checklist"], "community@2014-draft");
    for u in preview["units"].as_array().expect("units") {
        // Same items, same answers: same totals, and nothing unknown.
        assert_eq!(u["delta"], 0.0, "{u}");
        assert_eq!(u["unknown"]["items"], serde_json::json!([]), "{u}");
        assert_eq!(u["movers"], serde_json::json!([]), "{u}");
    }
    // 100 keeps 省级示范; 98.5 falls below the draft's 99.
    let (first, second) = (&preview["units"][0], &preview["units"][1]);
    assert_eq!(first["old_total"], 100.0, "{first}");
    assert_eq!(first["moved"], false, "{first}");
    assert_eq!(second["old_total"], 98.5, "{second}");
    assert_eq!(second["old_tier"]["code"], "province-model", "{second}");
    assert_eq!(second["direction"], "down", "{second}");
    assert_eq!(second["new_tier"]["code"], "province-standard", "{second}");
    assert_eq!(preview["counts"]["down"], 1);

    for (args, code) in [
        (vec!["--checklist", "community@1999"], 2),
        (vec!["--checklist", "community@2013", "--year", "2030"], 2),
    ] {
        let mut all = vec!["rescore", "--database", db];
        if !args.contains(&"--year") {
            all.extend(["--year", "2012"]);
        }
        all.extend(args.iter().copied());
        let out = nianjian(&all);
        assert_eq!(out.status.code(), Some(code), "{all:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("错误："));
    }
}
