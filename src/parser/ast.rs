//! The abstract syntax tree of a YARA rule file.
//!
//! Every node carries the [`Span`] of the text it came from, so that the
//! checker can point at it. The tree is purely syntactic: names are not yet
//! resolved and types are not known. Literal values are already decoded
//! (escapes replaced, numbers parsed), so later stages never look at source
//! text again.
//!
//! Pattern identifiers are stored without their sigil: `$a`, `#a`, `@a`, `!a`
//! all name the pattern `a`; the anonymous pattern `$` has the empty name.

use crate::source::Span;

/// A whole rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Imports, includes and rules in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `import "pe"`
    Import(Import),
    /// `include "other.yar"`
    Include(Include),
    /// A rule.
    Rule(Rule),
}

/// `import "module"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module name, decoded.
    pub module: String,
    /// Span of the whole statement.
    pub span: Span,
}

/// `include "path"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// The path as written, decoded; relative to the including file.
    pub path: String,
    /// Span of the whole statement.
    pub span: Span,
}

/// A name with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name, without any sigil.
    pub name: String,
    /// Where it was written (including the sigil, if any).
    pub span: Span,
}

/// A rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `private`: the rule is evaluated but never reported.
    pub is_private: bool,
    /// `global`: every other rule of the namespace requires this one.
    pub is_global: bool,
    /// The rule name.
    pub name: Ident,
    /// Tags after the colon, in order.
    pub tags: Vec<Ident>,
    /// The `meta:` section, in order; keys may repeat.
    pub meta: Vec<Meta>,
    /// The `strings:` section, in order.
    pub patterns: Vec<Pattern>,
    /// The `condition:` expression.
    pub condition: Expr,
    /// From `rule` (or the first modifier) to the closing brace.
    pub span: Span,
}

/// One `key = value` of a `meta:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: MetaValue,
    /// Span of `key = value`.
    pub span: Span,
}

/// A meta value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// A string; escapes decoded, so it may hold any byte.
    String(Vec<u8>),
    /// An integer (decimal, hex, or negative).
    Integer(i64),
    /// A float.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
}

/// A pattern declaration in the `strings:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The identifier without `$`; empty for an anonymous `$`.
    pub id: Ident,
    /// What to look for.
    pub value: PatternValue,
    /// Modifiers in source order.
    pub modifiers: Vec<Modifier>,
    /// Span of the whole declaration.
    pub span: Span,
}

/// The three kinds of pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternValue {
    /// `"text"`, escapes decoded.
    Text(Vec<u8>),
    /// `{ 4D 5A ?? [2-4] ( 01 | 02 ) }`.
    Hex(HexString),
    /// `/regex/is`.
    Regex(Regex),
}

/// A hex string: a sequence of tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct HexString {
    /// The tokens between the braces.
    pub tokens: Vec<HexToken>,
    /// Span including the braces.
    pub span: Span,
}

/// One element of a hex string.
#[derive(Debug, Clone, PartialEq)]
pub enum HexToken {
    /// A byte where the bits set in `mask` must equal those of `value`:
    /// `4D` is `{value: 0x4D, mask: 0xFF}`, `4?` is `{0x40, 0xF0}`,
    /// `?D` is `{0x0D, 0x0F}`, `??` is `{0, 0}`.
    Byte {
        /// Expected bits.
        value: u8,
        /// Which bits are compared.
        mask: u8,
    },
    /// `~4D` or `~4?`: any byte that does NOT match `value` under `mask`.
    NotByte {
        /// Bits that must not all match.
        value: u8,
        /// Which bits are compared.
        mask: u8,
    },
    /// `[n]`, `[n-m]`, `[n-]`, `[-]`: between `min` and `max` (inclusive)
    /// arbitrary bytes; `max: None` is unbounded.
    Jump {
        /// Least number of bytes skipped.
        min: u32,
        /// Most bytes skipped, `None` for no limit.
        max: Option<u32>,
        /// Span of the brackets.
        span: Span,
    },
    /// `( a | b | c )`: each alternative is a token sequence.
    Alternatives(Vec<Vec<HexToken>>),
}

/// A regular expression literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Regex {
    /// The text between the slashes, exactly as written (`\/` left as is).
    pub pattern: String,
    /// The `i` flag.
    pub case_insensitive: bool,
    /// The `s` flag: `.` also matches `\n`.
    pub dot_matches_new_line: bool,
    /// Span from the opening slash to the last flag.
    pub span: Span,
}

/// A pattern modifier with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    /// Which modifier.
    pub kind: ModifierKind,
    /// Span of the modifier and its arguments.
    pub span: Span,
}

