//! The `dotnet` module: CLI metadata of .NET assemblies (streams, GUIDs,
//! user strings, the assembly and its references, module references,
//! managed resources, string constants, field offsets and the type library
//! GUID), as YARA-X reports it.
//!
//! `metadata` reads the CLI header, the metadata root and the `#~`
//! tables; this file turns the rows into the declared value tree.

mod classes;
mod declaration;
mod metadata;

use std::sync::Arc;

use crate::modules::pe::headers::Headers;
use crate::modules::record::{Record, nested_struct};
use crate::modules::{FunctionImpl, Module, ModuleData, Value};
use crate::types::StructType;
use metadata::{Cell, Metadata};

/// The `dotnet` module.
#[derive(Debug, Clone, Copy)]
pub struct Dotnet;

impl Module for Dotnet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn declaration(&self) -> Arc<StructType> {
        declaration::DECLARATION.clone()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        let decl = &declaration::DECLARATION;
        let metadata = Headers::parse(data).and_then(|pe| Metadata::parse(&pe).map(|m| (m, pe)));
        let value = match metadata {
            Some((metadata, pe)) => build(decl, &metadata, &pe),
            None => {
                let mut root = Record::new(decl);
                root.bool("is_dotnet", false);
                root.finish()
            }
        };
        ModuleData { value, native: None }
    }

    fn function(&self, _path: &str, _overload: usize) -> Option<FunctionImpl> {
        None
    }
}

use metadata::table::{
    ASSEMBLY, ASSEMBLY_REF, CONSTANT, CUSTOM_ATTRIBUTE, FIELD_RVA, FILE, MANIFEST_RESOURCE,
    MEMBER_REF, MODULE, MODULE_REF, TYPE_REF,
};

/// `ELEMENT_TYPE_STRING`.
const ELEMENT_TYPE_STRING: u32 = 0x0e;

