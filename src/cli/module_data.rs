//! `--module-data NAME=FILE` (`-x`), shared by `spoor scan` and `spoor
//! dump`: outside data for a module, such as a sandbox report for
//! `cuckoo`, read and checked once before anything is scanned.

use std::path::PathBuf;

use spoor::modules::external::ModuleInputs;

/// One `--module-data NAME=FILE`.
#[derive(Debug, Clone)]
pub struct ModuleDataArg {
    /// The module, as `import` names it.
    pub module: String,
    /// The file holding its data.
    pub file: PathBuf,
}

impl ModuleDataArg {
    /// Parses `NAME=FILE`.
    ///
    /// # Errors
    /// Without a `=`, or with an empty name or file.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once('=') {
            Some((module, file)) if !module.is_empty() && !file.is_empty() => {
                Ok(Self { module: module.to_owned(), file: file.into() })
            }
            _ => Err(format!("`{text}` is not NAME=FILE")),
        }
    }
}

/// Reads and decodes every `--module-data` file.
///
/// # Errors
/// The first file that cannot be read, names a module that takes no data,
/// or holds data its module refuses, with the reason.
pub fn load(args: &[ModuleDataArg]) -> Result<ModuleInputs, String> {
    let mut inputs = ModuleInputs::default();
    for arg in args {
        let context = || format!("--module-data {}={}", arg.module, arg.file.display());
        let bytes = std::fs::read(&arg.file).map_err(|e| format!("{}: {e}", context()))?;
        inputs.add(&arg.module, &bytes).map_err(|e| format!("{}: {e}", context()))?;
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_file_are_split_at_the_first_equals_sign() {
        let arg = ModuleDataArg::parse("cuckoo=a=b.json").unwrap();
        assert_eq!((arg.module.as_str(), arg.file.to_str()), ("cuckoo", Some("a=b.json")));
        for bad in ["cuckoo", "=x", "cuckoo="] {
            assert!(ModuleDataArg::parse(bad).is_err(), "{bad}");
        }
    }
}
