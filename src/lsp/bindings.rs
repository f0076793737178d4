//! The names a condition binds itself: the variables of `for ... in`
//! loops and of `with` declarations, each with the places that use it.
//!
//! A bound name is visible in its loop's body, or in the `with`
//! declarations after its own and the `with`'s body; an inner binding of
//! the same name hides an outer one there. Uses are resolved on the AST,
//! innermost binding first, so `i` in two sibling loops is two names, and
//! a field `x.i` is never a use of `i`.

use crate::parser::ast::{Expr, ExprKind, Ident};
use crate::source::Span;

/// One bound name: where it is declared and where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The name.
    pub name: String,
    /// The identifier that declares it.
    pub declaration: Span,
    /// Each identifier that refers to it, in source order.
    pub uses: Vec<Span>,
}

/// Every binding of `condition`, in the order they are declared.
#[must_use]
pub fn bindings(condition: &Expr) -> Vec<Binding> {
    let mut found = Vec::new();
    resolve(condition, &mut Vec::new(), &mut found);
    found
}

/// The binding that the identifier at `span` declares or uses.
#[must_use]
pub fn binding_at(bindings: &[Binding], span: Span) -> Option<&Binding> {
    bindings.iter().find(|b| b.declaration == span || b.uses.contains(&span))
}

/// Walks `expr` with `scope` holding the indexes (into `found`) of the
/// bindings visible there, innermost last.
fn resolve(expr: &Expr, scope: &mut Vec<usize>, found: &mut Vec<Binding>) {
    let visible = scope.len();
    match &expr.kind {
        ExprKind::Ident(id) => {
            if let Some(&index) = scope.iter().rev().find(|&&i| found[i].name == id.name) {
                found[index].uses.push(id.span);
            }
        }
        // The variables are bound in the body only: the quantifier and the
        // iterable come first among the children, the body last.
        ExprKind::ForIn { variables, .. } => {
            let children = expr.children();
            if let Some((body, outside)) = children.split_last() {
                for child in outside {
                    resolve(child, scope, found);
                }
                for variable in variables {
                    bind(variable, scope, found);
                }
                resolve(body, scope, found);
            }
        }
        // Each declaration is visible from the next one on: the values are
        // the children in order, then the body.
        ExprKind::With { declarations, .. } => {
            let mut names = declarations.iter().map(|(name, _)| name);
            for child in expr.children() {
                resolve(child, scope, found);
                if let Some(name) = names.next() {
                    bind(name, scope, found);
                }
            }
        }
        _ => {
            for child in expr.children() {
                resolve(child, scope, found);
            }
        }
    }
    scope.truncate(visible);
}

fn bind(name: &Ident, scope: &mut Vec<usize>, found: &mut Vec<Binding>) {
    scope.push(found.len());
    found.push(Binding { name: name.name.clone(), declaration: name.span, uses: Vec::new() });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{self, ast};
    use crate::source::SourceFile;

    /// Each binding of `condition`: name, declaration and uses, as
    /// offsets into `condition`.
    fn spans_of(condition: &str) -> Vec<(String, usize, Vec<usize>)> {
        let rule = format!("rule r {{ condition: {condition} }}");
        let source = SourceFile::new("r.yar", rule.as_str());
        let (file, diagnostics) = parser::parse(&source);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Some(ast::Item::Rule(rule)) = file.items.first() else { panic!("no rule") };
        let offset = "rule r { condition: ".len();
        bindings(&rule.condition)
            .into_iter()
            .map(|b| {
                let at = |s: Span| s.start as usize - offset;
                (b.name, at(b.declaration), b.uses.into_iter().map(at).collect())
            })
            .collect()
    }

    #[test]
    fn loops_bind_in_their_body_and_inner_names_hide_outer_ones() {
        let condition = "for any i in (0..2) : (for all i in (i..3) : (i > 0)) and i == 1";
        let found = spans_of(condition);
        let at = |needle: &str| condition.find(needle).unwrap();
        assert_eq!(
            found,
            [
                ("i".to_owned(), at("i in (0"), vec![at("i..3")]),
                ("i".to_owned(), at("i in (i"), vec![at("i > 0")]),
            ],
            "the trailing `i == 1` is outside both loops"
        );
    }

    #[test]
    fn with_declarations_see_the_earlier_ones() {
        let condition = "with a = 1, b = a + 1 : (a + b == 3 and b.x == 0)";
        let found = spans_of(condition);
        let at = |needle: &str| condition.find(needle).unwrap();
        assert_eq!(
            found,
            [
                ("a".to_owned(), at("a = 1"), vec![at("a + 1"), at("a + b")]),
                ("b".to_owned(), at("b = a"), vec![at("b == 3"), at("b.x")]),
            ]
        );
    }
}
