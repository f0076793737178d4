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

use crate::modules::pe::headers::Headers;
use crate::modules::schema::{FieldType, FormatModule, count, int, text};
use crate::modules::{Module, ModuleData};
use declaration::{
    Assembly, AssemblyRef, Class, DotnetModule, Method, Param, Resource, Stream, Version,
};
use metadata::{Cell, Metadata};

/// The `dotnet` module.
pub(crate) static DOTNET: &dyn Module = &FormatModule::<DotnetModule>::new("dotnet", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let metadata = Headers::parse(data).and_then(|pe| Metadata::parse(&pe).map(|m| (m, pe)));
    let value = match metadata {
        Some((metadata, pe)) => build(&metadata, &pe),
        None => DotnetModule { is_dotnet: Some(false), ..DotnetModule::default() },
    };
    ModuleData { value: value.into_value(), native: None }
}

use metadata::table::{
    ASSEMBLY, ASSEMBLY_REF, CONSTANT, CUSTOM_ATTRIBUTE, FIELD_RVA, FILE, MANIFEST_RESOURCE,
    MEMBER_REF, MODULE, MODULE_REF, TYPE_REF,
};

/// `ELEMENT_TYPE_STRING`.
const ELEMENT_TYPE_STRING: u32 = 0x0e;

/// A list field and its count field.
fn counted<T>(items: Vec<T>) -> (Option<i64>, Option<Vec<T>>) {
    (count(items.len()), Some(items))
}

fn build(md: &Metadata<'_>, pe: &Headers<'_>) -> DotnetModule {
    let mut root = DotnetModule {
        is_dotnet: Some(true),
        version: text(md.version),
        ..DotnetModule::default()
    };

    let streams = md
        .streams
        .iter()
        .map(|s| Stream {
            name: std::str::from_utf8(s.name).ok().and_then(text),
            offset: int(s.offset),
            size: int(s.size),
        })
        .collect();
    (root.number_of_streams, root.streams) = counted(streams);
    (root.number_of_guids, root.guids) =
        counted(md.guids().into_iter().map(String::into_bytes).collect());

    let rows = |table: usize| md.tables[table].as_slice();
    let string = |cell: Cell| md.string(cell.num());

    root.module_name = rows(MODULE).first().and_then(|r| string(r[1])).and_then(text);
    root.typelib = typelib(md).and_then(text);

    let version = |r: &[Cell], first: usize| {
        Some(Version {
            major: int(r[first].num()),
            minor: int(r[first + 1].num()),
            build_number: int(r[first + 2].num()),
            revision_number: int(r[first + 3].num()),
        })
    };
    root.assembly = rows(ASSEMBLY).first().map(|a| Assembly {
        name: string(a[7]).and_then(text),
        culture: string(a[8]).filter(|c| !c.is_empty()).and_then(text),
        version: version(a, 1),
    });

    let refs = rows(ASSEMBLY_REF)
        .iter()
        .map(|a| AssemblyRef {
            name: string(a[6]).and_then(text),
            public_key_or_token: md.blob(a[5].num()).filter(|k| !k.is_empty()).and_then(text),
            version: version(a, 0),
        })
        .collect();
    (root.number_of_assembly_refs, root.assembly_refs) = counted(refs);

    let modulerefs =
        rows(MODULE_REF).iter().filter_map(|r| string(r[0])).map(|s| s.as_bytes().to_vec());
    (root.number_of_modulerefs, root.modulerefs) = counted(modulerefs.collect());

    (root.number_of_resources, root.resources) = counted(managed_resources(md));

    let constants = rows(CONSTANT)
        .iter()
        .filter(|r| r[0].num() == ELEMENT_TYPE_STRING)
        .filter_map(|r| md.blob(r[3].num()))
        .map(<[u8]>::to_vec);
    (root.number_of_constants, root.constants) = counted(constants.collect());

    let user_strings = md.user_strings().into_iter().map(<[u8]>::to_vec);
    (root.number_of_user_strings, root.user_strings) = counted(user_strings.collect());

    (root.number_of_classes, root.classes) =
        counted(classes::classes(md).iter().map(class_value).collect());

    let field_offsets =
        rows(FIELD_RVA).iter().filter_map(|r| pe.rva_to_offset(r[0].num())).map(i64::from);
    (root.number_of_field_offsets, root.field_offsets) = counted(field_offsets.collect());
    root
}

fn names(items: &[String]) -> Option<Vec<Vec<u8>>> {
    Some(items.iter().map(|s| s.as_bytes().to_vec()).collect())
}

fn class_value(c: &classes::Class) -> Class {
    let (namespace, name) = match c.full_name.as_deref().map(|f| (f, f.rsplit_once('.'))) {
        Some((_, Some((namespace, name)))) => (text(namespace), text(name)),
        Some((full, None)) => (None, text(full)),
        None => (None, None),
    };
    Class {
        fullname: c.full_name.as_ref().and_then(text),
        name,
        namespace,
        visibility: text(c.visibility),
        r#type: text(if c.is_interface { "interface" } else { "class" }),
        r#abstract: Some(c.is_abstract),
        sealed: Some(c.is_sealed),
        number_of_base_types: count(c.base_types.len()),
        number_of_generic_parameters: count(c.generic_params.len()),
        number_of_methods: count(c.methods.len()),
        base_types: names(&c.base_types),
        generic_parameters: names(&c.generic_params),
        methods: Some(c.methods.iter().map(method_value).collect()),
    }
}

fn method_value(m: &classes::Method) -> Method {
    Method {
        name: text(&m.name),
        visibility: text(m.visibility),
        r#abstract: Some(m.is_abstract),
        r#static: Some(m.is_static),
        r#virtual: Some(m.is_virtual),
        r#final: Some(m.is_final),
        return_type: m.return_type.as_ref().and_then(text),
        number_of_generic_parameters: count(m.generic_params.len()),
        number_of_parameters: count(m.params.len()),
        generic_parameters: names(&m.generic_params),
        parameters: Some(
            m.params
                .iter()
                .map(|(name, ty)| Param { name: text(name), r#type: text(ty) })
                .collect(),
        ),
    }
}

/// The `ManifestResource` rows; offset and length only for resources
/// stored in this file (implementation `File` row 0).
fn managed_resources(md: &Metadata<'_>) -> Vec<Resource> {
    md.tables[MANIFEST_RESOURCE]
        .iter()
        .map(|row| {
            let mut r =
                Resource { name: md.string(row[2].num()).and_then(text), ..Resource::default() };
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
                r.offset = md.resources_offset.map(|base| i64::from(base.saturating_add(start)));
                r.length = data.map(|d| count(d.len())).unwrap_or_default();
            }
            r
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