fn strings_value(items: impl IntoIterator<Item = Vec<u8>>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

fn build(decl: &StructType, md: &Metadata<'_>, pe: &Headers<'_>) -> Value {
    let mut root = Record::new(decl);
    root.bool("is_dotnet", true).bytes("version", md.version);

    let stream_ty = root.nested("streams");
    let streams: Vec<Value> = md
        .streams
        .iter()
        .map(|s| {
            let mut r = Record::new(stream_ty);
            if let Ok(name) = std::str::from_utf8(s.name) {
                r.bytes("name", name.as_bytes());
            }
            r.int("offset", s.offset).int("size", s.size);
            r.finish()
        })
        .collect();
    root.uint("number_of_streams", streams.len() as u64).set("streams", Value::Array(streams));

    let guids = md.guids();
    root.uint("number_of_guids", guids.len() as u64)
        .set("guids", strings_value(guids.into_iter().map(String::into_bytes)));

    let rows = |table: usize| md.tables[table].as_slice();
    let string = |cell: Cell| md.string(cell.num());

    if let Some(name) = rows(MODULE).first().and_then(|r| string(r[1])) {
        root.bytes("module_name", name.as_bytes());
    }
    if let Some(typelib) = typelib(md) {
        root.bytes("typelib", typelib.as_bytes());
    }

    let version_ty = nested_struct(root.nested("assembly"), "version");
    let version = |r: &[Cell], first: usize| {
        let mut v = Record::new(version_ty);
        v.int("major", r[first].num())
            .int("minor", r[first + 1].num())
            .int("build_number", r[first + 2].num())
            .int("revision_number", r[first + 3].num());
        v.finish()
    };
    if let Some(a) = rows(ASSEMBLY).first() {
        let mut r = Record::new(root.nested("assembly"));
        if let Some(name) = string(a[7]) {
            r.bytes("name", name.as_bytes());
        }
        if let Some(culture) = string(a[8]).filter(|c| !c.is_empty()) {
            r.bytes("culture", culture.as_bytes());
        }
        r.set("version", version(a, 1));
        root.set("assembly", r.finish());
    }

    let ref_ty = root.nested("assembly_refs");
    let refs: Vec<Value> = rows(ASSEMBLY_REF)
        .iter()
        .map(|a| {
            let mut r = Record::new(ref_ty);
            if let Some(name) = string(a[6]) {
                r.bytes("name", name.as_bytes());
            }
            if let Some(key) = md.blob(a[5].num()).filter(|k| !k.is_empty()) {
                r.bytes("public_key_or_token", key);
            }
            r.set("version", version(a, 0));
            r.finish()
        })
        .collect();
    root.uint("number_of_assembly_refs", refs.len() as u64)
        .set("assembly_refs", Value::Array(refs));

    let modulerefs: Vec<Vec<u8>> = rows(MODULE_REF)
        .iter()
        .filter_map(|r| string(r[0]))
        .map(|s| s.as_bytes().to_vec())
        .collect();
    root.uint("number_of_modulerefs", modulerefs.len() as u64)
        .set("modulerefs", strings_value(modulerefs));

    let resources = managed_resources(md, root.nested("resources"));
    root.uint("number_of_resources", resources.len() as u64)
        .set("resources", Value::Array(resources));

    let constants: Vec<Vec<u8>> = rows(CONSTANT)
        .iter()
        .filter(|r| r[0].num() == ELEMENT_TYPE_STRING)
        .filter_map(|r| md.blob(r[3].num()))
        .map(<[u8]>::to_vec)
        .collect();
    root.uint("number_of_constants", constants.len() as u64)
        .set("constants", strings_value(constants));

    let user_strings: Vec<Vec<u8>> = md.user_strings().into_iter().map(<[u8]>::to_vec).collect();
    root.uint("number_of_user_strings", user_strings.len() as u64)
        .set("user_strings", strings_value(user_strings));

    let classes: Vec<Value> =
        classes::classes(md).iter().map(|c| class_value(root.nested("classes"), c)).collect();
    root.uint("number_of_classes", classes.len() as u64).set("classes", Value::Array(classes));

    let field_offsets: Vec<Value> = rows(FIELD_RVA)
        .iter()
        .filter_map(|r| pe.rva_to_offset(r[0].num()))
        .map(|o| Value::Integer(o.into()))
        .collect();
    root.uint("number_of_field_offsets", field_offsets.len() as u64)
        .set("field_offsets", Value::Array(field_offsets));
    root.finish()
}

fn class_value(ty: &StructType, c: &classes::Class) -> Value {
    let mut r = Record::new(ty);
    if let Some(full) = &c.full_name {
        r.bytes("fullname", full.as_bytes());
        match full.rsplit_once('.') {
            Some((namespace, name)) => {
                r.bytes("namespace", namespace.as_bytes()).bytes("name", name.as_bytes())
            }
            None => r.bytes("name", full.as_bytes()),
        };
    }
    let method_ty = nested_struct(ty, "methods");
    let methods: Vec<Value> = c.methods.iter().map(|m| method_value(method_ty, m)).collect();
    let base_types = c.base_types.iter().map(|b| b.as_bytes().to_vec());
    let generics = c.generic_params.iter().map(|g| g.as_bytes().to_vec());
    r.bytes("visibility", c.visibility)
        .bytes("type", if c.is_interface { "interface" } else { "class" })
        .bool("abstract", c.is_abstract)
        .bool("sealed", c.is_sealed)
        .uint("number_of_base_types", c.base_types.len() as u64)
        .uint("number_of_generic_parameters", c.generic_params.len() as u64)
        .uint("number_of_methods", methods.len() as u64)
        .set("base_types", strings_value(base_types))
        .set("generic_parameters", strings_value(generics))
        .set("methods", Value::Array(methods));
    r.finish()
}

fn method_value(ty: &StructType, m: &classes::Method) -> Value {
    let param_ty = nested_struct(ty, "parameters");
    let params: Vec<Value> = m
        .params
        .iter()
        .map(|(name, ty)| {
            let mut p = Record::new(param_ty);
            p.bytes("name", name.as_bytes()).bytes("type", ty.as_bytes());
            p.finish()
        })
        .collect();
    let mut r = Record::new(ty);
    r.bytes("name", m.name.as_bytes())
        .bytes("visibility", m.visibility)
        .bool("abstract", m.is_abstract)
        .bool("static", m.is_static)
        .bool("virtual", m.is_virtual)
        .bool("final", m.is_final)
        .uint("number_of_generic_parameters", m.generic_params.len() as u64)
        .uint("number_of_parameters", params.len() as u64)
        .set(
            "generic_parameters",
            strings_value(m.generic_params.iter().map(|g| g.as_bytes().to_vec())),
        )
        .set("parameters", Value::Array(params));
    if let Some(ret) = &m.return_type {
        r.bytes("return_type", ret.as_bytes());
    }
    r.finish()
}

/// The `ManifestResource` rows; offset and length only for resources
/// stored in this file (implementation `File` row 0).
fn managed_resources(md: &Metadata<'_>, ty: &StructType) -> Vec<Value> {
    md.tables[MANIFEST_RESOURCE]
        .iter()
        .map(|row| {
            let mut r = Record::new(ty);
            if let Some(name) = md.string(row[2].num()) {
                r.bytes("name", name.as_bytes());
            }
            let local = row[3] == Cell::Ref { table: FILE, row: 0 };
            let offset = row[0].num();
            let length = md
                .resources
                .filter(|_| local)
                .and_then(|blob| blob.get(offset as usize..))
                .and_then(|tail| crate::modules::binary::u32_le(tail, 0));
            if let (Some(length), Some(blob)) = (length, md.resources) {
                let start = offset.saturating_add(4);
                let data =
                    blob.get(start as usize..(start as usize).saturating_add(length as usize));
                if let Some(base) = md.resources_offset {
                    r.int("offset", base.saturating_add(start));
                }
                if let Some(data) = data {
                    r.uint("length", data.len() as u64);
                }
            }
            r.finish()
        })
        .collect()
}

/// The string argument of the assembly's `GuidAttribute`, if any.
fn typelib<'a>(md: &Metadata<'a>) -> Option<&'a str> {
    let is_guid_attribute = |row: &Vec<Cell>| {
        let (Cell::Ref { table: ASSEMBLY, .. }, Cell::Ref { table: MEMBER_REF, row: member }) =
            (row[0], row[1])
        else {
            return false;
        };
        let Some(Cell::Ref { table: TYPE_REF, row: class }) =
            md.tables[MEMBER_REF].get(member).map(|m| m[0])
        else {
            return false;
        };
        md.tables[TYPE_REF].get(class).and_then(|t| md.string(t[1].num())) == Some("GuidAttribute")
    };
    let attribute = md.tables[CUSTOM_ATTRIBUTE].iter().find(|row| is_guid_attribute(row))?;
    let value = md.blob(attribute[2].num())?;
    let len = usize::from(*value.get(2)?);
    std::str::from_utf8(value.get(3..3 + len)?).ok()
}
