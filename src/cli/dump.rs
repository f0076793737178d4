//! `spoor dump --module NAME FILE`: a module's values for one file, as JSON,
//! so rule authors can see what `pe.sections[0].name` will be.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use spoor::modules::{self, dump};
use spoor::scanner::input::{self, LoadOptions};

use super::terminal::{eprint_line, print_all};

/// Arguments of `spoor dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The module whose values to print (`pe`, `elf`, `dotnet`, `math`, ...).
    #[arg(long, short = 'm', value_name = "NAME")]
    module: String,
    /// The file to inspect.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Prints the module's values for the file; exit 2 on an unknown module or
/// an unreadable file.
pub fn run(args: &DumpArgs) -> ExitCode {
    let Some((_, module)) = modules::find(&args.module) else {
        let known: Vec<&str> = modules::registry().iter().map(|m| m.name()).collect();
        eprint_line(format_args!(
            "error: unknown module `{}` (known: {})",
            args.module,
            known.join(", ")
        ));
        return ExitCode::from(2);
    };
    let data = match input::load(&args.file, &LoadOptions::default()) {
        Ok(data) => data,
        Err(e) => {
            eprint_line(format_args!("error: {}: {e}", args.file.display()));
            return ExitCode::from(2);
        }
    };
    let value = dump::dump(module, &data);
    match serde_json::to_string_pretty(&value) {
        Ok(text) => print_all(&format!("{text}\n")),
        Err(e) => {
            eprint_line(format_args!("error: {e}"));
            ExitCode::from(2)
        }
    }
}
