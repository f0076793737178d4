//! Data handed to modules from outside the scanned input: `spoor scan
//! --module-data NAME=FILE`, YARA-X's module metadata (`yr scan -x`).
//!
//! Some modules describe a file from what was observed elsewhere, such as
//! `cuckoo` from a sandbox report. The data is read and decoded once,
//! before any scan, so a malformed report stops the command with one error
//! instead of failing every file; each scan then hands the decoded form to
//! the module's [`Module::parse_with`].

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::modules::{self, Module};

/// Decoded outside data of one module; only that module knows its type.
pub type ModuleInput = Arc<dyn Any + Send + Sync>;

/// The outside data of every module given some, by module name.
#[derive(Clone, Default)]
pub struct ModuleInputs {
    by_module: BTreeMap<&'static str, ModuleInput>,
}

impl std::fmt::Debug for ModuleInputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.by_module.keys()).finish()
    }
}

impl ModuleInputs {
    /// Decodes `bytes` for the module imported as `name`; a later call for
    /// the same module replaces the data.
    ///
    /// # Errors
    /// The module is unknown, takes no outside data, or refuses `bytes`
    /// (the message says why).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let Some((_, module)) = modules::find(name) else {
            return Err(format!("unknown module `{name}`"));
        };
        if !module.takes_input() {
            return Err(format!("module `{name}` takes no data"));
        }
        let decoded = module.decode_input(bytes)?;
        let _ = self.by_module.insert(module.name(), decoded);
        Ok(())
    }

    /// The data given to `module`, if any.
    #[must_use]
    pub fn get(&self, module: &dyn Module) -> Option<&ModuleInput> {
        self.by_module.get(module.name())
    }

    /// Whether no module was given data.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_module.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_that_read_only_the_input_refuse_data() {
        let mut inputs = ModuleInputs::default();
        assert_eq!(inputs.add("pe", b"{}").unwrap_err(), "module `pe` takes no data");
        assert_eq!(inputs.add("nope", b"{}").unwrap_err(), "unknown module `nope`");
        assert!(inputs.is_empty());
    }
}
