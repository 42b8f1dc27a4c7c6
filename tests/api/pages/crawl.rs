//! The crawl of the demo's pages as each role, failing on English words.

use super::client::sign_in_with;
use crate::helpers::TestApp;

/// The visible text of a page: no tags, scripts, styles or attributes.
fn visible_text(html: &str) -> String {
    let mut text = html.to_string();
    for tag in ["script", "style", "svg"] {
        let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
        let mut kept = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&open) {
            kept.push_str(&rest[..at]);
            rest = rest[at..]
                .find(&close)
                .map_or("", |end| &rest[at + end + close.len()..]);
        }
        kept.push_str(rest);
        text = kept;
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
}

/// ASCII words a reader would see: runs of letters that are not a file
/// name, a number or on the allow-list.
fn english_words(text: &str, allowed: &[&str]) -> Vec<String> {
    const FILE_ENDINGS: [&str; 10] = [
        ".xlsx", ".xlsm", ".xls", ".ods", ".pdf", ".jpg", ".png", ".zip", ".docx", ".html",
    ];
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-@/:".contains(c)))
        .filter(|token| token.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|token| {
            let lower = token.to_ascii_lowercase();
            !FILE_ENDINGS.iter().any(|e| lower.contains(e))
        })
        .filter(|token| !allowed.contains(token))
        .filter(|token| !is_checklist_reference(token))
        .map(str::to_string)
        .collect()
}

/// `community@2013`: how a checklist version is named in the workbooks'
/// 考核细则 cell and on the bureau's version pages (contract §1), so a
/// name people meet in their files, not an English word.
fn is_checklist_reference(token: &str) -> bool {
    match token.split_once('@') {
        Some((id, version)) => {
            !id.is_empty()
                && !version.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && version
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        }
        None => false,
    }
}

#[test]
fn the_word_check_catches_english() {
    let html = "<p title=\"x\">总分 88 <b>below</b> 90</p><style>.a{color:red}</style><p>filled.xlsx Excel</p>";
    let text = visible_text(html);
    assert_eq!(english_words(&text, &["Excel"]), vec!["below".to_string()]);
    let named = visible_text("<p>community@2013 jiangsu-5a-digital@v1 draft@</p>");
    assert_eq!(english_words(&named, &[]), vec!["draft@".to_string()]);
}

/// Every page a role can reach by following links from its home, on the
/// demo district, shows no English (beyond names people use, file names
/// and the user names of the demo's accounts).
#[actix_web::test]
async fn no_page_of_the_demo_shows_english() {
    let app = TestApp::spawn_demo().await;
    let allowed = [
        "Excel",
        "WPS",
        "LibreOffice",
        "admin",
        "inspector",
        "leader",
        "xiaoyingxiang",
        "jianlan",
        "xiaoying",
        // Downloads offered as formats.
        "xlsx",
        "PDF",
        // Words the real tables themselves use: UPS电源, 5A级数字档案室.
        "UPS",
        "5A",
    ];
    let mut found: Vec<String> = Vec::new();
    for user in ["inspector", "admin", "leader", "xiaoyingxiang", "xiaoying"] {
        let (b, home) = sign_in_with(&app, user, nianjian::service::demo::DEMO_PASSWORD).await;
        let mut queue = std::collections::VecDeque::from([home.url.clone()]);
        let mut seen = std::collections::BTreeSet::new();
        // Pages of one kind differ in data only: a few of each path.
        let mut per_path: std::collections::BTreeMap<String, usize> = Default::default();
        while let Some(url) = queue.pop_front() {
            let path = url.trim_start_matches(&app.address).to_string();
            if !seen.insert(path.clone()) || seen.len() > 120 {
                continue;
            }
            let page = b.get(&path).await;
            if !(200..300).contains(&page.status) || !page.html.contains("<html") {
                continue;
            }
            for word in english_words(&visible_text(&page.html), &allowed) {
                // Item and category codes (A1, B10, E) are the tables' own numbering.
                let letters = word.chars().take_while(char::is_ascii_uppercase).count();
                let digits = word[letters..].chars().all(|c| c.is_ascii_digit());
                let code =
                    (1..=2).contains(&letters) && digits && (word.len() > letters || letters == 1);
                if !code {
                    let kind = path.split('?').next().unwrap_or_default().to_string();
                    found.push(format!("{word} ({user} {kind})"));
                }
            }
            for link in page
                .html
                .split("href=\"")
                .skip(1)
                .filter_map(|s| s.split('"').next())
            {
                let link = link.replace("&amp;", "&");
                let bare = link
                    .split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let kind: String = bare
                    .split('/')
                    .map(|s| {
                        if s.chars().any(|c| c.is_ascii_digit()) {
                            "N"
                        } else {
                            s
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let visits = per_path.entry(kind).or_default();
                let page_like = link.starts_with('/')
                    && !link.starts_with("//")
                    && !link.contains("/logout")
                    && (!bare.starts_with("/api/") || bare.ends_with(".html"));
                if page_like && *visits < 3 {
                    *visits += 1;
                    queue.push_back(link);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "English on the pages:\n{}",
        found.join("\n")
    );
}
