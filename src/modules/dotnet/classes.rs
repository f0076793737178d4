//! User types of a .NET assembly (`dotnet.classes`): the TypeDef rows with
//! their methods, parameters, generic parameters and base types, with type
//! names rendered from signature blobs (ECMA-335 II.23.2) the way YARA-X
//! renders them (`string`, `List<int>`, `int[]`, `ref T`...).

use std::collections::HashMap;

use super::metadata::table::{
    GENERIC_PARAM, INTERFACE_IMPL, METHOD_DEF, NESTED_CLASS, PARAM, TYPE_DEF, TYPE_REF, TYPE_SPEC,
};
use super::metadata::{Cell, Metadata, var_uint};

/// Nesting of names and of type signatures is followed this deep (YARA-X).
const MAX_RECURSION: usize = 16;
/// Generic instantiations and function pointers have fewer arguments.
const MAX_PARAMS: u32 = 1000;
/// Arrays have at most this many dimensions, sizes and bounds.
const MAX_ARRAY_DIMENSION: u32 = 50;
/// Type signature nodes rendered per file: signatures that refer to type
/// specs that refer back to them would otherwise take exponential time.
const MAX_TYPE_NODES: usize = 1 << 20;

/// A method of a class.
#[derive(Debug, Clone)]
pub(super) struct Method {
    pub name: String,
    pub visibility: &'static str,
    pub is_abstract: bool,
    pub is_static: bool,
    pub is_virtual: bool,
    pub is_final: bool,
    pub return_type: Option<String>,
    pub generic_params: Vec<String>,
    /// `(name, type)` pairs.
    pub params: Vec<(String, String)>,
}

/// A user type.
#[derive(Debug, Clone)]
pub(super) struct Class {
    pub full_name: Option<String>,
    pub visibility: &'static str,
    pub is_interface: bool,
    pub is_abstract: bool,
    pub is_sealed: bool,
    pub base_types: Vec<String>,
    pub generic_params: Vec<String>,
    pub methods: Vec<Method>,
}

/// Reads the user types of `md`.
pub(super) fn classes(md: &Metadata<'_>) -> Vec<Class> {
    Types::new(md).classes()
}

struct Types<'m, 'a> {
    md: &'m Metadata<'a>,
    /// Generic parameter names by owner (table, row), in table order.
    generic_params: HashMap<(usize, usize), Vec<String>>,
    /// Enclosing type of each nested type (the first NestedClass row).
    enclosing: HashMap<usize, usize>,
    /// Interfaces implemented by each type.
    interfaces: HashMap<usize, Vec<Cell>>,
    budget: std::cell::Cell<usize>,
}

/// The name without the generic arity suffix (`List`1` -> `List`).
fn plain_name(name: &str) -> &str {
    name.rsplit_once('`').map_or(name, |(prefix, _)| prefix)
}

fn row_of(cell: Cell) -> Option<(usize, usize)> {
    match cell {
        Cell::Ref { table, row } => Some((table, row)),
        Cell::Num(_) => None,
    }
}

impl<'m, 'a> Types<'m, 'a> {
    fn new(md: &'m Metadata<'a>) -> Self {
        let mut generic_params: HashMap<(usize, usize), Vec<String>> = HashMap::new();
        for row in &md.tables[GENERIC_PARAM] {
            if let (Some(owner), Some(name)) = (row_of(row[2]), md.string(row[3].num())) {
                generic_params.entry(owner).or_default().push(name.to_owned());
            }
        }
        let mut enclosing = HashMap::new();
        for row in &md.tables[NESTED_CLASS] {
            let (nested, outer) = (row[0].num() as usize, row[1].num() as usize);
            if nested != outer {
                enclosing.entry(nested).or_insert(outer);
            }
        }
        let mut interfaces: HashMap<usize, Vec<Cell>> = HashMap::new();
        for row in &md.tables[INTERFACE_IMPL] {
            interfaces.entry(row[0].num() as usize).or_default().push(row[1]);
        }
        Self {
            md,
            generic_params,
            enclosing,
            interfaces,
            budget: std::cell::Cell::new(MAX_TYPE_NODES),
        }
    }

