//! Rule text to AST.

pub mod ast;
