//! The pe, elf and dotnet declarations are registered and carry the names
//! rules use.

use spoor::modules;
use spoor::types::{Constant, Type};

fn field_type(module: &str, path: &str) -> Type {
    let (_, m) = modules::find(module).expect("module registered");
    let mut ty = Type::Struct(m.declaration());
    for name in path.split('.') {
        let Type::Struct(s) = ty else { panic!("{path}: {name} is not in a struct") };
        ty = s.field(name).unwrap_or_else(|| panic!("{module}.{path}: no {name}")).ty.clone();
        if let Type::Array(element) = &ty {
            ty = element.as_ref().clone();
        }
    }
    ty
}

#[test]
fn pe_fields_and_functions_are_declared() {
    for (path, expected) in [
        ("is_pe", "boolean"),
        ("machine", "integer"),
        ("sections.full_name", "string"),
        ("rich_signature.clear_data", "string"),
        ("version_info", "dictionary of string"),
        ("signatures.not_after", "integer"),
        ("overlay.size", "integer"),
        ("import_details.functions.name", "string"),
        ("linker_version.major", "integer"),
    ] {
        assert_eq!(field_type("pe", path).to_string(), expected, "pe.{path}");
    }
    let Type::Function(imports) = field_type("pe", "imports") else { panic!() };
    assert_eq!(imports.overloads.len(), 8);
    let forms = [
        vec![Type::String],
        vec![Type::String, Type::String],
        vec![Type::Integer, Type::Regex, Type::Regex],
    ];
    for args in forms {
        assert!(imports.resolve(&args).is_some(), "imports{args:?}");
    }
    let Type::Function(version) = field_type("pe", "rich_signature.version") else { panic!() };
    assert!(version.resolve(&[Type::Integer, Type::Integer]).is_some());
}

#[test]
fn constants_have_yara_values() {
    let (_, pe) = modules::find("pe").unwrap();
    let decl = pe.declaration();
    let value = |name: &str| decl.field(name).and_then(|f| f.constant.clone());
    assert_eq!(value("MACHINE_AMD64"), Some(Constant::Integer(0x8664)));
    assert_eq!(value("DLL"), Some(Constant::Integer(0x2000)));
    assert_eq!(value("IMAGE_DIRECTORY_ENTRY_TLS"), Some(Constant::Integer(9)));
    assert_eq!(value("SECTION_MEM_WRITE"), Some(Constant::Integer(0x8000_0000)));
    let (_, elf) = modules::find("elf").unwrap();
    let decl = elf.declaration();
    assert_eq!(
        decl.field("PT_GNU_STACK").and_then(|f| f.constant.clone()),
        Some(Constant::Integer(0x6474_e551))
    );
}

#[test]
fn elf_and_dotnet_are_declared() {
    assert_eq!(field_type("elf", "symtab.name").to_string(), "string");
    assert_eq!(field_type("elf", "dynamic.val").to_string(), "integer");
    assert_eq!(field_type("dotnet", "assembly.version.build_number").to_string(), "integer");
    assert_eq!(field_type("dotnet", "classes.methods.parameters.type").to_string(), "string");
    assert_eq!(field_type("dotnet", "guids").to_string(), "string");
}

/// Every `pe.` field, function and constant that signature-base rules use
/// is declared (indexes and call arguments aside).
#[test]
fn signature_base_pe_references_are_declared() {
    let Some(corpus) = crate::util::signature_base() else { return };
    let entries = std::fs::read_dir(corpus).expect("corpus is readable");
    let reference = regex_automata::meta::Regex::new(
        r"\bpe\.[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?(\.[A-Za-z_][A-Za-z0-9_]*)*",
    )
    .unwrap();
    let index = regex_automata::meta::Regex::new(r"\[[^\]]*\]").unwrap();
    let (mut files, mut checked) = (0, 0);
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        if !text.contains("import \"pe\"") {
            continue;
        }
        files += 1;
        for m in reference.find_iter(text.as_bytes()) {
            let found = &text[m.range()];
            let mut path = String::new();
            let mut last = 0;
            for i in index.find_iter(found.as_bytes()) {
                path.push_str(&found[last..i.start()]);
                last = i.end();
            }
            path.push_str(&found[last..]);
            field_type("pe", path.strip_prefix("pe.").unwrap());
            checked += 1;
        }
    }
    eprintln!("{checked} pe references in {files} signature-base files resolve");
    assert!(files > 100, "expected the 131 files that import pe, found {files}");
}
