//! The records of a VBA project's decompressed `dir` stream ([MS-OVBA]
//! 2.3.4.2): project information (code page, name, version), references,
//! then one group of records per module, up to a terminator.
//!
//! Records are a 16-bit id, a 32-bit size and that many bytes, with one
//! exception, `PROJECTVERSION`, whose size field is a reserved 4 followed
//! by six bytes. Parts of records that [MS-OVBA] draws as nested (the
//! Unicode twin of a name, the extended half of a control reference) have
//! the same shape, so the stream reads as one flat list of records and the
//! few that matter are picked out. Records are read up to the first one
//! that does not fit; what came before stays.

use crate::modules::binary::{u16_le, u32_le};

/// References kept; later ones are left out.
pub(super) const MAX_REFERENCES: usize = 1024;
/// Module records kept; later ones are left out.
pub(super) const MAX_MODULES: usize = 4096;

const PROJECTSYSKIND: u16 = 0x0001;
const PROJECTCODEPAGE: u16 = 0x0003;
const PROJECTNAME: u16 = 0x0004;
const PROJECTVERSION: u16 = 0x0009;
const PROJECTMODULES: u16 = 0x000F;
const DIR_TERMINATOR: u16 = 0x0010;
const REFERENCENAME: u16 = 0x0016;
const MODULENAME: u16 = 0x0019;
const MODULESTREAMNAME: u16 = 0x001A;
const MODULETYPE_PROCEDURAL: u16 = 0x0021;
const MODULETYPE_DOCUMENT: u16 = 0x0022;
const MODULE_TERMINATOR: u16 = 0x002B;
/// `REFERENCECONTROL`: its own name record, up to `REFERENCECONTROL_EXTENDED`,
/// names the control's library, not a reference.
const REFERENCECONTROL: u16 = 0x002F;
const REFERENCECONTROL_EXTENDED: u16 = 0x0030;
const MODULEOFFSET: u16 = 0x0031;

/// What a module's records say.
#[derive(Debug, Default, Clone)]
pub(super) struct ModuleRecord {
    pub name: Vec<u8>,
    pub stream_name: Option<Vec<u8>>,
    /// Where the compressed source starts in the module's stream.
    pub offset: Option<u32>,
    /// `MODULETYPE`'s id: procedural or document/class/designer.
    pub type_id: Option<u16>,
}

/// What the `dir` stream says; strings are in the project's code page.
#[derive(Debug, Default)]
pub(super) struct Project {
    pub code_page: Option<u16>,
    pub name: Option<Vec<u8>>,
    pub version: Option<(u32, u16)>,
    pub references: Vec<Vec<u8>>,
    /// `PROJECTMODULES`'s count.
    pub module_count: Option<u16>,
    pub modules: Vec<ModuleRecord>,
}

impl ModuleRecord {
    pub(super) fn is_procedural(&self) -> Option<bool> {
        match self.type_id? {
            MODULETYPE_PROCEDURAL => Some(true),
            MODULETYPE_DOCUMENT => Some(false),
            _ => None,
        }
    }
}

/// The records of `dir`; `None` unless it starts with `PROJECTSYSKIND`.
pub(super) fn parse(dir: &[u8]) -> Option<Project> {
    (u16_le(dir, 0)? == PROJECTSYSKIND).then_some(())?;
    let mut project = Project::default();
    let mut module: Option<ModuleRecord> = None;
    let mut in_control = false;
    let mut pos = 0;
    while let Some(id) = u16_le(dir, pos) {
        let size = u32_le(dir, pos + 2).map(|s| s as usize);
        let data_len = if id == PROJECTVERSION { 6 } else { size.unwrap_or(usize::MAX) };
        let Some(data) = dir.get(pos + 6..).and_then(|rest| rest.get(..data_len)) else { break };
        pos += 6 + data_len;
        match id {
            PROJECTCODEPAGE => project.code_page = u16_le(data, 0),
            PROJECTNAME => project.name = Some(data.to_vec()),
            PROJECTVERSION => {
                project.version = u32_le(data, 0).zip(u16_le(data, 4)).or(project.version);
            }
            REFERENCECONTROL => in_control = true,
            REFERENCECONTROL_EXTENDED => in_control = false,
            REFERENCENAME if !in_control && project.references.len() < MAX_REFERENCES => {
                project.references.push(data.to_vec());
            }
            PROJECTMODULES => project.module_count = u16_le(data, 0),
            MODULENAME => {
                finish(&mut project, module.take());
                module = Some(ModuleRecord { name: data.to_vec(), ..ModuleRecord::default() });
            }
            MODULESTREAMNAME | MODULEOFFSET | MODULETYPE_PROCEDURAL | MODULETYPE_DOCUMENT => {
                if let Some(module) = module.as_mut() {
                    match id {
                        MODULESTREAMNAME => module.stream_name = Some(data.to_vec()),
                        MODULEOFFSET => module.offset = u32_le(data, 0),
                        _ => module.type_id = Some(id),
                    }
                }
            }
            MODULE_TERMINATOR => finish(&mut project, module.take()),
            DIR_TERMINATOR => break,
            _ => {}
        }
    }
    finish(&mut project, module);
    Some(project)
}

