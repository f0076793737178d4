//! The `dex` module: Dalvik executables (the code of Android apps) as
//! YARA-X reports them: header, string pool, types, prototypes, fields,
//! methods, class definitions and map list, and the functions that check
//! the header's checksum and signature and look names up.
//!
//! `parse` reads the file into a `parse::Dex` of shared text; this file
//! lays it out as the declared value tree, within a budget of text bytes.

mod declaration;
mod functions;
mod parse;

use std::sync::{Arc, OnceLock};

use crate::modules::schema::{FieldType, FormatModule, count, int};
use crate::modules::{Module, ModuleData};
use declaration::{
    ClassItem, DexHeader, DexModule, FieldItem, MapItem, MapList, MethodItem, ProtoItem,
};
use functions::Native;
use parse::{Dex, Proto, Text};

/// The `dex` module.
pub(crate) static DEX: &dyn Module = &FormatModule::<DexModule>::new("dex", parse_module);

/// Bytes of text the value tree may hold. Ids share their text in the
/// file, the value tree copies it: a hostile file whose million method ids
/// share one prototype with 255 long parameters would otherwise ask for
/// terabytes. A list stops growing once the budget is spent.
const TEXT_BUDGET: usize = 64 << 20;

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let dex = Dex::parse(data);
    let value = match &dex {
        Some(dex) => build(dex),
        None => DexModule { is_dex: Some(false), ..DexModule::default() },
    };
    let native = Native { dex, checksum: OnceLock::new(), signature: OnceLock::new() };
    ModuleData { value: value.into_value(), native: Some(Box::new(native)) }
}

/// What remains of [`TEXT_BUDGET`] while the value tree is built.
struct Budget(usize);

impl Budget {
    /// A copy of `text`, or `None` once the budget cannot pay for it.
    fn copy(&mut self, text: &Text) -> Option<Vec<u8>> {
        self.0 = self.0.checked_sub(text.len())?;
        Some(text.to_vec())
    }

    /// A copy of `text` when there is one: `Some(None)` without text,
    /// `None` once the budget cannot pay for it.
    fn copy_optional(&mut self, text: Option<&Text>) -> Option<Option<Vec<u8>>> {
        match text {
            Some(text) => self.copy(text).map(Some),
            None => Some(None),
        }
    }

    /// Copies of every text of `list`, or `None` once the budget cannot
    /// pay for all of them.
    fn copy_all(&mut self, list: &[Text]) -> Option<Vec<Vec<u8>>> {
        list.iter().map(|t| self.copy(t)).collect()
    }

    /// `make` applied to each item of `list` while the budget lasts.
    fn collect<T, V>(
        &mut self,
        list: &[T],
        mut make: impl FnMut(&mut Self, &T) -> Option<V>,
    ) -> Vec<V> {
        list.iter().map_while(|item| make(self, item)).collect()
    }
}

fn build(dex: &Dex) -> DexModule {
    let h = &dex.header;
    let header = DexHeader {
        magic: int(h.magic),
        version: int(h.version),
        checksum: int(h.checksum),
        signature: Some(h.signature.clone().into_bytes()),
        file_size: int(h.file_size),
        header_size: int(h.header_size),
        endian_tag: int(h.endian_tag),
        link_size: int(h.link_size),
        link_off: int(h.link_off),
        container_size: h.container.map(|(size, _)| i64::from(size)),
        header_offset: h.container.map(|(_, offset)| i64::from(offset)),
        ..DexHeader::default()
    };
    let mut budget = Budget(TEXT_BUDGET);
    let b = &mut budget;
    DexModule {
        is_dex: Some(true),
        header: Some(header),
        strings: Some(b.collect(&dex.strings, Budget::copy)),
        types: Some(b.collect(&dex.types, Budget::copy)),
        protos: Some(b.collect(&dex.protos, proto)),
        fields: Some(b.collect(&dex.fields, |b, f| {
            Some(FieldItem {
                class: Some(b.copy(&f.class)?),
                r#type: Some(b.copy(&f.kind)?),
                name: Some(b.copy(&f.name)?),
            })
        })),
        methods: Some(b.collect(&dex.methods, |b, m| {
            Some(MethodItem {
                class: Some(b.copy(&m.class)?),
                proto: Some(proto(b, &m.proto)?),
                name: Some(b.copy(&m.name)?),
            })
        })),
        class_defs: Some(b.collect(&dex.classes, |b, c| {
            Some(ClassItem {
                class: Some(b.copy(&c.class)?),
                access_flags: int(c.access_flags),
                superclass: b.copy_optional(c.superclass.as_ref())?,
                source_file: b.copy_optional(c.source_file.as_ref())?,
            })
        })),
        map_list: dex.map.as_ref().map(|(size, items)| MapList {
            size: int(*size),
            items: Some(
                items
                    .iter()
                    .map(|i| MapItem {
                        r#type: int(i.kind),
                        unused: int(i.unused),
                        size: int(i.size),
                        offset: int(i.offset),
                    })
                    .collect(),
            ),
        }),
    }
}

fn proto(b: &mut Budget, p: &Arc<Proto>) -> Option<ProtoItem> {
    Some(ProtoItem {
        shorty: Some(b.copy(&p.shorty)?),
        return_type: Some(b.copy(&p.return_type)?),
        parameters_count: count(p.parameters.len()),
        parameters: Some(b.copy_all(&p.parameters)?),
    })
}
