//! The expression language of checklists (条件与公式), second edition of the
//! checklist format: the `formula` of an item, the `when` of a veto (一票否决)
//! and the `requires` of a tier or grade.
//!
//! ```text
//! literals     12   0.25   "社区文书"   true   false
//! ${key}       an input: yes_no → boolean, numeric → number, choice → text
//! kind         the unit's kind (text)
//! points(C)    an item's earned points              ┐ only in vetoes,
//! full(C)      the item earned its max              │ tiers and grades
//! category(C)  a category's earned / applicable max │
//! total        the total before rounding            ┘ (tiers and grades only)
//! count(b, …)  min(x, …)  max(x, …)  if b then x else y
//! + - * /   < <= > >= == !=   and or not   ( )
//! ```
//!
//! It is data, never code: no loops, no user functions, nothing that reaches
//! outside the assessment. Numbers are exact rationals (`0.1 + 0.2 == 0.3`),
//! `x / 0` is 0, and there is no float anywhere. The input is bounded —
//! [`MAX_CHARS`] characters and [`MAX_DEPTH`] levels of nesting — so every
//! recursion over an expression is bounded too.
//!
//! Grammar, loosest first:
//!
//! ```text
//! expr     = "if" expr "then" expr "else" expr | or
//! or       = and { "or" and }
//! and      = not { "and" not }
//! not      = "not" not | compare
//! compare  = sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]   (no chaining)
//! sum      = product { ("+" | "-") product }
//! product  = unary { ("*" | "/") unary }
//! unary    = "-" unary | primary
//! primary  = number | text | "${" key "}" | "true" | "false" | "kind" | "total"
//!          | ("points" | "full" | "category") "(" code ")"
//!          | ("count" | "min" | "max") "(" expr { "," expr } ")"
//!          | "(" expr ")"
//! number   = digit { digit } [ "." digit { digit } ]
//! text     = '"' { any character but '"' } '"'           (no escapes)
//! code     = ASCII letter { ASCII letter | digit | "_" | "." }
//! ```
//!
//! An `if` or a `not` inside an operation needs parentheses
//! (`1 + (if … then … else …)`, `x == (not y)`); `a < b < c` is refused.
//! Every message is in Chinese, for the archivist who wrote the checklist,
//! with the position of the fault in characters (from 1).

use std::fmt;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::text::{char_name, fold_char, fold_label};

/// The longest expression accepted, in characters.
pub const MAX_CHARS: usize = 2000;
/// The deepest nesting accepted: parentheses, function calls, `if`, `not`
/// and unary minus, counted together.
pub const MAX_DEPTH: usize = 64;
/// The most arguments `count`, `min` and `max` take (at least 1).
pub const MAX_ARGS: usize = 100;

// ---------------------------------------------------------------------------
// Public types

/// A fault in an expression: where (the character, from 1, Chinese text
/// counting one per character) and what, in Chinese. Shown as
/// "第 17 个字符：未知的填报项 ${room_are}"; the caller prefixes the file and
/// the key (`items[C4].formula`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// The character at fault, from 1; one past the end for "缺少……" at the end.
    pub position: usize,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第 {} 个字符：{}", self.position, self.message)
    }
}

impl std::error::Error for ExprError {}

fn fault(position: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        position,
        message: message.into(),
    }
}

/// Where an expression stands in the checklist, which decides what it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// An item's `formula` (条目公式): inputs, `kind`, literals and operators.
    ItemFormula,
    /// A veto's `when` (否决条件): also `points`, `full` and `category`.
    Veto,
    /// A tier's or a grade's `requires` (等级、结论): also `total`.
    TierOrGrade,
}

/// The type of a value: 条件（是/否）, 数值 or 文字.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Bool,
    Number,
    Text,
}

impl ValueType {
    /// The word used in messages: "条件（是/否）", "数值", "文字".
    pub fn label_zh(self) -> &'static str {
        match self {
            ValueType::Bool => "条件（是/否）",
            ValueType::Number => "数值",
            ValueType::Text => "文字",
        }
    }
}

/// A value: a boolean (是/否), an exact number or a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Number(BigRational),
    Text(String),
}

impl Value {
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Bool(_) => ValueType::Bool,
            Value::Number(_) => ValueType::Number,
            Value::Text(_) => ValueType::Text,
        }
    }
}

/// 是 / 否, a number as a decimal when it has one ("0.25", "-3"), otherwise
/// as a fraction ("1/3"), and a text as it is.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(true) => f.write_str("是"),
            Value::Bool(false) => f.write_str("否"),
            Value::Number(n) => match decimal_string(n) {
                Some(s) => f.write_str(&s),
                None => write!(f, "{}/{}", n.numer(), n.denom()),
            },
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// What the checker knows of the checklist: the inputs with their types and
/// the item and category codes. Built by the checklist validator from its own
/// maps, e.g. `inputs: &|key| types.get(key).copied()`.
///
/// The three lists are read only after an unknown name, to suggest a close
/// one ("是否应为 ${room_area}？"), so a valid expression costs no allocation.
pub struct Scope<'a> {
    /// The type of input (填报项) `key`, `None` when the checklist asks none:
    /// yes_no → `Bool`, numeric → `Number`, choice → `Text`.
    pub inputs: &'a dyn Fn(&str) -> Option<ValueType>,
    /// Whether an item (条目) has this code.
    pub items: &'a dyn Fn(&str) -> bool,
    /// Whether a category (类别) has this code.
    pub categories: &'a dyn Fn(&str) -> bool,
    /// Every input key, for suggestions.
    pub input_keys: &'a dyn Fn() -> Vec<String>,
    /// Every item code, for suggestions.
    pub item_codes: &'a dyn Fn() -> Vec<String>,
    /// Every category code, for suggestions.
    pub category_codes: &'a dyn Fn() -> Vec<String>,
}

/// What an evaluation reads of one unit's assessment. The scorer implements it.
pub trait Env {
    /// The answer to input `key`, `None` when it has none (未填报):
    /// yes_no → `Bool`, numeric → `Number`, choice → `Text`.
    fn input(&self, key: &str) -> Option<Value>;
    /// The unit's kind (单位类别).
    fn kind(&self) -> &str;
    /// The points item `code` earned.
    fn points(&self, code: &str) -> BigRational;
    /// Whether item `code` earned its max; an inapplicable item counts as full.
    fn full(&self, code: &str) -> bool;
    /// Category `code`'s earned points over its applicable max, in percent;
    /// 100 when nothing in it is applicable.
    fn category_percent(&self, code: &str) -> BigRational;
    /// The total before rounding.
    fn total(&self) -> BigRational;
}

/// Why an evaluation gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The input with this key has no answer and the result depends on it;
    /// the caller decides whether that is pending or a problem.
    Missing(String),
    /// A value of the wrong type: the expression was not [`check`]ed against
    /// this checklist, or the environment answered with another type.
    Invalid(ExprError),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Missing(key) => write!(f, "填报项 ${{{key}}} 尚未填报"),
            EvalError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EvalError {}

/// A parsed expression. Only [`parse`] makes one; it is compared by structure,
/// without the positions its parts had in the source. `Display` prints a
/// normalised form (single spaces, only the parentheses needed, numbers as
/// shortest decimals) that parses back to an equal `Expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    node: Node,
    at: At,
}

/// A position in the source (characters, from 1). Equal to every other, so
/// that expressions compare by structure alone.
#[derive(Clone, Copy, Debug)]
struct At(usize);