/// The modifiers a pattern can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModifierKind {
    /// `nocase`
    Nocase,
    /// `wide`
    Wide,
    /// `ascii`
    Ascii,
    /// `fullword`
    Fullword,
    /// `private`
    Private,
    /// `xor`, `xor(n)`, `xor(n-m)`: keys `min..=max` (plain `xor` is
    /// `0..=255`, `xor(n)` is `n..=n`).
    Xor {
        /// Smallest key.
        min: u8,
        /// Largest key.
        max: u8,
    },
    /// `base64` or `base64("alphabet")`.
    Base64 {
        /// A custom 64-byte alphabet, if given.
        alphabet: Option<Vec<u8>>,
    },
    /// `base64wide` or `base64wide("alphabet")`.
    Base64Wide {
        /// A custom 64-byte alphabet, if given.
        alphabet: Option<Vec<u8>>,
    },
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written (parentheses around it are not included).
    pub span: Span,
}

impl Expr {
    /// The expressions directly inside this one, in source order: what a
    /// walk over a condition visits next. A `for ... in` loop's quantifier
    /// and iterable come before its body, a `with`'s values in declaration
    /// order before its body, so a walk that tracks bound names can bind
    /// each one as it passes its place.
    #[must_use]
    pub fn children(&self) -> Vec<&Expr> {
        fn range(r: &Range) -> [&Expr; 2] {
            [&r.lower, &r.upper]
        }
        fn quantifier(q: &Quantifier) -> Option<&Expr> {
            match q {
                Quantifier::Count(e) | Quantifier::Percent(e) => Some(e),
                Quantifier::All | Quantifier::Any | Quantifier::None => None,
            }
        }
        fn anchor(a: Option<&Anchor>) -> Vec<&Expr> {
            match a {
                Some(Anchor::At(at)) => vec![at],
                Some(Anchor::In(r)) => range(r).to_vec(),
                None => Vec::new(),
            }
        }
        match &self.kind {
            ExprKind::True
            | ExprKind::False
            | ExprKind::Integer(_)
            | ExprKind::Float(_)
            | ExprKind::String(_)
            | ExprKind::Regex(_)
            | ExprKind::Filesize
            | ExprKind::Entrypoint
            | ExprKind::Ident(_) => Vec::new(),
            ExprKind::Field { object, .. } => vec![object],
            ExprKind::Index { object, index } => vec![object, index],
            ExprKind::Call { callee, args } => std::iter::once(&**callee).chain(args).collect(),
            ExprKind::ReadInt { offset, .. } | ExprKind::ReadFloat { offset, .. } => vec![offset],
            ExprKind::PatternMatch { anchor: a, .. } => anchor(a.as_ref()),
            ExprKind::PatternCount { range: r, .. } => r.iter().flat_map(range).collect(),
            ExprKind::PatternOffset { index, .. } | ExprKind::PatternLength { index, .. } => {
                index.iter().map(|i| &**i).collect()
            }
            ExprKind::And(operands) | ExprKind::Or(operands) => operands.iter().collect(),
            ExprKind::Unary { operand, .. } => vec![operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Of { quantifier: q, set, anchor: a } => {
                let members = match set {
                    OfSet::Exprs(exprs) => exprs.iter().collect(),
                    OfSet::Patterns(_) | OfSet::Rules(_) => Vec::new(),
                };
                quantifier(q).into_iter().chain(members).chain(anchor(a.as_ref())).collect()
            }
            ExprKind::ForOf { quantifier: q, body, .. } => {
                quantifier(q).into_iter().chain([&**body]).collect()
            }
            ExprKind::ForIn { quantifier: q, iterable, body, .. } => {
                let iterated = match iterable {
                    Iterable::Range(r) => range(r).to_vec(),
                    Iterable::List(exprs) => exprs.iter().collect(),
                    Iterable::Expr(e) => vec![&**e],
                };
                quantifier(q).into_iter().chain(iterated).chain([&**body]).collect()
            }
            ExprKind::With { declarations, body } => {
                declarations.iter().map(|(_, value)| value).chain([&**body]).collect()
            }
        }
    }
}

/// Expressions of the condition language.
///
/// Parentheses leave no node: precedence is encoded in the tree shape.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `true`
    True,
    /// `false`
    False,
    /// An integer literal, with `KB`/`MB` already applied.
    Integer(i64),
    /// A float literal.
    Float(f64),
    /// A string literal, escapes decoded.
    String(Vec<u8>),
    /// A regex literal (right operand of `matches`, or a function argument).
    Regex(Regex),
    /// `filesize`
    Filesize,
    /// `entrypoint` (deprecated in YARA, still accepted).
    Entrypoint,
    /// A bare identifier: a rule, an external variable, a module, or a
    /// variable bound by `for` or `with`.
    Ident(Ident),
    /// `object.field`.
    Field {
        /// The structure.
        object: Box<Expr>,
        /// The field name.
        field: Ident,
    },
    /// `object[index]`, for arrays and dictionaries.
    Index {
        /// The array or dictionary.
        object: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// `callee(args)`, a module function.
    Call {
        /// The function, usually a `Field`.
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `int8(offset)` ... `uint32be(offset)`.
    ReadInt {
        /// Which reader.
        reader: IntReader,
        /// The offset to read at.
        offset: Box<Expr>,
    },
    /// `float32(offset)` ... `float64be(offset)`.
    ReadFloat {
        /// Which reader.
        reader: FloatReader,
        /// The offset to read at.
        offset: Box<Expr>,
    },
    /// `$a`, `$a at e`, `$a in (lo..hi)`; `$` inside `for ... of` loops.
    PatternMatch {
        /// The pattern (empty name for `$`).
        id: Ident,
        /// Where it must match, if restricted.
        anchor: Option<Anchor>,
    },
    /// `#a` or `#a in (lo..hi)`.
    PatternCount {
        /// The pattern (empty name for `#`).
        id: Ident,
        /// Only count matches in this range.
        range: Option<Range>,
    },
    /// `@a` (first match) or `@a[i]` (i-th match, from 1).
    PatternOffset {
        /// The pattern (empty name for `@`).
        id: Ident,
        /// The match index, if given.
        index: Option<Box<Expr>>,
    },
    /// `!a` (first match) or `!a[i]` (i-th match, from 1).
    PatternLength {
        /// The pattern (empty name for `!`).
        id: Ident,
        /// The match index, if given.
        index: Option<Box<Expr>>,
    },
    /// `a and b and c`: a flat list, so long chains nest no deeper than one.
    And(Vec<Expr>),
    /// `a or b or c`: a flat list, so long chains nest no deeper than one.
    Or(Vec<Expr>),
    /// A prefix operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// An infix operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `Q of SET`, `Q of SET at e`, `Q of SET in (lo..hi)`.
    Of {
        /// How many must hold.
        quantifier: Quantifier,
        /// Patterns, rules or boolean expressions.
        set: OfSet,
        /// Optional `at`/`in` restriction (pattern sets only).
        anchor: Option<Anchor>,
    },
    /// `for Q of PATTERNS : ( body )`: `$`, `#`, `@`, `!` in the body name
    /// the pattern of the current iteration.
    ForOf {
        /// How many iterations must be true.
        quantifier: Quantifier,
        /// The patterns iterated over.
        patterns: PatternSet,
        /// The loop body.
        body: Box<Expr>,
    },
    /// `for Q v1, v2 in ITERABLE : ( body )`.
    ForIn {
        /// How many iterations must be true.
        quantifier: Quantifier,
        /// Loop variables (one for ranges, lists and arrays; two for
        /// dictionaries).
        variables: Vec<Ident>,
        /// What is iterated.
        iterable: Iterable,
        /// The loop body.
        body: Box<Expr>,
    },
    /// `with a = e1, b = e2 : ( body )`.
    With {
        /// Declarations, in order; later ones may use earlier ones.
        declarations: Vec<(Ident, Expr)>,
        /// The body.
        body: Box<Expr>,
    },
}

/// `at e` or `in (lo..hi)` after a pattern or an `of`.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    /// `at offset`.
    At(Box<Expr>),
    /// `in (lo..hi)`.
    In(Range),
}

/// `(lo..hi)`, both bounds inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// Lower bound.
    pub lower: Box<Expr>,
    /// Upper bound.
    pub upper: Box<Expr>,
    /// Span including the parentheses.
    pub span: Span,
}

