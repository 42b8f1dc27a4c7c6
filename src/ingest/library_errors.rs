//! The zip and XML libraries' errors, told in the clerk's language.
//!
//! Their `Display` texts are English and name Rust types
//! ("Unexpected end of zip::format::blocks::ZipCentralEntryBlock"); an
//! archivist can do nothing with them. Every variant is matched here, so a
//! new library version that adds one fails to compile instead of leaking
//! English into a message. Library-supplied strings (tag and prefix names)
//! are shortened and quoted; they come from the file, not from the library.

use std::io;

use quick_xml::encoding::EncodingError;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::escape::{EscapeError, ParseCharRefError};
use quick_xml::events::attributes::AttrError;
use quick_xml::name::NamespaceError;
use zip::result::ZipError;

use super::workbook::short_name;

/// Why a zip archive (or one of its entries) could not be read.
pub(crate) fn zip(e: &ZipError) -> String {
    match e {
        ZipError::Io(io) => io_text(io),
        ZipError::InvalidArchive(_) => "压缩目录缺失或不完整".to_string(),
        ZipError::UnsupportedArchive(_) => "使用了不支持的压缩格式（如分卷或加密）".to_string(),
        ZipError::FileNotFound => "缺少必需的部件".to_string(),
        ZipError::InvalidPassword => "文件已加密".to_string(),
        ZipError::CompressionMethodNotSupported(m) => format!("压缩方式 {m} 不受支持"),
        _ => "压缩结构有误".to_string(),
    }
}

/// A read error below a parser: the bytes themselves could not be had.
pub(crate) fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "数据提前结束".to_string(),
        io::ErrorKind::InvalidData => "压缩数据无法解开或校验失败".to_string(),
        io::ErrorKind::OutOfMemory => "内容过大".to_string(),
        _ => "读取失败".to_string(),
    }
}

/// What is wrong with the XML, without the position (callers add theirs).
pub(crate) fn xml(e: &XmlError) -> String {
    match e {
        XmlError::Io(io) => io_text(io),
        XmlError::Syntax(s) => syntax(s),
        XmlError::IllFormed(i) => ill_formed(i),
        XmlError::InvalidAttr(a) => attr(a),
        XmlError::Encoding(enc) => encoding(enc),
        XmlError::Escape(esc) => escape(esc),
        XmlError::Namespace(ns) => namespace(ns),
    }
}

fn syntax(s: &SyntaxError) -> String {
    match s {
        SyntaxError::InvalidBangMarkup => "“<!”之后的内容无效",
        SyntaxError::UnclosedPI => "处理指令未结束",
        SyntaxError::UnclosedXmlDecl => "XML 声明未结束",
        SyntaxError::UnclosedComment => "注释未结束",
        SyntaxError::UnclosedDoctype => "DOCTYPE 未结束",
        SyntaxError::UnclosedCData => "CDATA 段未结束",
        SyntaxError::UnclosedTag => "标签未结束",
        SyntaxError::UnclosedSingleQuotedAttributeValue
        | SyntaxError::UnclosedDoubleQuotedAttributeValue => "属性值的引号未闭合",
    }
    .to_string()
}

fn ill_formed(i: &IllFormedError) -> String {
    match i {
        IllFormedError::MissingDeclVersion(_) => "XML 声明缺少 version".to_string(),
        IllFormedError::UnknownVersion => "XML 版本未知".to_string(),
        IllFormedError::MissingDoctypeName => "DOCTYPE 缺少名称".to_string(),
        IllFormedError::MissingEndTag(tag) => {
            format!("标签 <{}> 没有结束", short_name(tag))
        }
        IllFormedError::UnmatchedEndTag(tag) => {
            format!("多余的结束标签 </{}>", short_name(tag))
        }
        IllFormedError::MismatchedEndTag { expected, found } => format!(
            "结束标签不匹配（应为 </{}>，实为 </{}>）",
            short_name(expected),
            short_name(found)
        ),
        IllFormedError::DoubleHyphenInComment => "注释中出现“--”".to_string(),
        IllFormedError::UnclosedReference => "实体引用未以“;”结束".to_string(),
    }
}