impl PartialEq for At {
    fn eq(&self, _: &At) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Code {
    name: String,
    at: At,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CodeFn {
    Points,
    Full,
    Category,
}

impl CodeFn {
    fn name(self) -> &'static str {
        match self {
            CodeFn::Points => "points",
            CodeFn::Full => "full",
            CodeFn::Category => "category",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListFn {
    Count,
    Min,
    Max,
}

impl ListFn {
    fn name(self) -> &'static str {
        match self {
            ListFn::Count => "count",
            ListFn::Min => "min",
            ListFn::Max => "max",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AddOp {
    Add,
    Sub,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MulOp {
    Mul,
    Div,
}

/// Chains of one precedence level (`a + b - c`, `a and b and c`) are kept
/// flat, so a long sum does not make a deep tree: the depth of the tree is
/// bounded by the nesting the parser counts.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Number(BigRational),
    Text(String),
    Bool(bool),
    Input(String),
    Kind,
    Total,
    Of(CodeFn, Code),
    Call(ListFn, Vec<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Or(Vec<Expr>),
    And(Vec<Expr>),
    /// Left, operator, the operator's position, right.
    Compare(Box<Expr>, CmpOp, At, Box<Expr>),
    Sum(Box<Expr>, Vec<(AddOp, Expr)>),
    Product(Box<Expr>, Vec<(MulOp, Expr)>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

impl Expr {
    fn children(&self) -> Vec<&Expr> {
        match &self.node {
            Node::Number(_)
            | Node::Text(_)
            | Node::Bool(_)
            | Node::Input(_)
            | Node::Kind
            | Node::Total
            | Node::Of(..) => Vec::new(),
            Node::Call(_, args) | Node::Or(args) | Node::And(args) => args.iter().collect(),
            Node::Neg(x) | Node::Not(x) => vec![x],
            Node::Compare(l, _, _, r) => vec![l, r],
            Node::Sum(first, rest) => std::iter::once(&**first)
                .chain(rest.iter().map(|(_, e)| e))
                .collect(),
            Node::Product(first, rest) => std::iter::once(&**first)
                .chain(rest.iter().map(|(_, e)| e))
                .collect(),
            Node::If(c, a, b) => vec![c, a, b],
        }
    }

    /// Visits every node, parents before children, left to right.
    fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        for child in self.children() {
            child.walk(visit);
        }
    }
}

/// The input keys an expression reads (`${key}`), in order of first use,
/// each once.
pub fn inputs_used(expr: &Expr) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    expr.walk(&mut |e| {
        if let Node::Input(key) = &e.node
            && !keys.contains(key)
        {
            keys.push(key.clone());
        }
    });
    keys
}

/// The item and category codes an expression names (in `points`, `full`,
/// `category`), in order of first use, each once.
pub fn codes_used(expr: &Expr) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    expr.walk(&mut |e| {
        if let Node::Of(_, code) = &e.node
            && !codes.contains(&code.name)
        {
            codes.push(code.name.clone());
        }
    });
    codes
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Number(BigRational),
    Text(String),
    Input(String),
    Ident(String),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Cmp(CmpOp),
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    /// The first character, from 1.
    at: usize,
    /// The source text, for messages.
    text: String,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

fn lex(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let at = i + 1;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            '0'..='9' => {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let mut digits: String = chars[start..i].iter().collect();
                let mut scale = 0usize;
                if chars.get(i) == Some(&'.') {
                    let point = i;
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        digits.push(chars[i]);
                        scale += 1;
                        i += 1;
                    }
                    if scale == 0 {
                        return Err(fault(point + 1, "小数点后缺少数字"));
                    }
                }
                let numer: BigInt = digits.parse().unwrap_or_default();
                let denom = num_traits::pow(BigInt::from(10u32), scale);
                Tok::Number(BigRational::new(numer, denom))
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += 1;
                }
                if i == chars.len() {
                    return Err(fault(at, "文字缺少结尾的双引号 \""));
                }
                let text = chars[start + 1..i].iter().collect();
                i += 1;
                Tok::Text(text)
            }
            '$' => {
                if next != Some('{') {
                    return Err(fault(at, "填报项要写成 ${room_area} 的样子：$ 后应为 {"));
                }
                i += 2;
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
                if i == chars.len() {
                    return Err(fault(at, "填报项缺少右花括号 }"));
                }
                let key: String = chars[start + 2..i].iter().collect();
                if key.is_empty() {
                    return Err(fault(at, "${} 中缺少填报项名称"));
                }
                i += 1;
                Tok::Input(key)
            }
            c if is_ident_start(c) => {
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                Tok::Ident(chars[start..i].iter().collect())
            }
            '(' | ')' | ',' | '+' | '-' | '*' | '/' => {
                i += 1;
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    ',' => Tok::Comma,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    '*' => Tok::Star,
                    _ => Tok::Slash,
                }
            }
            '<' | '>' | '=' | '!' => {
                let op = match (c, next) {
                    ('<', Some('=')) => Some(CmpOp::Le),
                    ('>', Some('=')) => Some(CmpOp::Ge),
                    ('=', Some('=')) => Some(CmpOp::Eq),
                    ('!', Some('=')) => Some(CmpOp::Ne),
                    _ => None,
                };
                match (op, c, next) {
                    (Some(op), ..) => {
                        i += 2;
                        Tok::Cmp(op)
                    }
                    (None, '<', Some('>')) => return Err(fault(at, "“不等于”请写 !=")),
                    (None, '=', Some('<')) => return Err(fault(at, "“小于等于”请写 <=")),
                    (None, '=', Some('>')) => return Err(fault(at, "“大于等于”请写 >=")),
                    (None, '=', _) => return Err(fault(at, "比较是否相等请写 ==")),
                    (None, '!', _) => return Err(fault(at, "取反请写 not")),
                    (None, '<', _) => {
                        i += 1;
                        Tok::Cmp(CmpOp::Lt)
                    }
                    _ => {
                        i += 1;
                        Tok::Cmp(CmpOp::Gt)
                    }
                }
            }
            '&' => return Err(fault(at, "“并且”请写 and")),
            '|' => return Err(fault(at, "“或者”请写 or")),
            other => return Err(fault(at, unknown_char(other))),
        };
        tokens.push(Token {
            tok,
            at,
            text: chars[start..i].iter().collect(),
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        at: chars.len() + 1,
        text: String::new(),
    });
    Ok(tokens)
}

/// The message for a character the language does not use, with the likely
/// intent where one is plain (a full-width comma, a Chinese quote, ×).
fn unknown_char(c: char) -> String {
    match c {
        '“' | '”' | '‘' | '’' | '「' | '」' | '『' | '』' | '\'' => {
            "文字请用半角双引号括起，如 \"社区文书\"".to_string()
        }
        '×' => "乘号请写 *".to_string(),
        '÷' => "除号请写 /".to_string(),
        '≤' => "“小于等于”请写 <=".to_string(),
        '≥' => "“大于等于”请写 >=".to_string(),
        '≠' => "“不等于”请写 !=".to_string(),
        '−' | '–' | '—' => "减号请写半角的 -".to_string(),
        '、' => "参数之间请用半角逗号 , 分隔".to_string(),
        '\u{FF01}'..='\u{FF5E}' => {
            format!("这里是全角字符“{c}”，请改用半角的“{}”", fold_char(c))
        }
        c if c.is_control() || c.is_whitespace() || super::text::is_forbidden_char(c) => {
            format!("不认识的字符 {}", char_name(c))
        }
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => {
            format!("不认识的字符 {}（看不见的字符，请删去）", char_name(c))
        }
        c if c.is_alphabetic() => {
            format!("不认识的“{c}”：文字需用双引号括起，如 \"社区文书\"；编号以英文字母开头")
        }
        c => format!("不认识的字符“{c}”"),
    }
}

// ---------------------------------------------------------------------------
// Parser

/// The words of the language. Inside `points(…)`, `full(…)` and
/// `category(…)` any identifier is read as a code, these too.
const KEYWORDS: [&str; 10] = [
    "if", "then", "else", "and", "or", "not", "true", "false", "kind", "total",
];
const FUNCTIONS: [&str; 6] = ["points", "full", "category", "count", "min", "max"];

/// Parses an expression, refusing a syntax error with its position and a
/// Chinese message. The result is place-free: [`check`] decides what it may
/// use where it stands.
pub fn parse(source: &str) -> Result<Expr, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(fault(
            MAX_CHARS + 1,
            format!("表达式过长：{} 个字符，最多 {MAX_CHARS} 个", chars.len()),
        ));
    }
    let tokens = lex(&chars)?;
    if tokens.len() == 1 {
        return Err(fault(1, "表达式为空"));
    }
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
    };
    let expr = parser.expr()?;
    let token = parser.peek();
    match &token.tok {
        Tok::End => Ok(expr),
        Tok::RParen => Err(fault(token.at, "多余的右括号")),
        Tok::Comma => Err(fault(token.at, "多余的逗号：逗号只用于分隔函数的参数")),
        Tok::Ident(w) if w == "then" || w == "else" => Err(fault(
            token.at,
            format!("多余的 {w}：前面没有与之配对的 if"),
        )),
        Tok::Ident(w) if lowercase_word(w).is_some() => Err(fault(
            token.at,
            format!("{w} 应写作小写的 {}", lowercase_word(w).unwrap_or_default()),
        )),
        _ => Err(fault(
            token.at,
            format!(
                "多余的“{}”：前面的表达式已经完整，是否缺少运算符？",
                token.text
            ),
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
}

/// How a token is named in a message: “)” or 表达式结尾.
fn found(token: &Token) -> String {
    match token.tok {
        Tok::End => "表达式结尾".to_string(),
        _ => format!("“{}”", token.text),
    }
}

/// The word of the language that `word` is but for letter case (`AND`, `True`).
fn lowercase_word(word: &str) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    (lower != word && (KEYWORDS.contains(&lower.as_str()) || FUNCTIONS.contains(&lower.as_str())))
        .then_some(lower)
}

fn key_shaped(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_lowercase())
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Parser {
    fn peek(&self) -> &Token {
        // The last token is End, and the parser never moves past it.
        &self.tokens[self.index.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.index + ahead).min(self.tokens.len() - 1)].tok
    }

    fn advance(&mut self) {
        if self.index + 1 < self.tokens.len() {
            self.index += 1;
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    fn enter(&mut self, at: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(fault(
                at,
                format!("嵌套过深：括号、函数、if、not 与负号合计最多 {MAX_DEPTH} 层"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        if self.is_word("if") {
            self.if_expr()
        } else {
            self.or()
        }
    }

    fn if_expr(&mut self) -> Result<Expr, ExprError> {
        let at = self.peek().at;
        self.advance();
        self.enter(at)?;
        let condition = self.expr()?;
        self.expect_word("then", "缺少 then：写作 if 条件 then 值 else 值")?;
        let yes = self.expr()?;
        self.expect_word("else", "缺少 else：if … then … 之后必须有 else …")?;
        let no = self.expr()?;
        self.leave();
        Ok(Expr {
            node: Node::If(Box::new(condition), Box::new(yes), Box::new(no)),
            at: At(at),
        })
    }

    fn expect_word(&mut self, word: &str, at_end: &str) -> Result<(), ExprError> {
        if self.is_word(word) {
            self.advance();
            return Ok(());
        }
        let token = self.peek();
        Err(match token.tok {
            Tok::End => fault(token.at, at_end),
            _ => fault(
                token.at,
                format!("这里应为 {word}，却遇到了{}", found(token)),
            ),
        })
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let first = self.and()?;
        if !self.is_word("or") {
            return Ok(first);
        }
        let at = first.at;
        let mut items = vec![first];
        while self.is_word("or") {
            self.advance();
            items.push(self.and()?);
        }
        Ok(Expr {
            node: Node::Or(items),
            at,
        })
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let first = self.not_expr()?;
        if !self.is_word("and") {
            return Ok(first);
        }
        let at = first.at;
        let mut items = vec![first];
        while self.is_word("and") {
            self.advance();
            items.push(self.not_expr()?);
        }
        Ok(Expr {
            node: Node::And(items),
            at,
        })
    }

    fn not_expr(&mut self) -> Result<Expr, ExprError> {
        if !self.is_word("not") {
            return self.compare();
        }
        let at = self.peek().at;
        self.advance();
        self.enter(at)?;
        let operand = self.not_expr()?;
        self.leave();
        Ok(Expr {
            node: Node::Not(Box::new(operand)),
            at: At(at),
        })
    }

    fn compare_op(&self) -> Option<CmpOp> {
        match self.peek().tok {
            Tok::Cmp(op) => Some(op),
            _ => None,
        }
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        let left = self.sum()?;
        let Some(op) = self.compare_op() else {
            return Ok(left);
        };
        let op_at = self.peek().at;
        self.advance();
        let right = self.sum()?;
        if self.compare_op().is_some() {
            return Err(fault(
                self.peek().at,
                "比较不能连写：请用 and 连接两个比较，如 0 < ${x} and ${x} < 10",
            ));
        }
        let at = left.at;
        Ok(Expr {
            node: Node::Compare(Box::new(left), op, At(op_at), Box::new(right)),
            at,
        })
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let first = self.product()?;
        let at = first.at;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek().tok {
                Tok::Plus => AddOp::Add,
                Tok::Minus => AddOp::Sub,
                _ => break,
            };
            self.advance();
            rest.push((op, self.product()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Expr {
            node: Node::Sum(Box::new(first), rest),
            at,
        })
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let first = self.unary()?;
        let at = first.at;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek().tok {
                Tok::Star => MulOp::Mul,
                Tok::Slash => MulOp::Div,
                _ => break,
            };
            self.advance();
            rest.push((op, self.unary()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Expr {
            node: Node::Product(Box::new(first), rest),
            at,
        })
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek().tok != Tok::Minus {
            return self.primary();
        }
        let at = self.peek().at;
        self.advance();
        self.enter(at)?;
        let operand = self.unary()?;
        self.leave();
        Ok(Expr {
            node: Node::Neg(Box::new(operand)),
            at: At(at),
        })
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let token = self.peek().clone();
        let at = At(token.at);
        let leaf = |node| Ok(Expr { node, at });
        match token.tok {
            Tok::Number(n) => {
                self.advance();
                leaf(Node::Number(n))
            }
            Tok::Text(t) => {
                self.advance();
                leaf(Node::Text(t))
            }
            Tok::Input(key) => {
                self.advance();
                leaf(Node::Input(key))
            }
            Tok::LParen => {
                self.advance();
                self.enter(token.at)?;
                if self.peek().tok == Tok::RParen {
                    return Err(fault(self.peek().at, "括号中缺少内容"));
                }
                let inner = self.expr()?;
                self.close(token.at, "这里应为右括号")?;
                self.leave();
                Ok(inner)
            }
            Tok::Ident(word) => self.word(&word, token.at),
            Tok::End => Err(fault(token.at, "表达式不完整：结尾缺少一个值")),
            _ => Err(fault(
                token.at,
                format!("这里缺少一个值，却遇到了{}", found(&token)),
            )),
        }
    }

    /// Consumes the `)` that closes the `(` at `open`.
    fn close(&mut self, open: usize, otherwise: &str) -> Result<(), ExprError> {
        let token = self.peek();
        match token.tok {
            Tok::RParen => {
                self.advance();
                Ok(())
            }
            Tok::End => Err(fault(
                token.at,
                format!("缺少右括号（第 {open} 个字符的左括号没有配对）"),
            )),
            _ => Err(fault(
                token.at,
                format!("{otherwise}，却遇到了{}", found(token)),
            )),
        }
    }

    fn word(&mut self, word: &str, at: usize) -> Result<Expr, ExprError> {
        let called = *self.peek_at(1) == Tok::LParen;
        let node = match word {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            "kind" | "total" if called => {
                return Err(fault(at, format!("{word} 后面不带括号")));
            }
            "kind" => Node::Kind,
            "total" => Node::Total,
            "if" => {
                return Err(fault(
                    at,
                    "if 放在运算之中时需加括号，如 1 + (if … then … else …)",
                ));
            }
            "not" => {
                return Err(fault(
                    at,
                    "not 放在比较或运算之中时需加括号，如 ${a} == (not ${b})",
                ));
            }
            "then" | "else" | "and" | "or" => {
                return Err(fault(at, format!("这里缺少一个值，却遇到了 {word}")));
            }
            "points" => return self.code_call(CodeFn::Points, at),
            "full" => return self.code_call(CodeFn::Full, at),
            "category" => return self.code_call(CodeFn::Category, at),
            "count" => return self.list_call(ListFn::Count, at),
            "min" => return self.list_call(ListFn::Min, at),
            "max" => return self.list_call(ListFn::Max, at),
            _ if called => {
                let hint = suggestion(word, FUNCTIONS.iter().map(|f| f.to_string()));
                return Err(fault(
                    at,
                    format!("未知的函数 {word}{}", hint_text(hint.as_deref(), "")),
                ));
            }
            _ => {
                if let Some(lower) = lowercase_word(word) {
                    return Err(fault(at, format!("{word} 应写作小写的 {lower}")));
                }
                if key_shaped(word) {
                    return Err(fault(
                        at,
                        format!(
                            "不认识的 {word}：填报项要写成 ${{{word}}}；\
                             条目或类别编号只能写在 points()、full() 或 category() 中"
                        ),
                    ));
                }
                return Err(fault(
                    at,
                    format!("编号 {word} 只能写在 points()、full() 或 category() 中"),
                ));
            }
        };
        self.advance();
        Ok(Expr { node, at: At(at) })
    }

    /// `points(A7)`, `full(A7)`, `category(B)`: exactly one bare code.
    fn code_call(&mut self, function: CodeFn, at: usize) -> Result<Expr, ExprError> {
        let name = function.name();
        let example = match function {
            CodeFn::Category => "category(B)",
            CodeFn::Points => "points(A7)",
            CodeFn::Full => "full(A7)",
        };
        self.advance();
        if self.peek().tok != Tok::LParen {
            return Err(fault(
                self.peek().at,
                format!("{name} 后缺少括号，如 {example}"),
            ));
        }
        let open = self.peek().at;
        self.advance();
        let token = self.peek().clone();
        let Tok::Ident(code) = token.tok else {
            let what = match function {
                CodeFn::Category => "类别编号",
                _ => "条目编号",
            };
            return Err(fault(
                token.at,
                format!("{name}() 需要一个{what}（以英文字母开头），如 {example}"),
            ));
        };
        self.advance();
        if self.peek().tok == Tok::Comma {
            return Err(fault(self.peek().at, format!("{name}() 只接受一个编号")));
        }
        self.close(open, "这里应为右括号")?;
        Ok(Expr {
            node: Node::Of(
                function,
                Code {
                    name: code,
                    at: At(token.at),
                },
            ),
            at: At(at),
        })
    }

    /// `count(…)`, `min(…)`, `max(…)`: 1 to [`MAX_ARGS`] expressions.
    fn list_call(&mut self, function: ListFn, at: usize) -> Result<Expr, ExprError> {
        let name = function.name();
        self.advance();
        if self.peek().tok != Tok::LParen {
            return Err(fault(
                self.peek().at,
                format!("{name} 后缺少括号，如 {name}(…)"),
            ));
        }
        let open = self.peek().at;
        self.advance();
        self.enter(open)?;
        if self.peek().tok == Tok::RParen {
            return Err(fault(self.peek().at, format!("{name}() 至少需要一个参数")));
        }
        let mut args = Vec::new();
        loop {
            if args.len() == MAX_ARGS {
                return Err(fault(
                    self.peek().at,
                    format!("{name}() 最多 {MAX_ARGS} 个参数"),
                ));
            }
            args.push(self.expr()?);
            if self.peek().tok == Tok::Comma {
                self.advance();
                continue;
            }
            self.close(open, "这里应为逗号或右括号")?;
            break;
        }
        self.leave();
        Ok(Expr {
            node: Node::Call(function, args),
            at: At(at),
        })
    }
}

// ---------------------------------------------------------------------------
// Suggestions

/// The edit distance between two names, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The known name nearest to `unknown`: the same but for letter case, or
/// within 2 edits (and fewer edits than `unknown` has characters, so "Z9" is
/// not "A7"). Ties go to the name first in code-point order.
fn suggestion(unknown: &str, known: impl IntoIterator<Item = String>) -> Option<String> {
    let length = unknown.chars().count();
    let mut best: Option<(usize, String)> = None;
    for name in known {
        if name == unknown {
            continue;
        }
        let distance = if name.eq_ignore_ascii_case(unknown) {
            0
        } else if name.chars().count().abs_diff(length) > 2 {
            continue;
        } else {
            edit_distance(unknown, &name)
        };
        if distance > 2 || distance >= length {
            continue;
        }
        let better = match &best {
            None => true,
            Some((d, n)) => distance < *d || (distance == *d && name < *n),
        };
        if better {
            best = Some((distance, name));
        }
    }
    best.map(|(_, name)| name)
}

fn hint_text(name: Option<&str>, wrap: &str) -> String {
    match (name, wrap) {
        (None, _) => String::new(),
        (Some(n), "$") => format!("（是否应为 ${{{n}}}？）"),
        (Some(n), _) => format!("（是否应为 {n}？）"),
    }
}

// ---------------------------------------------------------------------------
// Checking

/// Type-checks an expression for where it stands and returns its type; the
/// caller then requires `Bool` for `when` and `requires`, `Bool` or `Number`
/// for a `formula`. Refuses an unknown input key or code (suggesting a close
/// one), a type mismatch, and `points`/`full`/`category`/`total` where they
/// may not stand. The first fault, left to right, is returned.
pub fn check(expr: &Expr, scope: &Scope, place: Place) -> Result<ValueType, ExprError> {
    Checker { scope, place }.type_of(expr)
}

struct Checker<'s, 'a> {
    scope: &'s Scope<'a>,
    place: Place,
}

/// An expression as named in a message: `${room_area}`, `points(A7)`, or the
/// first characters of a longer one.
fn describe(expr: &Expr) -> String {
    const LONGEST: usize = 24;
    let text = expr.to_string();
    if text.chars().count() <= LONGEST {
        text
    } else {
        let mut short: String = text.chars().take(LONGEST).collect();
        short.push('…');
        short
    }
}

fn mismatch(wanted: ValueType, expr: &Expr, found: ValueType) -> ExprError {
    fault(
        expr.at.0,
        format!(
            "这里需要一个{}，而 {} 是{}",
            wanted.label_zh(),
            describe(expr),
            found.label_zh()
        ),
    )
}

impl Checker<'_, '_> {
    fn want(&self, expr: &Expr, wanted: ValueType) -> Result<(), ExprError> {
        let found = self.type_of(expr)?;
        if found == wanted {
            Ok(())
        } else {
            Err(mismatch(wanted, expr, found))
        }
    }

    fn type_of(&self, expr: &Expr) -> Result<ValueType, ExprError> {
        let at = expr.at.0;
        Ok(match &expr.node {
            Node::Number(_) => ValueType::Number,
            Node::Text(_) => ValueType::Text,
            Node::Bool(_) => ValueType::Bool,
            Node::Kind => ValueType::Text,
            Node::Input(key) => match (self.scope.inputs)(key) {
                Some(t) => t,
                None => {
                    let hint = suggestion(key, (self.scope.input_keys)());
                    return Err(fault(
                        at,
                        format!("未知的填报项 ${{{key}}}{}", hint_text(hint.as_deref(), "$")),
                    ));
                }
            },
            Node::Total => {
                if self.place != Place::TierOrGrade {
                    return Err(fault(
                        at,
                        format!("total 只能用于等级和结论，不能用于{}", self.place_label()),
                    ));
                }
                ValueType::Number
            }
            Node::Of(function, code) => {
                if self.place == Place::ItemFormula {
                    return Err(fault(
                        at,
                        format!(
                            "{}() 只能用于否决条件、等级和结论，不能用于条目公式",
                            function.name()
                        ),
                    ));
                }
                self.code(*function, code)?;
                match function {
                    CodeFn::Full => ValueType::Bool,
                    CodeFn::Points | CodeFn::Category => ValueType::Number,
                }
            }
            Node::Call(function, args) => {
                let wanted = match function {
                    ListFn::Count => ValueType::Bool,
                    ListFn::Min | ListFn::Max => ValueType::Number,
                };
                for arg in args {
                    self.want(arg, wanted)?;
                }
                ValueType::Number
            }
            Node::Neg(x) => {
                self.want(x, ValueType::Number)?;
                ValueType::Number
            }
            Node::Not(x) => {
                self.want(x, ValueType::Bool)?;
                ValueType::Bool
            }
            Node::Or(xs) | Node::And(xs) => {
                for x in xs {
                    self.want(x, ValueType::Bool)?;
                }
                ValueType::Bool
            }
            Node::Sum(..) | Node::Product(..) => {
                for x in expr.children() {
                    self.want(x, ValueType::Number)?;
                }
                ValueType::Number
            }
            Node::Compare(left, op, op_at, right) => {
                let l = self.type_of(left)?;
                let r = self.type_of(right)?;
                compare_types(l, *op, r).map_err(|message| fault(op_at.0, message))?;
                ValueType::Bool
            }
            Node::If(condition, yes, no) => {
                self.want(condition, ValueType::Bool)?;
                let a = self.type_of(yes)?;
                let b = self.type_of(no)?;
                if a != b {
                    return Err(fault(
                        no.at.0,
                        format!(
                            "if 的两个分支类型不同：then 之后是{}，else 之后是{}",
                            a.label_zh(),
                            b.label_zh()
                        ),
                    ));
                }
                a
            }
        })
    }

    fn place_label(&self) -> &'static str {
        match self.place {
            Place::ItemFormula => "条目公式",
            Place::Veto => "否决条件",
            Place::TierOrGrade => "等级和结论",
        }
    }

    fn code(&self, function: CodeFn, code: &Code) -> Result<(), ExprError> {
        let name = &code.name;
        let at = code.at.0;
        let scope = self.scope;
        match function {
            CodeFn::Points | CodeFn::Full => {
                if (scope.items)(name) {
                    return Ok(());
                }
                if (scope.categories)(name) {
                    return Err(fault(
                        at,
                        format!(
                            "{name} 是类别编号，{}() 需要条目编号；类别的得分率请用 category({name})",
                            function.name()
                        ),
                    ));
                }
                let hint = suggestion(name, (scope.item_codes)());
                Err(fault(
                    at,
                    format!("未知的条目编号 {name}{}", hint_text(hint.as_deref(), "")),
                ))
            }
            CodeFn::Category => {
                if (scope.categories)(name) {
                    return Ok(());
                }
                if (scope.items)(name) {
                    return Err(fault(
                        at,
                        format!(
                            "{name} 是条目编号，category() 需要类别编号；条目的得分请用 points({name})"
                        ),
                    ));
                }
                let hint = suggestion(name, (scope.category_codes)());
                Err(fault(
                    at,
                    format!("未知的类别编号 {name}{}", hint_text(hint.as_deref(), "")),
                ))
            }
        }
    }
}

/// Whether two types may be compared with `op`; the message when not.
fn compare_types(l: ValueType, op: CmpOp, r: ValueType) -> Result<(), &'static str> {
    use ValueType::{Bool, Number, Text};
    let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
    match (l, r) {
        (Number, Number) => Ok(()),
        (Text, Text) if ordering => Err("文字只能用 == 或 != 比较，不能比大小"),
        (Bool, Bool) if ordering => Err("条件（是/否）只能用 == 或 != 比较，不能比大小"),
        (Text, Text) | (Bool, Bool) => Ok(()),
        (Text, Number) | (Number, Text) => Err("文字不能与数值比较"),
        (Bool, Number) | (Number, Bool) => Err("条件（是/否）不能与数值比较"),
        (Bool, Text) | (Text, Bool) => Err("条件（是/否）不能与文字比较"),
    }
}

// ---------------------------------------------------------------------------
// Evaluation

/// Evaluates an expression against one unit's answers, exactly. An input with
/// no answer gives [`EvalError::Missing`] — unless the result does not depend
/// on it: `and`, `or` and `if` short-circuit, and `and`/`or` also give their
/// result when a later operand decides it (`${unanswered} and false` is
/// false). `x / 0` is 0. Text equality compares after folding as labels are
/// folded (full-width to half-width, white space removed).
pub fn eval(expr: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    Evaluator { env }.value(expr)
}

struct Evaluator<'e> {
    env: &'e dyn Env,
}

fn invalid(expr: &Expr, wanted: ValueType, found: &Value) -> EvalError {
    EvalError::Invalid(mismatch(wanted, expr, found.value_type()))
}

impl Evaluator<'_> {
    fn number(&self, expr: &Expr) -> Result<BigRational, EvalError> {
        match self.value(expr)? {
            Value::Number(n) => Ok(n),
            other => Err(invalid(expr, ValueType::Number, &other)),
        }
    }

    fn boolean(&self, expr: &Expr) -> Result<bool, EvalError> {
        match self.value(expr)? {
            Value::Bool(b) => Ok(b),
            other => Err(invalid(expr, ValueType::Bool, &other)),
        }
    }

    /// `and` (`decisive` false) or `or` (`decisive` true): stops at the first
    /// decisive operand; an unanswered operand is passed over, and reported
    /// only if no later operand decides.
    fn junction(&self, operands: &[Expr], decisive: bool) -> Result<Value, EvalError> {
        let mut missing = None;
        for operand in operands {
            match self.boolean(operand) {
                Ok(b) if b == decisive => return Ok(Value::Bool(decisive)),
                Ok(_) => {}
                Err(EvalError::Missing(key)) => {
                    missing.get_or_insert(key);
                }
                Err(e) => return Err(e),
            }
        }
        match missing {
            Some(key) => Err(EvalError::Missing(key)),
            None => Ok(Value::Bool(!decisive)),
        }
    }

    fn value(&self, expr: &Expr) -> Result<Value, EvalError> {
        let env = self.env;
        Ok(match &expr.node {
            Node::Number(n) => Value::Number(n.clone()),
            Node::Text(t) => Value::Text(t.clone()),
            Node::Bool(b) => Value::Bool(*b),
            Node::Input(key) => env
                .input(key)
                .ok_or_else(|| EvalError::Missing(key.clone()))?,
            Node::Kind => Value::Text(env.kind().to_string()),
            Node::Total => Value::Number(env.total()),
            Node::Of(CodeFn::Points, code) => Value::Number(env.points(&code.name)),
            Node::Of(CodeFn::Full, code) => Value::Bool(env.full(&code.name)),
            Node::Of(CodeFn::Category, code) => Value::Number(env.category_percent(&code.name)),
            Node::Call(ListFn::Count, args) => {
                let mut count = 0u32;
                for arg in args {
                    if self.boolean(arg)? {
                        count += 1;
                    }
                }
                Value::Number(BigRational::from_integer(BigInt::from(count)))
            }
            Node::Call(function, args) => {
                let mut best: Option<BigRational> = None;
                for arg in args {
                    let n = self.number(arg)?;
                    best = Some(match best {
                        None => n,
                        Some(b) if *function == ListFn::Min => b.min(n),
                        Some(b) => b.max(n),
                    });
                }
                Value::Number(best.unwrap_or_else(BigRational::zero))
            }
            Node::Neg(x) => Value::Number(-self.number(x)?),
            Node::Not(x) => Value::Bool(!self.boolean(x)?),
            Node::And(xs) => self.junction(xs, false)?,
            Node::Or(xs) => self.junction(xs, true)?,
            Node::Sum(first, rest) => {
                let mut sum = self.number(first)?;
                for (op, x) in rest {
                    let n = self.number(x)?;
                    match op {
                        AddOp::Add => sum += n,
                        AddOp::Sub => sum -= n,
                    }
                }
                Value::Number(sum)
            }
            Node::Product(first, rest) => {
                let mut product = self.number(first)?;
                for (op, x) in rest {
                    let n = self.number(x)?;
                    match op {
                        MulOp::Mul => product *= n,
                        MulOp::Div if n.is_zero() => product = BigRational::zero(),
                        MulOp::Div => product /= n,
                    }
                }
                Value::Number(product)
            }
            Node::Compare(left, op, op_at, right) => {
                let l = self.value(left)?;
                let r = self.value(right)?;
                Value::Bool(compare_values(&l, *op, &r).ok_or_else(|| {
                    let message = compare_types(l.value_type(), *op, r.value_type())
                        .err()
                        .unwrap_or("");
                    EvalError::Invalid(fault(op_at.0, message))
                })?)
            }
            Node::If(condition, yes, no) => {
                if self.boolean(condition)? {
                    self.value(yes)?
                } else {
                    self.value(no)?
                }
            }
        })
    }
}

/// `l op r`, or `None` when the types do not allow it.
fn compare_values(l: &Value, op: CmpOp, r: &Value) -> Option<bool> {
    use std::cmp::Ordering;
    let ordering: Ordering = match (l, r) {
        (Value::Number(a), Value::Number(b)) => a.cmp(b),
        (Value::Bool(a), Value::Bool(b)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => a.cmp(b),
        (Value::Text(a), Value::Text(b)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            if fold_label(a) == fold_label(b) {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        _ => return None,
    };
    Some(match op {
        CmpOp::Lt => ordering.is_lt(),
        CmpOp::Le => ordering.is_le(),
        CmpOp::Gt => ordering.is_gt(),
        CmpOp::Ge => ordering.is_ge(),
        CmpOp::Eq => ordering.is_eq(),
        CmpOp::Ne => ordering.is_ne(),
    })
}

// ---------------------------------------------------------------------------
// Display

/// Binding strength, loosest first, as in the grammar.
const IF: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const SUM: u8 = 5;
const PRODUCT: u8 = 6;
const NEG: u8 = 7;
const PRIMARY: u8 = 8;

fn strength(expr: &Expr) -> u8 {
    match expr.node {
        Node::If(..) => IF,
        Node::Or(_) => OR,
        Node::And(_) => AND,
        Node::Not(_) => NOT,
        Node::Compare(..) => COMPARE,
        Node::Sum(..) => SUM,
        Node::Product(..) => PRODUCT,
        Node::Neg(_) => NEG,
        _ => PRIMARY,
    }
}

/// A number as its shortest exact decimal ("0.25", "-3"), `None` when it has
/// none (1/3).
fn decimal_string(n: &BigRational) -> Option<String> {
    let two = BigInt::from(2u32);
    let five = BigInt::from(5u32);
    let mut rest = n.denom().clone();
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&rest % &two).is_zero() {
        rest /= &two;
        twos += 1;
    }
    while (&rest % &five).is_zero() {
        rest /= &five;
        fives += 1;
    }
    if !rest.is_one() {
        return None;
    }
    let scale = twos.max(fives);
    let scaled = n.numer() * num_traits::pow(BigInt::from(10u32), scale) / n.denom();
    let mut digits = scaled.abs().to_string();
    if scale > 0 {
        if digits.len() <= scale {
            digits = format!("{}{digits}", "0".repeat(scale + 1 - digits.len()));
        }
        digits.insert(digits.len() - scale, '.');
    }
    if scaled.is_negative() {
        digits.insert(0, '-');
    }
    Some(digits)
}

/// Writes `expr`, in parentheses when it binds no tighter than `floor`.
fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, floor: u8) -> fmt::Result {
    if strength(expr) <= floor {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

fn write_list(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    separator: &str,
    level: u8,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_operand(f, item, level)?;
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.node {
            Node::Number(n) => match decimal_string(n) {
                Some(s) if !n.is_negative() => f.write_str(&s),
                // Never made by the parser; printed as an exact quotient.
                _ => write!(f, "({} / {})", n.numer(), n.denom()),
            },
            Node::Text(t) => write!(f, "\"{t}\""),
            Node::Bool(b) => write!(f, "{b}"),
            Node::Input(key) => write!(f, "${{{key}}}"),
            Node::Kind => f.write_str("kind"),
            Node::Total => f.write_str("total"),
            Node::Of(function, code) => write!(f, "{}({})", function.name(), code.name),
            Node::Call(function, args) => {
                write!(f, "{}(", function.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
            Node::Neg(x) => {
                f.write_str("-")?;
                if matches!(x.node, Node::Neg(_)) {
                    // "- -1", not "--1".
                    f.write_str(" ")?;
                }
                write_operand(f, x, NEG - 1)
            }
            Node::Not(x) => {
                f.write_str("not ")?;
                write_operand(f, x, NOT - 1)
            }
            Node::Or(xs) => write_list(f, xs, " or ", OR),
            Node::And(xs) => write_list(f, xs, " and ", AND),
            Node::Compare(l, op, _, r) => {
                write_operand(f, l, COMPARE)?;
                write!(f, " {} ", op.symbol())?;
                write_operand(f, r, COMPARE)
            }
            Node::Sum(first, rest) => {
                write_operand(f, first, SUM)?;
                for (op, x) in rest {
                    f.write_str(match op {
                        AddOp::Add => " + ",
                        AddOp::Sub => " - ",
                    })?;
                    write_operand(f, x, SUM)?;
                }
                Ok(())
            }
            Node::Product(first, rest) => {
                write_operand(f, first, PRODUCT)?;
                for (op, x) in rest {
                    f.write_str(match op {
                        MulOp::Mul => " * ",
                        MulOp::Div => " / ",
                    })?;
                    write_operand(f, x, PRODUCT)?;
                }
                Ok(())
            }
            Node::If(condition, yes, no) => {
                write!(f, "if {condition} then {yes} else {no}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn n(text: &str) -> BigRational {
        match parse(text).expect(text).node {
            Node::Number(n) => n,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn int(i: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(i))
    }

    /// The tree, fully parenthesised: every compound node in ( ).
    fn tree(e: &Expr) -> String {
        let list = |xs: &[Expr], sep: &str| xs.iter().map(tree).collect::<Vec<_>>().join(sep);
        match &e.node {
            Node::Or(xs) => format!("({})", list(xs, " or ")),
            Node::And(xs) => format!("({})", list(xs, " and ")),
            Node::Not(x) => format!("(not {})", tree(x)),
            Node::Neg(x) => format!("(-{})", tree(x)),
            Node::Compare(l, op, _, r) => format!("({} {} {})", tree(l), op.symbol(), tree(r)),
            Node::Sum(first, rest) => {
                let mut s = format!("({}", tree(first));
                for (op, x) in rest {
                    s += if *op == AddOp::Add { " + " } else { " - " };
                    s += &tree(x);
                }
                s + ")"
            }
            Node::Product(first, rest) => {
                let mut s = format!("({}", tree(first));
                for (op, x) in rest {
                    s += if *op == MulOp::Mul { " * " } else { " / " };
                    s += &tree(x);
                }
                s + ")"
            }
            Node::If(c, a, b) => format!("(if {} then {} else {})", tree(c), tree(a), tree(b)),
            Node::Call(function, args) => format!("{}({})", function.name(), list(args, ", ")),
            _ => e.to_string(),
        }
    }

    /// A checklist's names: inputs a (是/否), b, c (是/否), room_area,
    /// staff_count (数值), level (选项); items A7, A8, B2; categories A, B.
    fn with_scope<R>(body: impl FnOnce(&Scope) -> R) -> R {
        let types: BTreeMap<&str, ValueType> = [
            ("a", ValueType::Bool),
            ("b", ValueType::Bool),
            ("c", ValueType::Bool),
            ("x", ValueType::Number),
            ("y", ValueType::Number),
            ("room_area", ValueType::Number),
            ("staff_count", ValueType::Number),
            ("level", ValueType::Text),
        ]
        .into_iter()
        .collect();
        let items = ["A7", "A8", "B2"];
        let categories = ["A", "B"];
        let inputs = |key: &str| types.get(key).copied();
        let is_item = |code: &str| items.contains(&code);
        let is_category = |code: &str| categories.contains(&code);
        let input_keys = || types.keys().map(|k| k.to_string()).collect();
        let item_codes = || items.iter().map(|c| c.to_string()).collect();
        let category_codes = || categories.iter().map(|c| c.to_string()).collect();
        body(&Scope {
            inputs: &inputs,
            items: &is_item,
            categories: &is_category,
            input_keys: &input_keys,
            item_codes: &item_codes,
            category_codes: &category_codes,
        })
    }

    fn check_in(source: &str, place: Place) -> Result<ValueType, ExprError> {
        let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        with_scope(|scope| check(&expr, scope, place))
    }

    #[derive(Default)]
    struct TestEnv {
        inputs: BTreeMap<String, Value>,
        kind: String,
        points: BTreeMap<String, BigRational>,
        full: Vec<String>,
        categories: BTreeMap<String, BigRational>,
        total: BigRational,
    }

    impl Env for TestEnv {
        fn input(&self, key: &str) -> Option<Value> {
            self.inputs.get(key).cloned()
        }
        fn kind(&self) -> &str {
            &self.kind
        }
        fn points(&self, code: &str) -> BigRational {
            self.points.get(code).cloned().unwrap_or_default()
        }
        fn full(&self, code: &str) -> bool {
            self.full.iter().any(|c| c == code)
        }
        fn category_percent(&self, code: &str) -> BigRational {
            self.categories
                .get(code)
                .cloned()
                .unwrap_or_else(|| int(100))
        }
        fn total(&self) -> BigRational {
            self.total.clone()
        }
    }

    /// a = 是, b = 否, x = 12, y = 0.5, level = "二级（甲）", kind 社区;
    /// c and room_area unanswered; A7 earned 4.5 of its max (full), A8 2;
    /// category A at 87.5%, B with nothing applicable; total 91.25.
    fn env() -> TestEnv {
        TestEnv {
            inputs: [
                ("a", Value::Bool(true)),
                ("b", Value::Bool(false)),
                ("x", Value::Number(int(12))),
                ("y", Value::Number(n("0.5"))),
                ("level", Value::Text("二级（甲）".into())),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            kind: "社区".into(),
            points: [("A7", n("4.5")), ("A8", int(2))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            full: vec!["A7".into()],
            categories: [("A".to_string(), n("87.5"))].into_iter().collect(),
            total: n("91.25"),
        }
    }

    fn value_of(source: &str) -> Result<Value, EvalError> {
        let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        eval(&expr, &env())
    }

    fn refusal(source: &str) -> ExprError {
        match parse(source) {
            Ok(e) => panic!("{source} was accepted as {e}"),
            Err(e) => e,
        }
    }

    #[test]
    fn precedence() {
        for (source, expected) in [
            ("1 + 2 * 3", "(1 + (2 * 3))"),
            ("(1 + 2) * 3", "((1 + 2) * 3)"),
            ("1 - 2 - 3", "(1 - 2 - 3)"),
            ("1 - (2 - 3)", "(1 - (2 - 3))"),
            ("(1 - 2) - 3", "((1 - 2) - 3)"),
            ("8 / 4 / 2", "(8 / 4 / 2)"),
            ("1 / 2 * 3", "(1 / 2 * 3)"),
            ("not ${a} and ${b}", "((not ${a}) and ${b})"),
            ("not (${a} and ${b})", "(not (${a} and ${b}))"),
            ("not not ${a}", "(not (not ${a}))"),
            ("${a} or ${b} and ${c}", "(${a} or (${b} and ${c}))"),
            ("(${a} or ${b}) and ${c}", "((${a} or ${b}) and ${c})"),
            ("${a} or ${b} or ${c}", "(${a} or ${b} or ${c})"),
            ("not 1 < 2", "(not (1 < 2))"),
            ("1 + 2 < 3 * 4", "((1 + 2) < (3 * 4))"),
            ("${x} == 1 or ${a}", "((${x} == 1) or ${a})"),
            ("${a} == (${x} > 1)", "(${a} == (${x} > 1))"),
            ("if ${a} then 1 else 2 + 3", "(if ${a} then 1 else (2 + 3))"),
            (
                "(if ${a} then 1 else 2) + 3",
                "((if ${a} then 1 else 2) + 3)",
            ),
            (
                "if ${a} then 1 else if ${b} then 2 else 3",
                "(if ${a} then 1 else (if ${b} then 2 else 3))",
            ),
            (
                "if ${a} then if ${b} then 1 else 2 else 3",
                "(if ${a} then (if ${b} then 1 else 2) else 3)",
            ),
            (
                "if ${a} or ${b} then 1 else 2 or ${c}",
                "(if (${a} or ${b}) then 1 else (2 or ${c}))",
            ),
            ("-2 * 3", "((-2) * 3)"),
            ("2 * -3", "(2 * (-3))"),
            ("-2 - 3", "((-2) - 3)"),
            ("- -2", "(-(-2))"),
            ("-(2 * 3)", "(-(2 * 3))"),
            ("min(1, 2 + 3, max(4))", "min(1, (2 + 3), max(4))"),
            ("count(${a}, not ${b})", "count(${a}, (not ${b}))"),
            ("((((1))))", "1"),
        ] {
            let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            assert_eq!(tree(&expr), expected, "{source}");
        }
    }

    #[test]
    fn comparison_chaining_is_refused() {
        for (source, position) in [
            ("1 < 2 < 3", 7),
            ("${x} == 1 == ${y}", 11),
            ("1 <= 2 != true", 8),
        ] {
            let e = refusal(source);
            assert_eq!(e.position, position, "{source}");
            assert!(e.message.contains("比较不能连写"), "{source}: {e}");
        }
        // With parentheses the meaning is plain, and it is allowed.
        assert_eq!(value_of("(1 < 2) == true"), Ok(Value::Bool(true)));
    }

    #[test]
    fn if_and_not_inside_an_operation_need_parentheses() {
        for (source, position, part) in [
            ("-if ${a} then 1 else 2", 2, "if 放在运算之中"),
            ("1 + if ${a} then 1 else 2", 5, "if 放在运算之中"),
            (
                "${a} and if ${b} then true else false",
                10,
                "if 放在运算之中",
            ),
            ("${a} == not ${b}", 9, "not 放在比较或运算之中"),
            ("-not ${a}", 2, "not 放在比较或运算之中"),
        ] {
            let e = refusal(source);
            assert_eq!(e.position, position, "{source}");
            assert!(e.message.contains(part), "{source}: {e}");
        }
        assert_eq!(
            value_of("-(if ${a} then 1 else 2)"),
            Ok(Value::Number(int(-1)))
        );
        assert_eq!(value_of("${b} == (not ${a})"), Ok(Value::Bool(true)));
    }

    #[test]
    fn syntax_errors_in_chinese_with_positions() {
        for (source, position, message) in [
            ("", 1, "表达式为空"),
            ("   ", 1, "表达式为空"),
            ("(1 + 2", 7, "缺少右括号（第 1 个字符的左括号没有配对）"),
            ("1 + 2)", 6, "多余的右括号"),
            ("()", 2, "括号中缺少内容"),
            ("1 +", 4, "表达式不完整：结尾缺少一个值"),
            (
                "1 2",
                3,
                "多余的“2”：前面的表达式已经完整，是否缺少运算符？",
            ),
            ("* 2", 1, "这里缺少一个值，却遇到了“*”"),
            ("1 + and", 5, "这里缺少一个值，却遇到了 and"),
            ("foo(1)", 1, "未知的函数 foo"),
            ("pionts(A7)", 1, "未知的函数 pionts（是否应为 points？）"),
            ("MAX(1, 2)", 1, "未知的函数 MAX（是否应为 max？）"),
            ("${a} AND ${b}", 6, "AND 应写作小写的 and"),
            ("True", 1, "True 应写作小写的 true"),
            ("${a} and ${b} OR ${c}", 15, "OR 应写作小写的 or"),
            (
                "A7 > 3",
                1,
                "编号 A7 只能写在 points()、full() 或 category() 中",
            ),
            (
                "room_area > 3",
                1,
                "不认识的 room_area：填报项要写成 ${room_area}；条目或类别编号只能写在 points()、full() 或 category() 中",
            ),
            ("points A7", 8, "points 后缺少括号，如 points(A7)"),
            (
                "points(7)",
                8,
                "points() 需要一个条目编号（以英文字母开头），如 points(A7)",
            ),
            (
                "category(${a})",
                10,
                "category() 需要一个类别编号（以英文字母开头），如 category(B)",
            ),
            ("full(A7, A8)", 8, "full() 只接受一个编号"),
            ("points(A7", 10, "缺少右括号（第 7 个字符的左括号没有配对）"),
            ("count()", 7, "count() 至少需要一个参数"),
            ("min(1 2)", 7, "这里应为逗号或右括号，却遇到了“2”"),
            ("max(1,", 7, "表达式不完整：结尾缺少一个值"),
            ("total()", 1, "total 后面不带括号"),
            ("kind() == \"a\"", 1, "kind 后面不带括号"),
            ("if ${a} 1 else 2", 9, "这里应为 then，却遇到了“1”"),
            ("if ${a}", 8, "缺少 then：写作 if 条件 then 值 else 值"),
            (
                "if ${a} then 1",
                15,
                "缺少 else：if … then … 之后必须有 else …",
            ),
            ("1 else 2", 3, "多余的 else：前面没有与之配对的 if"),
            ("1, 2", 2, "多余的逗号：逗号只用于分隔函数的参数"),
            ("1.", 2, "小数点后缺少数字"),
            ("\"社区", 1, "文字缺少结尾的双引号 \""),
            ("${room_area", 1, "填报项缺少右花括号 }"),
            ("${}", 1, "${} 中缺少填报项名称"),
            (
                "$room_area",
                1,
                "填报项要写成 ${room_area} 的样子：$ 后应为 {",
            ),
            ("${x} = 1", 6, "比较是否相等请写 =="),
            ("${x} <> 1", 6, "“不等于”请写 !="),
            ("!${a}", 1, "取反请写 not"),
            ("${a} && ${b}", 6, "“并且”请写 and"),
            ("${a} || ${b}", 6, "“或者”请写 or"),
            (
                "count(${a}，${b})",
                11,
                "这里是全角字符“，”，请改用半角的“,”",
            ),
            ("（1）", 1, "这里是全角字符“（”，请改用半角的“(”"),
            (
                "kind == “社区”",
                9,
                "文字请用半角双引号括起，如 \"社区文书\"",
            ),
            (
                "kind == '社区'",
                9,
                "文字请用半角双引号括起，如 \"社区文书\"",
            ),
            ("2 × 3", 3, "乘号请写 *"),
            ("${x} ≥ 3", 6, "“大于等于”请写 >="),
            ("min(1、2)", 6, "参数之间请用半角逗号 , 分隔"),
            (
                "kind == 社区",
                9,
                "不认识的“社”：文字需用双引号括起，如 \"社区文书\"；编号以英文字母开头",
            ),
            ("1 +\u{0} 2", 4, "不认识的字符 U+0000"),
            (
                "1 \u{200B}+ 2",
                3,
                "不认识的字符 U+200B（看不见的字符，请删去）",
            ),
            ("1 # 2", 3, "不认识的字符“#”"),
        ] {
            let e = refusal(source);
            assert_eq!(
                (e.position, e.message.as_str()),
                (position, message),
                "{source:?}"
            );
        }
    }

    #[test]
    fn error_display_reads_as_the_issue_asks() {
        let expr = parse("${room_area} >= 60 and ${room_are} > 0").unwrap();
        let e = with_scope(|scope| check(&expr, scope, Place::ItemFormula)).unwrap_err();
        assert_eq!(
            format!("items[C4].formula {e}"),
            "items[C4].formula 第 24 个字符：未知的填报项 ${room_are}（是否应为 ${room_area}？）"
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        // `kind == "社区文书" and ` is 19 characters (and 31 bytes).
        let source = "kind == \"社区文书\" and ${room_are} > 1";
        let expr = parse(source).unwrap();
        let e = with_scope(|scope| check(&expr, scope, Place::Veto)).unwrap_err();
        assert_eq!(e.position, 20);
        assert_eq!(
            e.to_string(),
            "第 20 个字符：未知的填报项 ${room_are}（是否应为 ${room_area}？）"
        );
        // A syntax error after Chinese text.
        let e = refusal("kind == \"档案室\" and and");
        assert_eq!(e.position, 19);
        // A Chinese key counts one per character too.
        let expr = parse("${面积} + ${房间面积}").unwrap();
        let e = with_scope(|scope| check(&expr, scope, Place::ItemFormula)).unwrap_err();
        assert_eq!(
            (e.position, e.message.as_str()),
            (1, "未知的填报项 ${面积}")
        );
        let e = refusal("\"一二三\" == \"四");
        assert_eq!(e.position, 10);
    }

    #[test]
    fn types() {
        use Place::{ItemFormula, TierOrGrade, Veto};
        use ValueType::{Bool, Number, Text};
        for (source, place, expected) in [
            ("12", ItemFormula, Number),
            ("0.25", ItemFormula, Number),
            ("\"社区文书\"", ItemFormula, Text),
            ("true", ItemFormula, Bool),
            ("${a}", ItemFormula, Bool),
            ("${room_area}", ItemFormula, Number),
            ("${level}", ItemFormula, Text),
            ("kind", ItemFormula, Text),
            ("kind == \"社区\"", ItemFormula, Bool),
            ("${level} != \"一级\"", ItemFormula, Bool),
            ("${a} == ${b}", ItemFormula, Bool),
            ("count(${a}, ${b}, ${x} > 3)", ItemFormula, Number),
            ("min(${x}, 10) / 10 * 5", ItemFormula, Number),
            ("max(${x})", ItemFormula, Number),
            ("if ${a} then \"是\" else \"否\"", ItemFormula, Text),
            ("-${x}", ItemFormula, Number),
            ("not ${a} or ${b} and ${c}", ItemFormula, Bool),
            ("points(A7) >= 3", Veto, Bool),
            ("full(A7) and full(B2)", Veto, Bool),
            ("category(A)", Veto, Number),
            ("category(B) >= 80 and total >= 90", TierOrGrade, Bool),
            ("points(A8) + total", TierOrGrade, Number),
        ] {
            assert_eq!(check_in(source, place), Ok(expected), "{source}");
        }
    }

    #[test]
    fn type_mismatches_are_refused_with_position() {
        use Place::{ItemFormula, TierOrGrade, Veto};
        for (source, place, position, message) in [
            (
                "${room_area} and ${a}",
                ItemFormula,
                1,
                "这里需要一个条件（是/否），而 ${room_area} 是数值",
            ),
            (
                "not ${x}",
                ItemFormula,
                5,
                "这里需要一个条件（是/否），而 ${x} 是数值",
            ),
            (
                "if ${x} then 1 else 2",
                ItemFormula,
                4,
                "这里需要一个条件（是/否），而 ${x} 是数值",
            ),
            (
                "count(${a}, 1)",
                ItemFormula,
                13,
                "这里需要一个条件（是/否），而 1 是数值",
            ),
            (
                "${a} + 1",
                ItemFormula,
                1,
                "这里需要一个数值，而 ${a} 是条件（是/否）",
            ),
            ("-kind", ItemFormula, 2, "这里需要一个数值，而 kind 是文字"),
            (
                "min(1, \"2\")",
                ItemFormula,
                8,
                "这里需要一个数值，而 \"2\" 是文字",
            ),
            (
                "2 * (${x} > 1)",
                ItemFormula,
                6,
                "这里需要一个数值，而 ${x} > 1 是条件（是/否）",
            ),
            ("${level} == 3", ItemFormula, 10, "文字不能与数值比较"),
            ("3 < kind", ItemFormula, 3, "文字不能与数值比较"),
            ("${a} == 1", ItemFormula, 6, "条件（是/否）不能与数值比较"),
            (
                "${a} != kind",
                ItemFormula,
                6,
                "条件（是/否）不能与文字比较",
            ),
            (
                "kind < \"b\"",
                ItemFormula,
                6,
                "文字只能用 == 或 != 比较，不能比大小",
            ),
            (
                "${a} >= ${b}",
                ItemFormula,
                6,
                "条件（是/否）只能用 == 或 != 比较，不能比大小",
            ),
            (
                "if ${a} then 1 else ${b}",
                ItemFormula,
                21,
                "if 的两个分支类型不同：then 之后是数值，else 之后是条件（是/否）",
            ),
            (
                "points(A7) > 1",
                ItemFormula,
                1,
                "points() 只能用于否决条件、等级和结论，不能用于条目公式",
            ),
            (
                "1 + full(A7)",
                ItemFormula,
                5,
                "full() 只能用于否决条件、等级和结论，不能用于条目公式",
            ),
            (
                "category(A)",
                ItemFormula,
                1,
                "category() 只能用于否决条件、等级和结论，不能用于条目公式",
            ),
            (
                "total > 1",
                ItemFormula,
                1,
                "total 只能用于等级和结论，不能用于条目公式",
            ),
            (
                "total > 1",
                Veto,
                1,
                "total 只能用于等级和结论，不能用于否决条件",
            ),
            ("points(Z9) > 1", Veto, 8, "未知的条目编号 Z9"),
            (
                "points(A9) > 1",
                Veto,
                8,
                "未知的条目编号 A9（是否应为 A7？）",
            ),
            ("full(a7)", Veto, 6, "未知的条目编号 a7（是否应为 A7？）"),
            ("category(C)", TierOrGrade, 10, "未知的类别编号 C"),
            (
                "points(B) > 1",
                Veto,
                8,
                "B 是类别编号，points() 需要条目编号；类别的得分率请用 category(B)",
            ),
            (
                "category(A7) > 1",
                Veto,
                10,
                "A7 是条目编号，category() 需要类别编号；条目的得分请用 points(A7)",
            ),
            (
                "${nothing_like_it} > 1",
                ItemFormula,
                1,
                "未知的填报项 ${nothing_like_it}",
            ),
            (
                "${room_are} > 1",
                ItemFormula,
                1,
                "未知的填报项 ${room_are}（是否应为 ${room_area}？）",
            ),
            (
                "${Room_Area} > 1",
                ItemFormula,
                1,
                "未知的填报项 ${Room_Area}（是否应为 ${room_area}？）",
            ),
            (
                "${ room_area } > 1",
                ItemFormula,
                1,
                "未知的填报项 ${ room_area }（是否应为 ${room_area}？）",
            ),
            (
                "${staf_cont} > 1",
                ItemFormula,
                1,
                "未知的填报项 ${staf_cont}（是否应为 ${staff_count}？）",
            ),
            // A one-letter key is "near" every other one; no guess is offered.
            ("${z}", ItemFormula, 1, "未知的填报项 ${z}"),
        ] {
            let e = check_in(source, place).unwrap_err();
            assert_eq!(
                (e.position, e.message.as_str()),
                (position, message),
                "{source}"
            );
        }
    }

    #[test]
    fn long_operands_are_shortened_in_messages() {
        let e = check_in(
            "(${x} + ${x} + ${x} + ${x} + ${x}) or ${a}",
            Place::ItemFormula,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "这里需要一个条件（是/否），而 ${x} + ${x} + ${x} + ${x… 是数值"
        );
    }

    #[test]
    fn exact_arithmetic() {
        for (source, expected) in [
            ("0.1 + 0.2 == 0.3", true),
            ("1 / 3 * 3 == 1", true),
            ("1 / 3 + 1 / 3 + 1 / 3 == 1", true),
            ("2 / 3 > 0.6666666666666666666666666666", true),
            ("0.25 == 1 / 4", true),
            ("0.250 == 0.25", true),
            ("${x} / 0 == 0", true),
            ("1 / (2 - 2) == 0", true),
            ("(1 / 0) * 5 + 1 == 1", true),
            (
                "99999999999999999999999999 * 99999999999999999999999999 > 9999999999999999999999999800000000000000000000000000",
                true,
            ),
            (
                "99999999999999999999999999 * 99999999999999999999999999 == 9999999999999999999999999800000000000000000000000001",
                true,
            ),
            ("-3 < -2.5", true),
            ("- -3 == 3", true),
            ("10 - 2 - 3 == 5", true),
            ("8 / 4 / 2 == 1", true),
            ("${y} * 3 == 1.5", true),
        ] {
            assert_eq!(value_of(source), Ok(Value::Bool(expected)), "{source}");
        }
        assert_eq!(
            value_of("1 / 3"),
            Ok(Value::Number(BigRational::new(1.into(), 3.into())))
        );
        assert_eq!(value_of("1 / 3").unwrap().to_string(), "1/3");
        assert_eq!(value_of("-1 / 8").unwrap().to_string(), "-0.125");
        assert_eq!(value_of("7 * 0.5").unwrap().to_string(), "3.5");
        assert_eq!(value_of("${a}").unwrap().to_string(), "是");
    }

    #[test]
    fn every_function_and_name() {
        for (source, expected) in [
            ("points(A7)", Value::Number(n("4.5"))),
            ("points(A8) + points(B2)", Value::Number(int(2))),
            ("full(A7)", Value::Bool(true)),
            ("full(A8)", Value::Bool(false)),
            ("category(A)", Value::Number(n("87.5"))),
            // Nothing applicable in B: the environment says 100.
            ("category(B)", Value::Number(int(100))),
            ("total", Value::Number(n("91.25"))),
            ("kind", Value::Text("社区".into())),
            ("count(${a})", Value::Number(int(1))),
            (
                "count(${a}, ${b}, true, 1 < 2, full(A8))",
                Value::Number(int(3)),
            ),
            ("count(false, false)", Value::Number(int(0))),
            ("min(${x}, 10, 11)", Value::Number(int(10))),
            ("min(3)", Value::Number(int(3))),
            ("max(${x}, 10, -1)", Value::Number(int(12))),
            ("max(-1, -2)", Value::Number(int(-1))),
            ("min(${x}, 10) / 10 * 5", Value::Number(int(5))),
            ("if ${a} then 1 else 2", Value::Number(int(1))),
            ("if ${b} then 1 else 2", Value::Number(int(2))),
            ("if ${b} then \"是\" else \"否\"", Value::Text("否".into())),
            ("not ${a}", Value::Bool(false)),
            ("${a} and ${b}", Value::Bool(false)),
            ("${a} or ${b}", Value::Bool(true)),
            ("${a} == ${b}", Value::Bool(false)),
            (
                "${x} >= 12 and ${x} <= 12 and ${x} > 11 and ${x} < 13",
                Value::Bool(true),
            ),
            ("${x} != 12", Value::Bool(false)),
        ] {
            assert_eq!(value_of(source), Ok(expected), "{source}");
        }
    }

    #[test]
    fn text_equality_after_folding() {
        for (source, expected) in [
            ("${level} == \"二级(甲)\"", true),
            ("${level} == \"二级（甲）\"", true),
            ("${level} == \" 二级 (甲) \"", true),
            ("${level} != \"二级(乙)\"", true),
            ("kind == \"社区\"", true),
            ("kind == \"社区：\"", true),
            ("\"Ａ１\" == \"A1\"", true),
            ("\"a1\" == \"A1\"", false),
            ("kind == \"机关\"", false),
        ] {
            assert_eq!(value_of(source), Ok(Value::Bool(expected)), "{source}");
        }
    }

    #[test]
    fn short_circuits_over_missing_answers() {
        let missing = |key: &str| Err(EvalError::Missing(key.to_string()));
        for (source, expected) in [
            ("${b} and ${c}", Ok(Value::Bool(false))),
            ("${a} or ${c}", Ok(Value::Bool(true))),
            (
                "if ${a} then 1 else ${room_area}",
                Ok(Value::Number(int(1))),
            ),
            (
                "if ${b} then ${room_area} else 2",
                Ok(Value::Number(int(2))),
            ),
            // A later operand decides: the unanswered one does not matter.
            ("${c} and ${b}", Ok(Value::Bool(false))),
            ("${c} or ${a}", Ok(Value::Bool(true))),
            ("${c} and ${a}", missing("c")),
            ("${c} or ${b}", missing("c")),
            ("${c} or ${room_area} > 1", missing("c")),
            ("if ${c} then 1 else 2", missing("c")),
            ("${room_area} + 1", missing("room_area")),
            ("${room_area} / 0", missing("room_area")),
            ("count(${a}, ${c})", missing("c")),
            ("min(1, ${room_area})", missing("room_area")),
            ("not ${c}", missing("c")),
            ("${c} == true", missing("c")),
        ] {
            assert_eq!(value_of(source), expected, "{source}");
        }
        assert_eq!(
            EvalError::Missing("c".into()).to_string(),
            "填报项 ${c} 尚未填报"
        );
    }

    #[test]
    fn unchecked_types_give_an_error_not_a_panic() {
        for (source, position) in [
            ("${x} and true", 1),
            ("1 + ${a}", 5),
            ("kind < 3", 6),
            ("if 1 then 2 else 3", 4),
            ("count(1)", 7),
        ] {
            match value_of(source) {
                Err(EvalError::Invalid(e)) => assert_eq!(e.position, position, "{source}"),
                other => panic!("{source}: {other:?}"),
            }
        }
    }

    #[test]
    fn length_limit() {
        // "1+1+…+1", exactly 1999 characters, then 2001.
        let at_limit = format!("{}1", "1+".repeat(999));
        assert_eq!(at_limit.chars().count(), 1999);
        assert_eq!(value_of(&at_limit), Ok(Value::Number(int(1000))));
        let padded = format!("{at_limit} ");
        assert_eq!(padded.chars().count(), MAX_CHARS);
        assert!(parse(&padded).is_ok());
        let over = format!("{padded} ");
        let e = refusal(&over);
        assert_eq!(
            (e.position, e.message.as_str()),
            (2001, "表达式过长：2001 个字符，最多 2000 个")
        );
        // Characters, not bytes: 2000 Chinese characters in a text are fine.
        let chinese = format!("\"{}\"", "档".repeat(1998));
        assert!(parse(&chinese).is_ok());
        assert!(parse(&format!("\"{}\"", "档".repeat(1999))).is_err());
    }

    #[test]
    fn depth_limit() {
        let deep = |open: &str, close: &str, levels: usize, inner: &str| {
            format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
        };
        for (open, close, inner) in [
            ("(", ")", "1"),
            ("-", "", "1"),
            ("not ", "", "true"),
            ("min(", ")", "1"),
            ("if true then 1 else ", "", "2"),
            ("(1 + ", ")", "1"),
            ("-(", ")", "1"),
        ] {
            let steps = if open == "-(" {
                MAX_DEPTH / 2
            } else {
                MAX_DEPTH
            };
            let fine = deep(open, close, steps, inner);
            let expr = parse(&fine).unwrap_or_else(|e| panic!("{fine}: {e}"));
            // Checking, evaluating and printing the deepest tree do not overflow.
            let _ = with_scope(|scope| check(&expr, scope, Place::TierOrGrade));
            let _ = eval(&expr, &env());
            assert_eq!(parse(&expr.to_string()).as_ref(), Ok(&expr), "{fine}");
            let too_deep = deep(open, close, MAX_DEPTH + 1, inner);
            let too_deep = if open == "-(" {
                // Two levels a step: one more step is 66.
                deep(open, close, MAX_DEPTH / 2 + 1, inner)
            } else {
                too_deep
            };
            let e = refusal(&too_deep);
            assert_eq!(
                e.message, "嵌套过深：括号、函数、if、not 与负号合计最多 64 层",
                "{too_deep}"
            );
        }
        // A long flat chain is not nesting.
        let chain = vec!["${a}"; 200].join(" and ");
        assert_eq!(value_of(&chain), Ok(Value::Bool(true)));
    }

    #[test]
    fn argument_limit() {
        let args = |n: usize| vec!["1"; n].join(",");
        assert_eq!(
            value_of(&format!("max({})", args(MAX_ARGS))),
            Ok(Value::Number(int(1)))
        );
        let source = format!("count({})", vec!["true"; MAX_ARGS].join(","));
        assert_eq!(value_of(&source), Ok(Value::Number(int(100))));
        let e = refusal(&format!("min({})", args(MAX_ARGS + 1)));
        assert_eq!(
            (e.position, e.message.as_str()),
            (5 + 2 * MAX_ARGS, "min() 最多 100 个参数")
        );
    }

    #[test]
    fn inputs_and_codes_used() {
        let expr = parse(
            "if ${a} and points(A7) > 1 then count(${b}, full(A8), ${a}) else category(B) + ${x} + points(A7)",
        )
        .unwrap();
        assert_eq!(inputs_used(&expr), ["a", "b", "x"]);
        assert_eq!(codes_used(&expr), ["A7", "A8", "B"]);
        let expr = parse("kind == \"社区\"").unwrap();
        assert!(inputs_used(&expr).is_empty());
        assert!(codes_used(&expr).is_empty());
    }

    /// Sources for the round trip: everything above and some more.
    const ROUND_TRIP: &[&str] = &[
        "1 + 2 * 3",
        "(1 + 2) * 3",
        "1 - (2 - 3)",
        "(1 - 2) - 3",
        "(1 * 2) * 3",
        "1 / (2 / 3)",
        "not ${a} and ${b}",
        "not (${a} and ${b})",
        "not not ${a}",
        "${a} or (${b} or ${c})",
        "(${a} and ${b}) and ${c}",
        "(not ${a}) == ${b}",
        "(${x} > 1) == (${y} > 1)",
        "if ${a} then 1 else 2 + 3",
        "(if ${a} then 1 else 2) + 3",
        "if if ${a} then ${b} else ${c} then 1 else 2",
        "if ${a} then if ${b} then 1 else 2 else 3",
        "-2 * 3",
        "2 * -3",
        "- -2",
        "-(1 + 2)",
        "-(-(2))",
        "1 - -2",
        "0.250 + 007 + 000.5",
        "0.0001 * 1000000",
        "min(1, 2 + 3, max(4))",
        "count(${a}, not ${b}, ${x} > 1)",
        "points(A7) + full(A8.1) + category(B)",
        "kind == \"社区 文书\"",
        "\"\" != kind",
        "total >= 90 and category(A) >= 80",
        "${ weird key }",
        "points(if)",
    ];

    #[test]
    fn display_is_normalised() {
        for (source, expected) in [
            ("1+2*3", "1 + 2 * 3"),
            ("((1 + 2)) * 3", "(1 + 2) * 3"),
            ("(1 * 2) * 3", "(1 * 2) * 3"),
            ("0.250 + 007 + 000.5", "0.25 + 7 + 0.5"),
            ("0.0001", "0.0001"),
            ("-(-(2))", "- -2"),
            ("-(1 + 2)", "-(1 + 2)"),
            ("not(${a})", "not ${a}"),
            ("(not ${a})==${b}", "(not ${a}) == ${b}"),
            ("if(${a})then(1)else(2+3)", "if ${a} then 1 else 2 + 3"),
            ("min( 1 ,2 )", "min(1, 2)"),
            ("points( A7 )", "points(A7)"),
            ("kind==\"社区\"", "kind == \"社区\""),
            ("${a}\u{3000}and\t${b}\n", "${a} and ${b}"),
        ] {
            assert_eq!(parse(source).unwrap().to_string(), expected, "{source}");
        }
    }

    #[test]
    fn display_parses_back_to_an_equal_expression() {
        for source in ROUND_TRIP {
            let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let printed = expr.to_string();
            let again = parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
            assert_eq!(again, expr, "{source} → {printed}");
            assert_eq!(again.to_string(), printed, "{source}");
        }
        // Equality is by structure, not by where the parts stood.
        assert_eq!(parse("1+2").unwrap(), parse("  1 +   2").unwrap());
        assert_ne!(parse("1 + 2").unwrap(), parse("2 + 1").unwrap());
        assert_ne!(parse("(1 + 2) + 3").unwrap(), parse("1 + 2 + 3").unwrap());
    }

    /// A fixed-seed linear congruential generator (Knuth's MMIX constants).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Whatever parses is checked, evaluated and printed without a panic, and
    /// its printed form parses back to an equal expression.
    fn exercise(source: &str) {
        let Ok(expr) = parse(source) else {
            return;
        };
        for place in [Place::ItemFormula, Place::Veto, Place::TierOrGrade] {
            let _ = with_scope(|scope| check(&expr, scope, place));
        }
        let _ = eval(&expr, &env());
        let _ = inputs_used(&expr);
        let _ = codes_used(&expr);
        let printed = expr.to_string();
        if printed.chars().count() <= MAX_CHARS {
            assert_eq!(
                parse(&printed).as_ref(),
                Ok(&expr),
                "{source:?} → {printed:?}"
            );
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Lcg(20240601);
        let alphabet =
            b"0123456789.+-*/<>=!() ,\"${}aAbxzZ_ifthenelsandortuk\n\t\xe7\xa4\xbe\xef\xbc\x8c";
        for round in 0..4000 {
            let length = rng.below(40);
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    if round % 2 == 0 {
                        rng.next() as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn random_token_soups_never_panic() {
        let tokens = [
            "1",
            "0.5",
            "12",
            "100",
            "\"社区\"",
            "\"Ａ\"",
            "true",
            "false",
            "${a}",
            "${b}",
            "${c}",
            "${x}",
            "${y}",
            "${room_area}",
            "${level}",
            "${nope}",
            "kind",
            "total",
            "points(A7)",
            "full(A8)",
            "category(A)",
            "category(B)",
            "points(Z9)",
            "count(",
            "min(",
            "max(",
            "(",
            "(",
            ")",
            ")",
            ",",
            "+",
            "-",
            "-",
            "*",
            "/",
            "<",
            "<=",
            ">",
            ">=",
            "==",
            "!=",
            "and",
            "or",
            "not",
            "if",
            "then",
            "else",
            "A7",
            "foo(",
            "/ 0",
        ];
        let mut rng = Lcg(7);
        let mut parsed = 0;
        for _ in 0..20000 {
            let length = 1 + rng.below(14);
            let soup: Vec<&str> = (0..length)
                .map(|_| tokens[rng.below(tokens.len())])
                .collect();
            let source = soup.join(if rng.below(2) == 0 { " " } else { "" });
            if parse(&source).is_ok() {
                parsed += 1;
            }
            exercise(&source);
        }
        // The soup is not all noise: some of it is valid.
        assert!(parsed > 100, "{parsed}");
    }
}