/// The integer readers, named as in YARA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum IntReader {
    Int8,
    Int16,
    Int32,
    Uint8,
    Uint16,
    Uint32,
    Int8be,
    Int16be,
    Int32be,
    Uint8be,
    Uint16be,
    Uint32be,
}

impl IntReader {
    /// Every reader, for lookup by name.
    pub const ALL: [IntReader; 12] = [
        IntReader::Int8,
        IntReader::Int16,
        IntReader::Int32,
        IntReader::Uint8,
        IntReader::Uint16,
        IntReader::Uint32,
        IntReader::Int8be,
        IntReader::Int16be,
        IntReader::Int32be,
        IntReader::Uint8be,
        IntReader::Uint16be,
        IntReader::Uint32be,
    ];

    /// The keyword, such as `uint32be`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            IntReader::Int8 => "int8",
            IntReader::Int16 => "int16",
            IntReader::Int32 => "int32",
            IntReader::Uint8 => "uint8",
            IntReader::Uint16 => "uint16",
            IntReader::Uint32 => "uint32",
            IntReader::Int8be => "int8be",
            IntReader::Int16be => "int16be",
            IntReader::Int32be => "int32be",
            IntReader::Uint8be => "uint8be",
            IntReader::Uint16be => "uint16be",
            IntReader::Uint32be => "uint32be",
        }
    }

    /// Reader for a keyword.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Width in bytes.
    #[must_use]
    pub fn width(self) -> usize {
        match self {
            IntReader::Int8 | IntReader::Uint8 | IntReader::Int8be | IntReader::Uint8be => 1,
            IntReader::Int16 | IntReader::Uint16 | IntReader::Int16be | IntReader::Uint16be => 2,
            _ => 4,
        }
    }

    /// Whether the value is sign-extended.
    #[must_use]
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            IntReader::Int8
                | IntReader::Int16
                | IntReader::Int32
                | IntReader::Int8be
                | IntReader::Int16be
                | IntReader::Int32be
        )
    }

    /// Whether the bytes are big-endian.
    #[must_use]
    pub fn is_big_endian(self) -> bool {
        matches!(
            self,
            IntReader::Int8be
                | IntReader::Int16be
                | IntReader::Int32be
                | IntReader::Uint8be
                | IntReader::Uint16be
                | IntReader::Uint32be
        )
    }
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `defined`
    Defined,
    /// `-`
    Neg,
    /// `~`
    BitNot,
}

