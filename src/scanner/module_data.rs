//! Module data of one input, parsed lazily.
//!
//! A module is parsed at most once per input, and only when a condition
//! actually reads it: a rule set importing `pe` pays nothing for `pe` on a
//! file whose rules were all decided by `filesize`.

use std::cell::{Cell, OnceCell};

use crate::modules::external::{ModuleInput, ModuleInputs};
use crate::modules::{self, ModuleData, ModuleId};

/// The data of each module for one input, computed on first use.
#[derive(Debug)]
pub(crate) struct ModuleCache {
    /// Each imported module with the outside data it was given.
    slots: Vec<(ModuleId, Option<ModuleInput>, OnceCell<ModuleData>)>,
    /// The `entrypoint` of the input, read on first use.
    entrypoint: OnceCell<Option<i64>>,
    /// How many modules were parsed.
    parses: Cell<u64>,
}

impl ModuleCache {
    /// A cache for the modules a rule set imports, which parse with the
    /// outside data `inputs` holds for them.
    pub(crate) fn new(imported: &[ModuleId], inputs: &ModuleInputs) -> Self {
        let mut ids = imported.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Self {
            slots: ids
                .into_iter()
                .map(|id| (id, inputs.get(modules::get(id)).cloned(), OnceCell::new()))
                .collect(),
            entrypoint: OnceCell::new(),
            parses: Cell::new(0),
        }
    }

    /// The data of module `id` for `data`, parsing it on first use; `None`
    /// for a module the cache was not made for.
    pub(crate) fn get(&self, id: ModuleId, data: &[u8]) -> Option<&ModuleData> {
        let (_, input, cell) = self.slots.iter().find(|(slot, ..)| *slot == id)?;
        Some(cell.get_or_init(|| {
            self.parses.set(self.parses.get() + 1);
            modules::get(id).parse_with(data, input.as_ref())
        }))
    }

    /// How many modules were parsed so far.
    pub(crate) fn parses(&self) -> u64 {
        self.parses.get()
    }

    /// The `entrypoint` of the input: the file offset of a PE or ELF entry
    /// point, as legacy YARA computes it (see
    /// [`modules::pe::entry_point_offset`]; it reads a few headers, not the
    /// whole module data).
    pub(crate) fn entrypoint(&self, data: &[u8]) -> Option<i64> {
        *self.entrypoint.get_or_init(|| modules::pe::entry_point_offset(data))
    }
}