fn finish(project: &mut Project, module: Option<ModuleRecord>) {
    if let Some(module) = module
        && project.modules.len() < MAX_MODULES
    {
        project.modules.push(module);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u16, data: &[u8]) -> Vec<u8> {
        let mut r = id.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u32).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    #[test]
    fn project_references_and_modules() {
        let mut dir = record(PROJECTSYSKIND, &1u32.to_le_bytes());
        dir.extend(record(PROJECTCODEPAGE, &1252u16.to_le_bytes()));
        dir.extend(record(PROJECTNAME, b"VBAProject"));
        dir.extend(PROJECTVERSION.to_le_bytes());
        dir.extend(4u32.to_le_bytes());
        dir.extend(7u32.to_le_bytes());
        dir.extend(3u16.to_le_bytes());
        dir.extend(record(REFERENCENAME, b"stdole"));
        dir.extend(record(0x003E, b"s\0"));
        dir.extend(record(REFERENCECONTROL, b"twiddled"));
        dir.extend(record(REFERENCENAME, b"not a reference"));
        dir.extend(record(REFERENCECONTROL_EXTENDED, b"extended"));
        dir.extend(record(PROJECTMODULES, &2u16.to_le_bytes()));
        dir.extend(record(MODULENAME, b"Module1"));
        dir.extend(record(MODULESTREAMNAME, b"Module1"));
        dir.extend(record(MODULEOFFSET, &99u32.to_le_bytes()));
        dir.extend(record(MODULETYPE_PROCEDURAL, &[]));
        dir.extend(record(MODULE_TERMINATOR, &[]));
        dir.extend(record(MODULENAME, b"ThisDocument"));
        dir.extend(record(MODULETYPE_DOCUMENT, &[]));
        dir.extend(record(DIR_TERMINATOR, &[]));
        dir.extend(record(MODULENAME, b"after the end"));
        let project = parse(&dir).expect("a project");
        assert_eq!(project.code_page, Some(1252));
        assert_eq!(project.name.as_deref(), Some(&b"VBAProject"[..]));
        assert_eq!(project.version, Some((7, 3)));
        assert_eq!(project.references, [b"stdole".to_vec()]);
        assert_eq!(project.module_count, Some(2));
        let names: Vec<&[u8]> = project.modules.iter().map(|m| m.name.as_slice()).collect();
        assert_eq!(names, [&b"Module1"[..], b"ThisDocument"]);
        assert_eq!(project.modules[0].offset, Some(99));
        assert_eq!(project.modules[0].is_procedural(), Some(true));
        assert_eq!(project.modules[1].is_procedural(), Some(false));
    }

    #[test]
    fn a_record_cut_short_ends_the_list() {
        let mut dir = record(PROJECTSYSKIND, &1u32.to_le_bytes());
        dir.extend(record(PROJECTNAME, b"P"));
        dir.extend(PROJECTMODULES.to_le_bytes());
        dir.extend(u32::MAX.to_le_bytes());
        let project = parse(&dir).expect("a project");
        assert_eq!(project.name.as_deref(), Some(&b"P"[..]));
        assert_eq!(project.module_count, None);
        assert!(parse(&record(PROJECTNAME, b"P")).is_none());
    }
}