/// Infix operators other than `and`/`or` (which are n-ary [`ExprKind`]s),
/// lowest precedence first (YARA's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
    // equality and string operators share a level
    Eq,
    Ne,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    IEquals,
    Matches,
    // relational
    Lt,
    Le,
    Gt,
    Ge,
    BitOr,
    BitXor,
    BitAnd,
    Shl,
    Shr,
    Add,
    Sub,
    Mul,
    /// `\` (integer or float division).
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator as written in rule text.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Contains => "contains",
            BinaryOp::IContains => "icontains",
            BinaryOp::StartsWith => "startswith",
            BinaryOp::IStartsWith => "istartswith",
            BinaryOp::EndsWith => "endswith",
            BinaryOp::IEndsWith => "iendswith",
            BinaryOp::IEquals => "iequals",
            BinaryOp::Matches => "matches",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "\\",
            BinaryOp::Mod => "%",
        }
    }

    /// Binding strength: higher binds tighter. All binary operators are
    /// left-associative. `or` is 1, `and` is 2, prefix `not` and `defined`
    /// are 3, prefix `-` and `~` are 12.
    #[must_use]
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Contains
            | BinaryOp::IContains
            | BinaryOp::StartsWith
            | BinaryOp::IStartsWith
            | BinaryOp::EndsWith
            | BinaryOp::IEndsWith
            | BinaryOp::IEquals
            | BinaryOp::Matches => 4,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 5,
            BinaryOp::BitOr => 6,
            BinaryOp::BitXor => 7,
            BinaryOp::BitAnd => 8,
            BinaryOp::Shl | BinaryOp::Shr => 9,
            BinaryOp::Add | BinaryOp::Sub => 10,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 11,
        }
    }
}

/// How many members of a set must hold (`all`, `any`, `none`, `2 of`,
/// `50% of`), with its expressions as parsed.
pub type Quantifier = crate::semantics::Quantifier<Expr>;

/// A float reader: one type for the AST and the compiled program.
pub use crate::semantics::FloatReader;

/// What an `of` ranges over.
#[derive(Debug, Clone, PartialEq)]
pub enum OfSet {
    /// `them` or `($a, $b*)`.
    Patterns(PatternSet),
    /// `(RuleA, Rule*)`: rule names, possibly with a trailing `*`.
    Rules(Vec<NameRef>),
    /// `(expr, expr, ...)`: a tuple of boolean expressions.
    Exprs(Vec<Expr>),
}

/// A set of patterns.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternSet {
    /// `them`: every pattern of the rule.
    Them(Span),
    /// `($a, $b*, $)`.
    List(Vec<NameRef>),
}

/// A name in a set, maybe with a trailing wildcard: `$a*` / `Rule*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    /// The name without sigil or `*`.
    pub name: String,
    /// Whether `*` followed: matches every name starting with `name`.
    pub wildcard: bool,
    /// Where it was written.
    pub span: Span,
}

/// What a `for ... in` loop iterates over.
#[derive(Debug, Clone, PartialEq)]
pub enum Iterable {
    /// `(lo..hi)`.
    Range(Range),
    /// `(e1, e2, ...)`.
    List(Vec<Expr>),
    /// A module array or dictionary: `pe.sections`.
    Expr(Box<Expr>),
}
