//! The `crx` module: Chrome extension packages (CRX2 and CRX3) as YARA-X
//! reports them: format version, extension id, signatures and whether
//! they verify, and the manifest's name, version and permissions.

mod declaration;
mod functions;
mod parse;
mod protobuf;
mod verify;

use crate::modules::schema::{FieldType, FormatModule, int, text};
use crate::modules::{Module, ModuleData};
use declaration::{CrxModule, CrxSignature};
use functions::Native;
use parse::Crx;

/// The `crx` module.
pub(crate) static CRX: &dyn Module = &FormatModule::<CrxModule>::new("crx", parse_module);

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    match Crx::parse(data) {
        Some(crx) => {
            let permissions =
                crx.manifest.as_ref().map(|m| m.permissions.clone()).unwrap_or_default();
            ModuleData {
                value: build(&crx).into_value(),
                native: Some(Box::new(Native { permissions })),
            }
        }
        None => ModuleData {
            value: CrxModule { is_crx: Some(false), ..CrxModule::default() }.into_value(),
            native: None,
        },
    }
}

fn build(crx: &Crx) -> CrxModule {
    let mut root = CrxModule {
        is_crx: Some(true),
        crx_version: int(crx.version),
        header_size: int(crx.header_size),
        id: text(&crx.id),
        signatures: Some(
            crx.signatures
                .iter()
                .map(|s| CrxSignature { key: text(&s.key), verified: Some(s.verified) })
                .collect(),
        ),
        ..CrxModule::default()
    };
    let Some(manifest) = &crx.manifest else { return root };
    let localized =
        |field: &Option<String>| field.as_deref().map(|t| crx.localized(t)).and_then(text);
    root.name = localized(&manifest.name);
    root.description = localized(&manifest.description);
    if crx.messages.is_some() {
        root.raw_name = manifest.name.as_ref().and_then(text);
        root.raw_description = manifest.description.as_ref().and_then(text);
    }
    let strings = |list: &[String]| Some(list.iter().map(|s| s.clone().into_bytes()).collect());
    root.version = manifest.version.as_ref().and_then(text);
    root.minimum_chrome_version = manifest.minimum_chrome_version.as_ref().and_then(text);
    root.homepage_url = manifest.homepage_url.as_ref().and_then(text);
    root.permissions = strings(&manifest.permissions);
    root.host_permissions = strings(&manifest.host_permissions);
    root.optional_permissions = strings(&manifest.optional_permissions);
    root.optional_host_permissions = strings(&manifest.optional_host_permissions);
    root
}