fn attr(a: &AttrError) -> String {
    match a {
        AttrError::ExpectedEq(_) => "属性名后缺少“=”".to_string(),
        AttrError::ExpectedValue(_) => "属性缺少值".to_string(),
        AttrError::UnquotedValue(_) => "属性值没有加引号".to_string(),
        AttrError::ExpectedQuote(..) => "属性值的引号未闭合".to_string(),
        AttrError::Duplicated(..) => "同一元素的属性重复".to_string(),
    }
}

fn encoding(e: &EncodingError) -> String {
    match e {
        EncodingError::Utf8(_) => "文字不是有效的 UTF-8 编码".to_string(),
        #[allow(unreachable_patterns)]
        _ => "文字编码无法识别".to_string(),
    }
}

fn escape(e: &EscapeError) -> String {
    match e {
        EscapeError::UnrecognizedEntity(_, name) => {
            format!("未知的实体 &{};", short_name(name))
        }
        EscapeError::UnterminatedEntity(_) => "实体引用未以“;”结束".to_string(),
        EscapeError::InvalidCharRef(r) => match r {
            ParseCharRefError::UnexpectedSign => "字符引用中有正负号".to_string(),
            ParseCharRefError::InvalidNumber(_) => "字符引用不是数字".to_string(),
            ParseCharRefError::InvalidCodepoint(c) | ParseCharRefError::IllegalCharacter(c) => {
                format!("字符引用 &#{c}; 不是允许的字符")
            }
        },
        EscapeError::TooManyNestedEntities => "实体嵌套过深".to_string(),
    }
}

fn namespace(e: &NamespaceError) -> String {
    match e {
        NamespaceError::UnknownPrefix(p) => {
            format!("命名空间前缀“{}”未声明", short_name(p))
        }
        NamespaceError::InvalidXmlPrefixBind(_)
        | NamespaceError::InvalidXmlnsPrefixBind(_)
        | NamespaceError::InvalidPrefixForXml(_)
        | NamespaceError::InvalidPrefixForXmlns(_) => "命名空间声明无效".to_string(),
        NamespaceError::TooManyBindings(_) => "命名空间声明过多".to_string(),
        NamespaceError::TooDeeplyNested(_) => "元素嵌套过深".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No text here may hold an ASCII word: that is how English leaks.
    /// A tag name quoted from the file (`<table:table>`) is data, not prose.
    fn chinese_only(text: &str) {
        let prose: String = text
            .split('<')
            .map(|part| part.split_once('>').map_or(part, |(_, rest)| rest))
            .collect();
        let word = prose
            .split(|c: char| !c.is_ascii_alphabetic())
            .find(|w| w.len() >= 3 && !matches!(*w, "XML" | "UTF" | "DOCTYPE" | "CDATA"));
        assert!(word.is_none(), "English in {text:?}");
    }

    #[test]
    fn every_zip_and_xml_error_reads_in_chinese() {
        let zips = [
            ZipError::InvalidArchive("Could not find EOCD".into()),
            ZipError::UnsupportedArchive("Multi-disk"),
            ZipError::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "Invalid checksum",
            )),
            ZipError::FileNotFound,
        ];
        for z in &zips {
            chinese_only(&zip(z));
        }
        let xmls = [
            XmlError::Syntax(SyntaxError::UnclosedTag),
            XmlError::IllFormed(IllFormedError::MissingEndTag("table:table".into())),
            XmlError::InvalidAttr(AttrError::Duplicated(121, 104)),
            XmlError::Namespace(NamespaceError::TooDeeplyNested(65535)),
            XmlError::Escape(EscapeError::TooManyNestedEntities),
        ];
        for x in &xmls {
            chinese_only(&xml(x));
        }
    }
}
