//! Unix ar archives (the outer layer of a Debian package: `debian-binary`,
//! `control.tar.*`, `data.tar.*`) with the `ar` crate, which reads the GNU
//! and BSD variants and their long names.

use std::ops::ControlFlow;

use super::{Container, Visit, io_reason, visit_reader};

/// Member names that are index tables of static libraries, not files.
const SYMBOL_TABLES: [&[u8]; 4] = [b"/", b"/SYM64/", b"__.SYMDEF", b"__.SYMDEF SORTED"];

/// An ar archive in memory.
pub(super) struct Ar<'a> {
    data: &'a [u8],
}

impl<'a> Ar<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl Container for Ar<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        let mut archive = ar::Archive::new(self.data);
        while let Some(entry) = archive.next_entry() {
            let mut entry = entry.map_err(|e| io_reason("ar", &e))?;
            let identifier = entry.header().identifier();
            if SYMBOL_TABLES.contains(&identifier) {
                continue;
            }
            let name = String::from_utf8_lossy(identifier).into_owned();
            let size = entry.header().size();
            if visit_reader(visit, name, size, &mut entry) == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }
}
