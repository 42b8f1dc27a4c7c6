//! Text comparison as clerks type it: labels and headers match after folding
//! full-width forms to half-width, removing all white space and a trailing colon.

/// Folds one character from its full-width form (Ａ３（ ）：，) to ASCII.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Folds full-width characters to half-width, keeping everything else.
pub fn fold_width(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn is_blank(c: char) -> bool {
    // Zero-width spaces and the BOM sneak in from pasted text.
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}')
}

/// The form in which labels, headers and sheet names are compared:
/// `" 档案室面积（平方米）： "` → `"档案室面积(平方米)"`.
pub fn fold_label(text: &str) -> String {
    let mut folded: String = text
        .chars()
        .map(fold_char)
        .filter(|c| !is_blank(*c))
        .collect();
    while folded.ends_with(':') {
        folded.pop();
    }
    folded
}

/// A character no stored text may hold: U+0000 (PostgreSQL cannot store it
/// in text, and SQLite would, so the backends would disagree) and the
/// non-characters U+FFFE and U+FFFF (not allowed in the XML of a workbook or
/// a report). One rule for every edge: JSON fields, paths, queries, form
/// fields, zip entry names and workbook cells.
pub fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\u{0}' | '\u{FFFE}' | '\u{FFFF}')
}

/// The first forbidden character of `text` and its position in characters
/// (from 1), for a message such as "第 3 个字符".
pub fn first_forbidden_char(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| is_forbidden_char(*c))
        .map(|(i, c)| (i + 1, c))
}

/// How a forbidden character is named to the user: "U+0000".
pub fn char_name(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        for (text, expected) in [
            ("小营巷社区", None),
            ("a\u{0}b", Some((2, '\u{0}'))),
            ("\u{FFFF}", Some((1, '\u{FFFF}'))),
            ("制表\t换行\n回车\r", None),
            ("\u{FFFD}替换字符可以", None),
        ] {
            assert_eq!(first_forbidden_char(text), expected, "{text:?}");
        }
        assert_eq!(char_name('\u{0}'), "U+0000");
    }

    #[test]
    fn folds_full_width_spaces_and_colons() {
        assert_eq!(fold_label(" 档案室面积（平方米）： "), "档案室面积(平方米)");
        assert_eq!(fold_label("单位 名称:"), "单位名称");
        assert_eq!(fold_label("Ａ１\u{3000}项目"), "A1项目");
        assert_eq!(fold_label("填报值\n"), "填报值");
        assert_eq!(fold_label("\u{FEFF}代码"), "代码");
        assert_eq!(fold_label("３"), "3");
    }

    #[test]
    fn keeps_case_and_inner_punctuation() {
        assert_eq!(fold_label("GB（电子）"), "GB(电子)");
        assert_eq!(fold_label("a:b"), "a:b");
    }

    #[test]
    fn fold_width_keeps_spaces() {
        assert_eq!(fold_width("１，２３４"), "1,234");
        assert_eq!(fold_width("a\u{3000}b"), "a b");
    }
}
