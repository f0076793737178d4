//! Module members as hover and completion describe them: the type, the
//! overloads and the documentation of `pe.sections[0].name` or
//! `pe.imports`, read from each module's one declaration.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::modules::{self, Member, Module};
use crate::types::{StructType, Type};

/// What a dotted path inside a module names.
pub struct Described {
    /// The path as written, indexes left out (`pe.sections.name`).
    pub path: String,
    /// Its declared type.
    pub ty: Type,
    /// Its doc comment, empty when it has none.
    pub doc: &'static str,
}

impl Described {
    /// One line per signature, `pe.imports(string, string) -> boolean` for
    /// functions, `pe.machine: integer` for data.
    #[must_use]
    pub fn signatures(&self) -> Vec<String> {
        match &self.ty {
            Type::Function(function) => function
                .overloads
                .iter()
                .map(|o| {
                    let params: Vec<String> = o.params.iter().map(ToString::to_string).collect();
                    format!("{}({}) -> {}", self.path, params.join(", "), o.result)
                })
                .collect(),
            ty => vec![format!("{}: {ty}", self.path)],
        }
    }

    /// Markdown: the signatures in a code block, then the documentation.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = format!("```yara\n{}\n```", self.signatures().join("\n"));
        if !self.doc.is_empty() {
            let _ =
                write!(out, "\n\n{}", self.doc.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out
    }
}

/// The member at `segments` (module name first), if the module and every
/// field exist.
#[must_use]
pub fn describe(segments: &[String]) -> Option<Described> {
    let (module_name, fields) = segments.split_first()?;
    let (_, module) = modules::find(module_name)?;
    let (last, parents) = fields.split_last()?;
    let parent = structure(module, parents)?;
    let ty = parent.field(last)?.ty.clone();
    let member_path = fields.join(".");
    let doc = match module.member(&member_path) {
        Some(Member::Field { doc }) => doc,
        _ => "",
    };
    Some(Described { path: segments.join("."), ty, doc })
}

/// The structure that `fields` lead to inside `module` (arrays and
/// dictionaries of structures count as the structure).
#[must_use]
pub fn structure(module: &dyn Module, fields: &[String]) -> Option<Arc<StructType>> {
    let mut current = module.declaration();
    for name in fields {
        let mut ty = &current.field(name)?.ty;
        while let Type::Array(inner) | Type::Dict(inner) = ty {
            ty = inner;
        }
        let Type::Struct(inner) = ty else { return None };
        current = Arc::clone(inner);
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn fields_and_functions_are_described_from_the_declaration() {
        let entry = describe(&path("pe.entry_point")).unwrap();
        assert_eq!(entry.signatures(), ["pe.entry_point: integer"]);
        assert_eq!(entry.doc.trim(), "The entry point as a file offset.");
        let imports = describe(&path("pe.imports")).unwrap();
        assert!(imports.signatures().contains(&"pe.imports(string, string) -> boolean".to_owned()));
        assert!(imports.signatures().len() > 1, "overloads");
        assert!(describe(&path("pe.sections.name")).is_some());
        assert!(describe(&path("pe.nope")).is_none());
        assert!(describe(&path("nope.x")).is_none());
    }
}
