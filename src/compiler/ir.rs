//! The typed intermediate representation: what the checker makes of the AST
//! and what the scanner evaluates.
//!
//! Source text -> AST -> **IR** -> compiled `Rules` -> scan. By the time a
//! condition is in this form every name is resolved (rules to [`RuleId`]s,
//! patterns to [`PatternId`]s, module fields to field indexes, functions to
//! implementation pointers, loop and `with` variables to frame slots), every
//! expression has been type-checked, and constant sub-expressions have been
//! folded. The evaluator therefore never looks at a name and never meets a
//! type error; what it still has to handle are YARA's *undefined* values
//! (an out-of-range read, a division by zero, missing module data), which
//! only the input can produce.
//!
//! Rule ids follow source order, and a rule may only reference rules
//! declared before it, so evaluating rules in id order respects every
//! dependency.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::file_vars::FileVar;
use crate::modules::{self, CallContext, FunctionImpl, ModuleId, Value};
use crate::results::MetaValue;
pub use crate::semantics::{ArithOp, BitOp, CmpOp, FloatReader, IntReader, StrOp};
use crate::semantics::{Number, Scalar};
use crate::types::Type;

/// Index of a rule in [`Program::rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleId(pub u32);

/// Index of a pattern in [`Program::patterns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PatternId(pub u32);

/// Index of a regular expression in [`Program::regexes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegexId(pub u32);

/// Index of an external variable in [`Program::externals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalId(pub u32);

/// A slot in a rule's variable frame, for loop and `with` variables. Slots
/// are numbered per rule from 0 to [`Rule::frame_size`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VarId(pub u32);

/// A whole checked rule set, ready to be compiled into `Rules`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Program {
    /// Rules in source order (which is also a valid evaluation order).
    pub rules: Vec<Rule>,
    /// Patterns of all rules; each rule owns a contiguous run of them.
    pub patterns: Vec<Pattern>,
    /// Regular expressions used by `matches` and as function arguments.
    pub regexes: Vec<Regex>,
    /// External variables with their values from `--define` (or defaults).
    pub externals: Vec<External>,
    /// Modules imported by at least one rule file, sorted, without repeats.
    pub modules: Vec<ModuleId>,
}

/// A checked rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    /// Rule name.
    pub name: String,
    /// Namespace (`default` unless loaded into another one).
    pub namespace: String,
    /// Tags, in declaration order.
    pub tags: Vec<String>,
    /// Meta, in declaration order, keys may repeat.
    pub meta: Vec<(String, MetaValue)>,
    /// Never reported, only referenced.
    pub is_private: bool,
    /// Every other rule of the namespace is false unless this one is true.
    pub is_global: bool,
    /// The rule's patterns: `patterns.start..patterns.end` in
    /// [`Program::patterns`].
    pub patterns: std::ops::Range<u32>,
    /// The condition.
    pub condition: Expr,
    /// How many variable slots the condition needs.
    pub frame_size: u32,
}

/// A checked pattern.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pattern {
    /// The rule that declares it.
    pub rule: RuleId,
    /// Identifier with its sigil, as reported: `$a`, or `$` for anonymous.
    pub name: String,
    /// What to search for; `None` in rules loaded from a compiled ruleset,
    /// which store the pattern's compiled forms instead (signature-base's
    /// hex strings alone took 15 MB as values, kept for nothing).
    #[serde(skip)]
    pub value: Option<PatternValue>,
    /// How to search for it (already validated).
    pub modifiers: Modifiers,
    /// Matched but never reported (`private` modifier).
    pub is_private: bool,
}

/// What a pattern searches for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PatternValue {
    /// A text string's bytes, escapes decoded.
    Text(#[serde(with = "crate::byte_strings::bytes")] Vec<u8>),
    /// A hex string's elements.
    Hex(Vec<HexToken>),
    /// A regular expression.
    Regex(Regex),
}

/// One element of a hex string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HexToken {
    /// One byte, tested under a mask.
    Byte(MaskedByte),
    /// Between `min` and `max` (inclusive; `None` is no limit) arbitrary
    /// bytes.
    Jump {
        /// Least number of bytes skipped.
        min: u32,
        /// Most bytes skipped.
        max: Option<u32>,
    },
    /// One of several element sequences.
    Alternatives(Vec<Vec<HexToken>>),
}

/// A byte test of a hex string: `4D` is value `0x4D` under mask `0xFF`,
/// `4?` value `0x40` under `0xF0`, `??` mask 0, and `~4D` the same test
/// negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MaskedByte {
    /// The expected bits.
    pub value: u8,
    /// Which bits are compared.
    pub mask: u8,
    /// Whether the byte must *not* match (`~`).
    pub negated: bool,
}

/// A regular expression in YARA's dialect, with its flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Regex {
    /// The text between the slashes, as written.
    pub pattern: String,
    /// `/.../i`.
    pub case_insensitive: bool,
    /// `/.../s`: `.` also matches `\n`.
    pub dot_matches_new_line: bool,
}

