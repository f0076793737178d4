//! Reference documentation of a module, rendered from its declaration:
//! every data field with its type and doc comment, every function with its
//! overloads, and every constant with its value. `docs/modules/NAME.md` is
//! this output, and a test keeps it current, so the documentation cannot
//! drift from what the checker accepts.

use std::fmt::Write as _;

use crate::modules::{Member, Module};
use crate::types::{Constant, StructType, Type};

/// The Markdown reference of `module`.
#[must_use]
pub fn markdown(module: &dyn Module) -> String {
    let name = module.name();
    let decl = module.declaration();
    let mut page = format!(
        "# The `{name}` module\n\nGenerated from the module's declaration by \
         `spoor::modules::docs`; do not edit.\n"
    );
    let mut fields = Vec::new();
    let mut functions = Vec::new();
    let mut constants = Vec::new();
    walk(
        module,
        &decl,
        "",
        &mut Members { fields: &mut fields, functions: &mut functions, constants: &mut constants },
    );
    if !fields.is_empty() {
        page.push_str("\n## Fields\n\n| field | type | description |\n|---|---|---|\n");
        for (path, ty, doc) in fields {
            let _ = writeln!(page, "| `{name}.{path}` | {ty} | {doc} |");
        }
    }
    if !functions.is_empty() {
        page.push_str("\n## Functions\n\n");
        for signature in functions {
            let _ = writeln!(page, "- `{name}.{signature}`");
        }
    }
    if !constants.is_empty() {
        page.push_str("\n## Constants\n\n");
        for (path, value) in constants {
            let _ = writeln!(page, "- `{name}.{path}` = {value}");
        }
    }
    page
}

/// What a page lists, collected by [`walk`].
struct Members<'a> {
    /// Data fields: path, type, description.
    fields: &'a mut Vec<(String, String, String)>,
    /// Function signatures, with their paths.
    functions: &'a mut Vec<String>,
    /// Constants: path and value.
    constants: &'a mut Vec<(String, String)>,
}

/// Collects the members of `ty` and of the structures it holds.
fn walk(module: &dyn Module, ty: &StructType, prefix: &str, out: &mut Members<'_>) {
    for field in &ty.fields {
        let path = format!("{prefix}{}", field.name);
        if let Some(value) = &field.constant {
            out.constants.push((path, constant(value)));
            continue;
        }
        let (mut inner, mut suffix) = (&field.ty, String::new());
        while let Type::Array(element) | Type::Dict(element) = inner {
            suffix.push_str(if matches!(inner, Type::Array(_)) { "[i]" } else { "[key]" });
            inner = element;
        }
        match inner {
            Type::Function(f) => {
                for o in &f.overloads {
                    let params: Vec<String> = o.params.iter().map(ToString::to_string).collect();
                    out.functions.push(format!("{path}({}) -> {}", params.join(", "), o.result));
                }
            }
            Type::Struct(s) if s.fields.iter().all(|f| f.constant.is_some()) => {
                walk(module, s, &format!("{path}."), out);
            }
            Type::Struct(s) => {
                out.fields.push((path.clone(), field.ty.to_string(), doc(module, &path)));
                walk(module, s, &format!("{path}{suffix}."), out);
            }
            _ => out.fields.push((path.clone(), field.ty.to_string(), doc(module, &path))),
        }
    }
}

/// The doc comment of the field at `path` (indexes removed), on one line.
fn doc(module: &dyn Module, path: &str) -> String {
    let plain = path.replace("[i]", "").replace("[key]", "");
    match module.member(&plain) {
        Some(Member::Field { doc }) => doc.split_whitespace().collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

fn constant(c: &Constant) -> String {
    match c {
        Constant::Integer(i) => i.to_string(),
        Constant::Float(f) => f.to_string(),
        Constant::String(s) => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::registry;

    /// `docs/modules/NAME.md` is the rendered declaration of every module.
    /// Run with `SPOOR_BLESS=1` to rewrite the files after a declaration
    /// changes.
    #[test]
    fn module_reference_pages_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/modules");
        let bless = std::env::var_os("SPOOR_BLESS").is_some();
        for module in registry() {
            let path = dir.join(format!("{}.md", module.name()));
            let expected = markdown(*module);
            if bless {
                std::fs::create_dir_all(&dir).expect("docs/modules");
                std::fs::write(&path, &expected).expect("write the reference page");
            }
            let found = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                found == expected,
                "{} is out of date: rerun the tests with SPOOR_BLESS=1",
                path.display()
            );
        }
    }

    #[test]
    fn pages_list_fields_functions_and_constants() {
        let page = markdown(crate::modules::pe::PE);
        assert!(page.contains("| `pe.sections[i].full_name` | string | The long name"));
        assert!(page.contains("- `pe.imports(string, string) -> boolean`"));
        assert!(page.contains("- `pe.rich_signature.version(integer, integer) -> integer`"));
        assert!(page.contains("- `pe.MACHINE_AMD64` = 34404"));
        let page = markdown(&crate::modules::math::MATH);
        assert!(page.contains("- `math.entropy(string) -> float`") && !page.contains("## Fields"));
    }
}
