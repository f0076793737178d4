//! Module data of one input, parsed lazily.
//!
//! A module is parsed at most once per input, and only when a condition
//! actually reads it: a rule set importing `pe` pays nothing for `pe` on a
//! file whose rules were all decided by `filesize`.

use std::cell::{Cell, OnceCell};

use crate::modules::{self, ModuleData, ModuleId, Value};

/// Modules whose `entry_point` field gives the `entrypoint` keyword its
/// value, tried in this order.
const ENTRYPOINT_MODULES: [&str; 2] = ["pe", "elf"];

/// The modules that can provide `entrypoint`, with the index of their
/// `entry_point` field. Computed once per rule set: building a module's
/// declaration is far too slow to repeat per input.
pub(crate) fn entrypoint_fields() -> Vec<(ModuleId, usize)> {
    ENTRYPOINT_MODULES
        .iter()
        .filter_map(|name| modules::find(name))
        .filter_map(|(id, module)| Some((id, module.declaration().field_index("entry_point")?)))
        .collect()
}

/// The data of each module for one input, computed on first use.
#[derive(Debug)]
pub(crate) struct ModuleCache<'r> {
    slots: Vec<(ModuleId, OnceCell<ModuleData>)>,
    /// For `entrypoint`: modules with an `entry_point` field and its index.
    entry_points: &'r [(ModuleId, usize)],
    /// How many modules were parsed.
    parses: Cell<u64>,
}

impl<'r> ModuleCache<'r> {
    /// A cache for the modules a rule set imports, plus those that can
    /// provide `entrypoint` (see [`entrypoint_fields`]).
    pub(crate) fn new(imported: &[ModuleId], entry_points: &'r [(ModuleId, usize)]) -> Self {
        let mut ids = imported.to_vec();
        ids.extend(entry_points.iter().map(|(id, _)| *id));
        ids.sort_unstable();
        ids.dedup();
        Self {
            slots: ids.into_iter().map(|id| (id, OnceCell::new())).collect(),
            entry_points,
            parses: Cell::new(0),
        }
    }

    /// The data of module `id` for `data`, parsing it on first use; `None`
    /// for a module the cache was not made for.
    pub(crate) fn get(&self, id: ModuleId, data: &[u8]) -> Option<&ModuleData> {
        let (_, cell) = self.slots.iter().find(|(slot, _)| *slot == id)?;
        Some(cell.get_or_init(|| {
            self.parses.set(self.parses.get() + 1);
            modules::get(id).parse(data)
        }))
    }

    /// How many modules were parsed so far.
    pub(crate) fn parses(&self) -> u64 {
        self.parses.get()
    }

    /// The `entrypoint` of the input: the first defined `entry_point` of
    /// the PE and ELF modules.
    pub(crate) fn entrypoint(&self, data: &[u8]) -> Option<i64> {
        self.entry_points.iter().find_map(|&(id, field)| match &self.get(id, data)?.value {
            Value::Struct(fields) => match fields.get(field) {
                Some(Value::Integer(n)) => Some(*n),
                _ => None,
            },
            _ => None,
        })
    }
}