    fn generics(&self, table: usize, row: usize) -> &[String] {
        self.generic_params.get(&(table, row)).map_or(&[], Vec::as_slice)
    }

    /// The TypeDef's name, empty names as none.
    fn type_def_name(&self, row: usize) -> Option<&'a str> {
        let r = self.md.tables[TYPE_DEF].get(row)?;
        self.md.string(r[1].num()).filter(|n| !n.is_empty())
    }

    fn classes(&self) -> Vec<Class> {
        let type_defs = &self.md.tables[TYPE_DEF];
        let methods = &self.md.tables[METHOD_DEF];
        let mut classes = Vec::new();
        for (idx, td) in type_defs.iter().enumerate() {
            if self.type_def_name(idx).is_none_or(|n| n == "<Module>") {
                continue;
            }
            let flags = td[0].num();
            let class_generics = self.generics(TYPE_DEF, idx);
            let first = td[5].num() as usize;
            let range = match type_defs.get(idx + 1) {
                Some(next) => methods.get(first..next[5].num() as usize),
                None => methods.get(first..),
            };
            let class_methods = range
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter_map(|(i, m)| self.method(first + i, m, class_generics))
                .collect();
            let mut base_types = Vec::new();
            base_types.extend(self.type_def_or_ref(td[3], &mut 0, class_generics, &[]));
            for &interface in self.interfaces.get(&idx).map_or(&[][..], Vec::as_slice) {
                base_types.extend(self.type_def_or_ref(interface, &mut 0, class_generics, &[]));
            }
            classes.push(Class {
                full_name: self.full_name(idx),
                visibility: type_visibility(flags),
                is_interface: flags & 0x20 != 0,
                is_abstract: flags & 0x80 != 0,
                is_sealed: flags & 0x100 != 0,
                base_types,
                generic_params: class_generics.to_vec(),
                methods: class_methods,
            });
        }
        classes
    }

    fn method(&self, row: usize, m: &[Cell], class_generics: &[String]) -> Option<Method> {
        let flags = m[2].num();
        let name = self.md.string(m[3].num())?;
        let signature = self.md.blob(m[4].num())?;
        let sig_flags = *signature.first()?;
        let mut at = 1;
        if sig_flags & 0x10 != 0 {
            at += var_uint(signature.get(at..)?)?.1;
        }
        let (param_count, used) = var_uint(signature.get(at..)?)?;
        at += used;
        let method_generics = self.generics(METHOD_DEF, row);
        let mut depth = 0;
        let mut return_type = String::new();
        at += self.render(
            signature.get(at..)?,
            &mut return_type,
            &mut depth,
            class_generics,
            method_generics,
        )?;
        let param_list = m[5].num() as usize;
        let mut params = Vec::new();
        for i in 0..param_count as usize {
            let param_name = self.md.tables[PARAM]
                .get(param_list.saturating_add(i))
                .and_then(|p| self.md.string(p[2].num()))
                .map_or_else(|| format!("P_{i}"), str::to_owned);
            let mut ty = String::new();
            at += self.render(
                signature.get(at..)?,
                &mut ty,
                &mut depth,
                class_generics,
                method_generics,
            )?;
            params.push((param_name, ty));
        }
        Some(Method {
            name: name.to_owned(),
            visibility: method_visibility(flags),
            is_abstract: flags & 0x400 != 0,
            is_static: flags & 0x10 != 0,
            is_virtual: flags & 0x40 != 0,
            is_final: flags & 0x20 != 0,
            return_type: (!matches!(name, ".ctor" | ".cctor")).then_some(return_type),
            generic_params: method_generics.to_vec(),
            params,
        })
    }

    /// `Namespace.Outer.Inner` for a TypeDef row.
    fn full_name(&self, row: usize) -> Option<String> {
        let mut parts = Vec::new();
        let mut next = Some(row);
        while let Some(idx) = next.take() {
            let td = self.md.tables[TYPE_DEF].get(idx)?;
            if parts.len() >= MAX_RECURSION {
                return None;
            }
            parts.push(plain_name(self.type_def_name(idx)?));
            if let Some(ns) = self.md.string(td[2].num()).filter(|n| !n.is_empty()) {
                parts.push(ns);
            }
            if matches!(td[0].num() & 0x7, 2..=7) {
                next = self.enclosing.get(&idx).copied();
            }
        }
        parts.reverse();
        Some(parts.join("."))
    }

    /// The name of a TypeDefOrRef coded index.
    fn type_def_or_ref(
        &self,
        cell: Cell,
        depth: &mut usize,
        cg: &[String],
        mg: &[String],
    ) -> Option<String> {
        let (table, row) = row_of(cell)?;
        match table {
            TYPE_DEF => self.full_name(row),
            TYPE_REF => {
                let r = self.md.tables[TYPE_REF].get(row)?;
                let name = self.md.string(r[1].num()).map(plain_name);
                match (self.md.string(r[2].num()), name) {
                    (Some(ns), Some(name)) => Some(format!("{ns}.{name}")),
                    (_, name) => name.map(str::to_owned),
                }
            }
            TYPE_SPEC => {
                let blob = self.md.blob(self.md.tables[TYPE_SPEC].get(row)?[0].num())?;
                let mut out = String::new();
                self.render(blob, &mut out, depth, cg, mg)?;
                Some(out)
            }
            _ => None,
        }
    }

    /// Renders the type signature at the start of `input` into `out`;
    /// returns the bytes it used.
    fn render(
        &self,
        input: &[u8],
        out: &mut String,
        depth: &mut usize,
        cg: &[String],
        mg: &[String],
    ) -> Option<usize> {
        if *depth == MAX_RECURSION {
            return None;
        }
        let left = self.budget.get().checked_sub(1)?;
        self.budget.set(left);
        let element = *input.first()?;
        let mut at = 1;
        *depth += 1;
        let nested = |out: &mut String, at: &mut usize, depth: &mut usize| -> Option<()> {
            *at += self.render(input.get(*at..)?, out, depth, cg, mg)?;
            Some(())
        };
        let simple = match element {
            0x01 => Some("void"),
            0x02 => Some("bool"),
            0x03 => Some("char"),
            0x04 => Some("sbyte"),
            0x05 => Some("byte"),
            0x06 => Some("short"),
            0x07 => Some("ushort"),
            0x08 => Some("int"),
            0x09 => Some("uint"),
            0x0a => Some("long"),
            0x0b => Some("ulong"),
            0x0c => Some("float"),
            0x0d => Some("double"),
            0x0e => Some("string"),
            0x16 => Some("TypedReference"),
            0x18 => Some("IntPtr"),
            0x19 => Some("UintPtr"),
            0x1c => Some("object"),
            _ => None,
        };
        if let Some(name) = simple {
            out.push_str(name);
        } else {
            match element {
                0x0f => {
                    out.push_str("Ptr<");
                    nested(out, &mut at, depth)?;
                    out.push('>');
                }
                0x10 => {
                    out.push_str("ref ");
                    nested(out, &mut at, depth)?;
                }
                0x11 | 0x12 => {
                    let (coded, used) = var_uint(input.get(at..)?)?;
                    at += used;
                    let tables = [TYPE_DEF, TYPE_REF, TYPE_SPEC];
                    let table = *tables.get((coded & 3) as usize)?;
                    let cell = Cell::Ref { table, row: (coded >> 2).saturating_sub(1) as usize };
                    out.push_str(&self.type_def_or_ref(cell, depth, cg, mg)?);
                }
                0x13 | 0x1e => {
                    let (index, used) = var_uint(input.get(at..)?)?;
                    at += used;
                    let params = if element == 0x13 { cg } else { mg };
                    out.push_str(params.get(index as usize)?);
                }
                0x14 => {
                    nested(out, &mut at, depth)?;
                    let (dimensions, used) = var_uint(input.get(at..)?)?;
                    at += used;
                    if dimensions > MAX_ARRAY_DIMENSION {
                        return None;
                    }
                    let sizes = bounded_list(input, &mut at, var_uint)?;
                    let lower_bounds = bounded_list(input, &mut at, var_sint)?;
                    out.push('[');
                    for i in 0..dimensions as usize {
                        let size = sizes.get(i).map(|&s| s as i32);
                        match (lower_bounds.get(i).copied(), size) {
                            (Some(0), Some(size)) | (None, Some(size)) => {
                                out.push_str(&size.to_string())
                            }
                            (Some(l), Some(size)) if size >= 1 => {
                                out.push_str(&format!("{l}...{}", l + size - 1))
                            }
                            (Some(l), None) => out.push_str(&format!("{l}...")),
                            _ => {}
                        }
                        if i + 1 != dimensions as usize {
                            out.push(',');
                        }
                    }
                    out.push(']');
                }
                0x1d => {
                    nested(out, &mut at, depth)?;
                    out.push_str("[]");
                }
                0x15 => {
                    nested(out, &mut at, depth)?;
                    let (count, used) = var_uint(input.get(at..)?)?;
                    at += used;
                    if count >= MAX_PARAMS {
                        return None;
                    }
                    out.push('<');
                    for i in 1..=count {
                        nested(out, &mut at, depth)?;
                        if i < count {
                            out.push(',');
                        }
                    }
                    out.push('>');
                }
                0x1b => {
                    input.get(at)?; // calling convention flags
                    at += 1;
                    let (count, used) = var_uint(input.get(at..)?)?;
                    at += used;
                    if count >= MAX_PARAMS {
                        return None;
                    }
                    out.push_str("FnPtr<");
                    nested(out, &mut at, depth)?;
                    out.push('(');
                    for i in 1..=count {
                        nested(out, &mut at, depth)?;
                        if i < count {
                            out.push_str(", ");
                        }
                    }
                    out.push_str(")>");
                }
                0x1f | 0x20 => {
                    at += var_uint(input.get(at..)?)?.1;
                    nested(out, &mut at, depth)?;
                }
                _ => return None,
            }
        }
        *depth -= 1;
        Some(at)
    }
}

