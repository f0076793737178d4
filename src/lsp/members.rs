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
            Type::Function(_) => self.overloads().into_iter().map(|o| o.label).collect(),
            ty => vec![format!("{}: {ty}", self.path)],
        }
    }

    /// Each overload of a function, with where its parameters are in its
    /// label; nothing for data.
    #[must_use]
    pub fn overloads(&self) -> Vec<Overload> {
        let Type::Function(function) = &self.ty else { return Vec::new() };
        function
            .overloads
            .iter()
            .map(|o| {
                let mut label = format!("{}(", self.path);
                let mut params = Vec::new();
                for (i, param) in o.params.iter().enumerate() {
                    if i > 0 {
                        label.push_str(", ");
                    }
                    let start = label.len();
                    let _ = write!(label, "{param}");
                    params.push(start..label.len());
                }
                let _ = write!(label, ") -> {}", o.result);
                Overload { label, params }
            })
            .collect()
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

/// One overload of a function, written out.
pub struct Overload {
    /// `pe.imports(string, string) -> boolean`.
    pub label: String,
    /// The byte range of each parameter's type in `label`.
    pub params: Vec<std::ops::Range<usize>>,
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
        let overloads = imports.overloads();
        let two = overloads.iter().find(|o| o.label == "pe.imports(string, string) -> boolean");
        let two = two.unwrap();
        let params: Vec<&str> = two.params.iter().map(|p| &two.label[p.clone()]).collect();
        assert_eq!(params, ["string", "string"]);
        assert!(describe(&path("pe.sections.name")).is_some());
        assert!(describe(&path("pe.nope")).is_none());
        assert!(describe(&path("nope.x")).is_none());
    }
}