/// The modifiers of a pattern, one field each: their combination and
/// arguments are checked before they get here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Modifiers {
    /// `nocase`: ASCII letters match either case.
    pub nocase: bool,
    /// `wide`: characters are two bytes, the second zero.
    pub wide: bool,
    /// `ascii`: one-byte characters, also with `wide` (the default without).
    pub ascii: bool,
    /// `fullword`: not preceded or followed by an alphanumeric character.
    pub fullword: bool,
    /// `xor`: the text xored with every key in `min..=max`.
    pub xor: Option<(u8, u8)>,
    /// `base64`: the text base64-encoded, with this alphabet (`None` is
    /// the standard one).
    pub base64: Option<Option<Vec<u8>>>,
    /// `base64wide`: the base64 encoding, widened.
    pub base64wide: Option<Option<Vec<u8>>>,
}

/// An external variable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct External {
    /// Its name.
    pub name: String,
    /// Its value for scanning.
    pub value: Constant,
}

/// A constant value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Constant {
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A byte string.
    String(Arc<[u8]>),
}

impl Constant {
    /// The type of the constant.
    #[must_use]
    pub fn ty(&self) -> Type {
        match self {
            Constant::Bool(_) => Type::Bool,
            Constant::Integer(_) => Type::Integer,
            Constant::Float(_) => Type::Float,
            Constant::String(_) => Type::String,
        }
    }

    /// The constant as a value for [`crate::semantics`].
    #[must_use]
    pub fn scalar(&self) -> Scalar<'_> {
        match self {
            Constant::Bool(b) => Scalar::Bool(*b),
            Constant::Integer(n) => Scalar::Integer(*n),
            Constant::Float(x) => Scalar::Float(*x),
            Constant::String(s) => Scalar::String(s),
        }
    }
}

impl From<Number> for Constant {
    fn from(number: Number) -> Self {
        match number {
            Number::Integer(n) => Constant::Integer(n),
            Number::Float(x) => Constant::Float(x),
        }
    }
}