/// A count (at most [`MAX_ARRAY_DIMENSION`]) followed by that many values.
fn bounded_list<T>(
    input: &[u8],
    at: &mut usize,
    read: fn(&[u8]) -> Option<(T, usize)>,
) -> Option<Vec<T>> {
    let (count, used) = var_uint(input.get(*at..)?)?;
    *at += used;
    if count > MAX_ARRAY_DIMENSION {
        return None;
    }
    (0..count)
        .map(|_| {
            let (v, used) = read(input.get(*at..)?)?;
            *at += used;
            Some(v)
        })
        .collect()
}

/// A compressed signed integer (ECMA-335 II.23.2).
fn var_sint(input: &[u8]) -> Option<(i32, usize)> {
    let (raw, used) = var_uint(input)?;
    let offset = match used {
        1 => 0x40,
        2 => 0x2000,
        _ => 0x1000_0000,
    };
    let value = (raw >> 1) as i32;
    Some((if raw & 1 != 0 { value - offset } else { value }, used))
}

fn type_visibility(flags: u32) -> &'static str {
    match flags & 0x7 {
        1 | 2 => "public",
        3 => "private",
        4 => "protected",
        6 => "private protected",
        7 => "protected internal",
        _ => "internal",
    }
}

fn method_visibility(flags: u32) -> &'static str {
    match flags & 0x7 {
        2 => "private protected",
        3 => "internal",
        4 => "protected",
        5 => "protected internal",
        6 => "public",
        _ => "private",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_compressed_integers() {
        assert_eq!(var_sint(&[0x06]), Some((3, 1)));
        assert_eq!(var_sint(&[0x7b]), Some((-3, 1)));
        assert_eq!(var_sint(&[0x80, 0x80]), Some((64, 2)));
        assert_eq!(var_sint(&[0x01]), Some((-64, 1)));
        assert_eq!(var_sint(&[0xc0, 0x00, 0x00, 0x01]), Some((-268_435_456, 4)));
    }

    #[test]
    fn generic_arity_is_dropped() {
        assert_eq!(plain_name("List`1"), "List");
        assert_eq!(plain_name("Plain"), "Plain");
    }
}
