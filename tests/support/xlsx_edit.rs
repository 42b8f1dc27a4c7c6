//! Editing an xlsx's cells as a person does in Excel, for tests that
//! change a downloaded workbook and send it back (included by path from the
//! test crates that need it).

use std::io::{Cursor, Read, Write};

use nianjian::ingest::workbook::{Limits, cell_ref, read_workbook};

pub enum Cell {
    Text(&'static str),
    Number(&'static str),
}

/// The cell of sheet `sheet` in the row whose `key_header` column holds
/// `key` (the first such row), under the column headed `header`.
pub fn at(
    bytes: &[u8],
    sheet: &str,
    key_header: &str,
    key: &str,
    header: &str,
    value: Cell,
) -> (String, String, Cell) {
    let book = read_workbook(bytes, &|name| name == sheet, &Limits::default()).expect("readable");
    let sheet_data = book.sheets.iter().find(|s| s.name == sheet).expect(sheet);
    let shown = |row: u32, col: u32| {
        sheet_data
            .get(row, col)
            .map(nianjian::ingest::values::shown)
            .unwrap_or_default()
    };
    let column = |title: &str| {
        (0..64)
            .find(|&c| shown(0, c) == title)
            .unwrap_or_else(|| panic!("{sheet} has no column {title}"))
    };
    let (key_col, col) = (column(key_header), column(header));
    let row = (1..2000)
        .find(|&r| shown(r, key_col) == key)
        .unwrap_or_else(|| panic!("{sheet} has no row {key}"));
    (sheet.to_string(), cell_ref(row, col), value)
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            (entry.name().expect("name").to_string(), data)
        })
        .collect()
}

/// Rewrites cells as Excel would store what was typed (text inline,
/// numbers as values), in the sheets rust_xlsxwriter numbers by sheetId.
pub fn edit(bytes: &[u8], edits: &[(String, String, Cell)]) -> Vec<u8> {
    let mut parts = unzip(bytes);
    let text = |parts: &[(String, Vec<u8>)], name: &str| {
        String::from_utf8(parts.iter().find(|(n, _)| n == name).expect(name).1.clone())
            .expect("utf-8")
    };
    let workbook = text(&parts, "xl/workbook.xml");
    for (sheet, cell, value) in edits {
        let at = workbook
            .find(&format!("<sheet name=\"{sheet}\""))
            .expect(sheet);
        let id_at = at + workbook[at..].find("sheetId=\"").expect("sheetId") + 9;
        let id: String = workbook[id_at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let part = format!("xl/worksheets/sheet{id}.xml");
        let xml = text(&parts, &part);
        let start = xml
            .find(&format!("<c r=\"{cell}\""))
            .unwrap_or_else(|| panic!("{sheet}!{cell}"));
        let tag_end = start + xml[start..].find('>').expect("tag");
        let end = if xml.as_bytes()[tag_end - 1] == b'/' {
            tag_end + 1
        } else {
            start + xml[start..].find("</c>").expect("</c>") + 4
        };
        let new = match value {
            Cell::Text(t) => format!("<c r=\"{cell}\" t=\"inlineStr\"><is><t>{t}</t></is></c>"),
            Cell::Number(n) => format!("<c r=\"{cell}\"><v>{n}</v></c>"),
        };
        let data = &mut parts.iter_mut().find(|(n, _)| *n == part).expect("part").1;
        *data = format!("{}{new}{}", &xml[..start], &xml[end..]).into_bytes();
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file(name, options).expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}
