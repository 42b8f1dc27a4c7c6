//! 密码规则: what a new password must be. Length and a list of the
//! passwords guessed first matter most (NIST SP 800-63B); one mixing rule
//! (not letters only, not digits only) follows the usual 等级保护 practice
//! without forcing the symbol-and-capital rules that part-time archivists
//! answer with sticky notes.

/// Shortest accepted password, in characters.
pub const MIN_CHARS: usize = 8;
/// Longest accepted password: argon2 would take more, but nobody types it.
pub const MAX_CHARS: usize = 128;

/// Passwords tried first by anyone guessing (lower case; compared without
/// regard to case), and the demonstration's published one.
const GUESSED_FIRST: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "87654321",
    "11111111",
    "88888888",
    "66666666",
    "00000000",
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwerty123",
    "qwertyuiop",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "qazwsxedc",
    "abc12345",
    "abcd1234",
    "a1234567",
    "a12345678",
    "a123456789",
    "aa123456",
    "admin123",
    "admin1234",
    "admin@123",
    "admin888",
    "root1234",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "zxcvbnm123",
    "asdf1234",
    "test1234",
    "welcome1",
    "nianjian",
    "nianjian2012",
];

/// Why a password is refused; every reason is told at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    /// Letters only, digits only, or symbols only.
    OneKind,
    /// The same character over and over, or a run like 12345678 / abcdefgh.
    Pattern,
    ContainsUsername,
    GuessedFirst,
}

impl Weakness {
    /// The reason in Chinese, as the account forms show it.
    pub fn describe_zh(&self) -> String {
        match self {
            Weakness::TooShort => format!("密码至少 {MIN_CHARS} 位"),
            Weakness::TooLong => format!("密码不能超过 {MAX_CHARS} 位"),
            Weakness::OneKind => "密码不能只有字母、只有数字或只有符号，请混合使用".into(),
            Weakness::Pattern => "密码不能是同一个字符重复或连续的字母、数字（如 12345678）".into(),
            Weakness::ContainsUsername => "密码不能包含用户名".into(),
            Weakness::GuessedFirst => "这个密码太常见，容易被猜到，请换一个".into(),
        }
    }
}

/// The weaknesses of `password` for the account `username`; empty when
/// it may be used.
pub fn weaknesses(username: &str, password: &str) -> Vec<Weakness> {
    let chars: Vec<char> = password.chars().collect();
    let mut found = Vec::new();
    if chars.len() < MIN_CHARS {
        found.push(Weakness::TooShort);
    }
    if chars.len() > MAX_CHARS {
        found.push(Weakness::TooLong);
    }
    if kinds(&chars) < 2 {
        found.push(Weakness::OneKind);
    }
    if chars.len() >= 2 && is_run(&chars) {
        found.push(Weakness::Pattern);
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        found.push(Weakness::ContainsUsername);
    }
    if GUESSED_FIRST.contains(&lower.as_str()) {
        found.push(Weakness::GuessedFirst);
    }
    found
}

/// How many of letters, digits and other characters (symbols, 汉字) occur.
fn kinds(chars: &[char]) -> usize {
    let letters = chars.iter().any(|c| c.is_ascii_alphabetic());
    let digits = chars.iter().any(|c| c.is_ascii_digit());
    let other = chars.iter().any(|c| !c.is_ascii_alphanumeric());
    [letters, digits, other].into_iter().filter(|k| *k).count()
}

/// One character repeated, or every step +1 or every step −1 (1234…, cba…).
fn is_run(chars: &[char]) -> bool {
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
        .collect();
    [0, 1, -1]
        .iter()
        .any(|step| steps.iter().all(|s| s == step))
}

#[cfg(test)]
mod tests {
    use super::Weakness::*;
    use super::*;

    #[test]
    fn each_rule_refuses_what_it_names_and_nothing_else() {
        let cases: &[(&str, &str, &[Weakness])] = &[
            ("wang", "档案2012年检", &[]),
            ("wang", "juanzong-7", &[]),
            ("wang", "Xiaoying42", &[]),
            ("wang", "ab1", &[TooShort]),
            ("wang", "archivist", &[OneKind]),
            ("wang", "2012031520", &[OneKind]),
            ("wang", "12345678", &[OneKind, Pattern, GuessedFirst]),
            ("wang", "87654321", &[OneKind, Pattern, GuessedFirst]),
            ("wang", "aaaaaaaa", &[OneKind, Pattern]),
            ("wang", "Password123", &[GuessedFirst]),
            ("wang", "NIANJIAN2012", &[GuessedFirst]),
            ("wang", "wang-2012x", &[ContainsUsername]),
            ("Admin", "myadmin-99", &[ContainsUsername]),
            // Too short a name says nothing about the password.
            ("li", "li-archive-1", &[]),
            ("wang", &"a1".repeat(65), &[TooLong]),
        ];
        for (user, password, expected) in cases {
            assert_eq!(
                weaknesses(user, password),
                expected.to_vec(),
                "{user} / {password}"
            );
        }
    }

    #[test]
    fn every_reason_reads_in_chinese() {
        for w in [
            TooShort,
            TooLong,
            OneKind,
            Pattern,
            ContainsUsername,
            GuessedFirst,
        ] {
            let text = w.describe_zh();
            assert!(
                text.starts_with("密码") || text.starts_with("这个密码"),
                "{text}"
            );
        }
    }
}
