//! `spoor dump --module NAME FILE`: a module's values for one file, as JSON,
//! so rule authors can see what `pe.sections[0].name` will be. A module
//! that reads outside data (`cuckoo`) needs it given with `--module-data`,
//! and its dump shows that data as the module's functions read it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use spoor::modules::{self, dump};
use spoor::scanner::input::{self, LoadOptions};

use super::module_data::{self, ModuleDataArg};
use super::terminal::{eprint_line, print_all};

/// Arguments of `spoor dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The module whose values to print (`pe`, `elf`, `dotnet`, `math`, ...).
    #[arg(long, short = 'm', value_name = "NAME")]
    module: String,
    /// Outside data for the module (a sandbox report for `cuckoo`).
    #[arg(long, short = 'x', value_name = "NAME=FILE", value_parser = ModuleDataArg::parse)]
    module_data: Vec<ModuleDataArg>,
    /// The file to inspect.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Prints the module's values for the file; exit 2 on an unknown module,
/// an unreadable file, or outside data missing, unusable or not wanted.
pub fn run(args: &DumpArgs) -> ExitCode {
    let fail = |message: String| {
        eprint_line(format_args!("error: {message}"));
        ExitCode::from(2)
    };
    let Some((_, module)) = modules::find(&args.module) else {
        let known: Vec<&str> = modules::registry().iter().map(|m| m.name()).collect();
        return fail(format!("unknown module `{}` (known: {})", args.module, known.join(", ")));
    };
    let inputs = match module_data::load(&args.module_data) {
        Ok(inputs) => inputs,
        Err(e) => return fail(e),
    };
    let input = inputs.get(module);
    if module.takes_input() && input.is_none() {
        return fail(format!(
            "module `{0}` reads outside data: give it with --module-data {0}=FILE",
            module.name()
        ));
    }
    let data = match input::load(&args.file, &LoadOptions::default()) {
        Ok(data) => data,
        Err(e) => return fail(format!("{}: {e}", args.file.display())),
    };
    let value = dump::dump_with(module, &data, input);
    match serde_json::to_string_pretty(&value) {
        Ok(text) => print_all(&format!("{text}\n")),
        Err(e) => fail(e.to_string()),
    }
}
