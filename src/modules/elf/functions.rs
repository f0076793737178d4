//! The `elf` module's function, `import_md5()`, and the native data it
//! caches its result in.

use std::sync::OnceLock;

use md5::{Digest, Md5};

use super::parse::ParsedElf;
use crate::modules::functions::{FunctionDef, overload};
use crate::modules::hash::hex;
use crate::modules::{CallContext, Value};
use crate::types::Type;

/// Native data: the parsed file and the lazily computed import hash.
pub(super) struct Native {
    pub elf: ParsedElf,
    pub import_md5: OnceLock<String>,
}

/// The functions of the `elf` module.
pub(super) static ELF_FUNCTIONS: &[FunctionDef] =
    &[FunctionDef { name: "import_md5", overloads: &[overload(&[], Type::String, import_md5)] }];

/// MD5 of the sorted, lowercased, comma-joined names of undefined symbols
/// (`shndx` 0) of the dynamic symbol table, or of the symbol table when
/// there is no dynamic one; the MD5 of nothing for other files, as in
/// YARA-X. Computed once per ELF file.
fn import_md5(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    let native = ctx.module.native.as_ref().and_then(|n| n.downcast_ref::<Native>());
    let hash = match native {
        Some(native) => native.import_md5.get_or_init(|| imported_names_md5(&native.elf)).clone(),
        None => imported_names_md5(&ParsedElf::default()),
    };
    Value::String(hash.into_bytes())
}

fn imported_names_md5(elf: &ParsedElf) -> String {
    let sd = elf.section_data.as_ref();
    let dynsym = sd.map(|s| s.dynsym.as_slice()).unwrap_or_default();
    let symtab = sd.map(|s| s.symtab.as_slice()).unwrap_or_default();
    let symbols = if dynsym.is_empty() { symtab } else { dynsym };
    let mut names: Vec<String> = symbols
        .iter()
        .filter(|s| s.shndx == 0)
        .filter_map(|s| s.name.as_deref().filter(|n| !n.is_empty()).map(str::to_lowercase))
        .collect();
    names.sort();
    hex(&Md5::digest(names.join(",").as_bytes()))
}