/// A condition expression.
///
/// Arithmetic, comparisons and bitwise operators carry no type tag: the
/// operand values say whether integer or float semantics apply (YARA
/// promotes an integer to float when the other side is a float).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Expr {
    /// A literal or folded constant.
    Const(Constant),
    /// `filesize`.
    Filesize,
    /// `entrypoint`: the raw file offset of the PE or ELF entry point.
    Entrypoint,
    /// An external variable.
    External(ExternalId),
    /// A per-file external no `--define` gave a value (`filename`, ...):
    /// known only per input, never folded.
    FileVar(FileVar),
    /// A loop or `with` variable.
    Var(VarId),
    /// The result of an earlier rule.
    Rule(RuleId),
    /// The root structure of an imported module.
    Module(ModuleId),
    /// Field `index` of a structure value.
    Field {
        /// The structure.
        object: Box<Expr>,
        /// Field index in its [`crate::types::StructType`].
        index: usize,
    },
    /// `array[index]`; undefined when out of range.
    ArrayIndex {
        /// The array.
        array: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// `dict["key"]`; undefined when the key is absent.
    DictLookup {
        /// The dictionary.
        dict: Box<Expr>,
        /// The key.
        key: Box<Expr>,
    },
    /// A module function call.
    Call {
        /// The module whose data the function sees.
        module: ModuleId,
        /// The implementation, resolved at compile time.
        function: FunctionRef,
        /// Arguments, type-checked against the overload. A function declared
        /// inside the elements of an array or dictionary (such as
        /// `pe.signatures[i].valid_on`, path `signatures.valid_on`) gets the
        /// element it is called on as an extra first argument.
        args: Vec<Expr>,
    },
    /// `not e`: undefined stays undefined (YARA-X), which a boolean context
    /// then treats as false.
    Not(Box<Expr>),
    /// `a and b and ...`: false if any is false or undefined.
    And(Vec<Expr>),
    /// `a or b or ...`: true if any is true; undefined operands count as
    /// false.
    Or(Vec<Expr>),
    /// `defined e`.
    Defined(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `~e`.
    BitNot(Box<Expr>),
    /// `+ - * \ %`; division or remainder by zero is undefined, integer
    /// arithmetic wraps.
    Arith {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `& | ^ << >>` on integers.
    Bitwise {
        /// The operator.
        op: BitOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `== != < <= > >=` on numbers or strings.
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `contains`, `startswith`, `iequals` and the other string operators.
    StrOp {
        /// The operator.
        op: StrOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `subject matches /regex/`.
    Matches {
        /// The string tested.
        subject: Box<Expr>,
        /// The regular expression.
        regex: RegexId,
    },
    /// A regular expression as a function argument.
    Regex(RegexId),
    /// `uint32(offset)` and the other readers; undefined past the end.
    ReadInt {
        /// Which reader.
        reader: IntReader,
        /// The offset.
        offset: Box<Expr>,
    },
    /// `float32(offset)` and the other float readers, a float; undefined
    /// past the end.
    ReadFloat {
        /// The width and byte order read.
        reader: FloatReader,
        /// An integer expression.
        offset: Box<Expr>,
    },
    /// `$a`, `$a at e`, `$a in (lo..hi)`.
    PatternMatch {
        /// The pattern.
        pattern: PatternRef,
        /// Where it must match, if restricted.
        anchor: Option<Anchor>,
    },
    /// `#a`, `#a in (lo..hi)`.
    PatternCount {
        /// The pattern.
        pattern: PatternRef,
        /// Only count matches starting in this range.
        range: Option<(Box<Expr>, Box<Expr>)>,
    },
    /// `@a[i]`: offset of the i-th match (from 1); `@a` is `@a[1]`.
    PatternOffset {
        /// The pattern.
        pattern: PatternRef,
        /// The 1-based match index.
        index: Box<Expr>,
    },
    /// `!a[i]`: length of the i-th match (from 1); `!a` is `!a[1]`.
    PatternLength {
        /// The pattern.
        pattern: PatternRef,
        /// The 1-based match index.
        index: Box<Expr>,
    },
    /// `Q of (...)`, optionally `at`/`in` for pattern sets.
    Of {
        /// How many must hold.
        quantifier: Quantifier,
        /// The set.
        items: OfItems,
        /// Restriction for pattern sets.
        anchor: Option<Anchor>,
    },
    /// `for Q of (patterns) : (body)`; the body sees the current pattern
    /// through `PatternRef::Var(var)`.
    ForOf {
        /// How many iterations must be true.
        quantifier: Quantifier,
        /// The patterns iterated over.
        patterns: Vec<PatternId>,
        /// The slot holding the current pattern.
        var: VarId,
        /// The body.
        body: Box<Expr>,
    },
    /// `for Q v1, v2 in iterable : (body)`.
    ForIn {
        /// How many iterations must be true.
        quantifier: Quantifier,
        /// Slots of the loop variables (two for dictionaries: key, value).
        vars: Vec<VarId>,
        /// What is iterated.
        iterable: Iterable,
        /// The body.
        body: Box<Expr>,
    },
    /// `with v = e, ... : (body)`.
    With {
        /// Slots and their values, evaluated in order.
        bindings: Vec<(VarId, Expr)>,
        /// The body.
        body: Box<Expr>,
    },
}

/// A resolved module function.
#[derive(Clone)]
pub struct FunctionRef {
    /// Declared path, such as `imports` or `rich_signature.version`, for
    /// messages and dumps.
    pub path: Arc<str>,
    /// The module declaring it.
    pub module: ModuleId,
    /// The overload the checker chose, an index into its declaration.
    pub overload: usize,
    /// The implementation.
    pub implementation: FunctionImpl,
}

impl FunctionRef {
    /// The reference to overload `overload` of the function declared at
    /// `path` in `module`; `None` when there is no such module. A function
    /// the module declares but does not evaluate yet gives YARA's
    /// undefined value, as missing module data does.
    #[must_use]
    pub fn resolve(module: ModuleId, path: &str, overload: usize) -> Option<FunctionRef> {
        let found = modules::registry().get(usize::from(module.0))?;
        let implementation = found.function(path, overload).unwrap_or(undefined_result);
        Some(FunctionRef { path: Arc::from(path), module, overload, implementation })
    }
}

fn undefined_result(_: &CallContext<'_>, _: &[Value]) -> Value {
    Value::Undefined
}

impl std::fmt::Debug for FunctionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FunctionRef({})", self.path)
    }
}

/// Which pattern a pattern expression is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatternRef {
    /// A named pattern.
    Id(PatternId),
    /// The current pattern of an enclosing `for ... of` loop (`$`, `#`,
    /// `@`, `!` without a name).
    Var(VarId),
}

/// `at e` or `in (lo..hi)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Anchor {
    /// At exactly this offset.
    At(Box<Expr>),
    /// Starting within this inclusive range.
    In(Box<Expr>, Box<Expr>),
}

/// How many members of a set must be true, with its expressions checked.
pub type Quantifier = crate::semantics::Quantifier<Expr>;

/// What an `of` ranges over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum OfItems {
    /// Patterns of the rule.
    Patterns(Vec<PatternId>),
    /// Earlier rules.
    Rules(Vec<RuleId>),
    /// A tuple of boolean expressions.
    Exprs(Vec<Expr>),
}

/// What a `for ... in` loop iterates over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Iterable {
    /// Integers `lo..=hi`; undefined bounds make the loop undefined.
    Range(Box<Expr>, Box<Expr>),
    /// An explicit list of values of one type.
    List(Vec<Expr>),
    /// The elements of a module array.
    Array(Box<Expr>),
    /// The key/value pairs of a module dictionary.
    Dict(Box<Expr>),
}
