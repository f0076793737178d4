//! `spoor ioc import FILE... [--actor ID] [--family ID] -o RULES.yar`:
//! indicators from STIX 2.1 bundles, MISP events and CSV or plain lists
//! into one YARA rule file with spoor meta (see
//! `spoor::attribution::import`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use spoor::attribution::Profiles;
use spoor::attribution::import::{self, Kind};

use super::terminal::eprint_line;

/// Arguments of `spoor ioc`.
#[derive(Debug, Args)]
pub struct IocArgs {
    #[command(subcommand)]
    command: IocCommand,
}

#[derive(Debug, Subcommand)]
enum IocCommand {
    /// Turn STIX 2.1, MISP or CSV indicators into YARA rules.
    Import(ImportArgs),
}

/// Arguments of `spoor ioc import`.
#[derive(Debug, Args)]
struct ImportArgs {
    /// Actor for indicators their source links to no known actor (a
    /// profile id or alias).
    #[arg(long, value_name = "ID")]
    actor: Option<String>,
    /// Family for indicators their source links to no known family.
    #[arg(long, value_name = "ID")]
    family: Option<String>,
    /// The rule file to write.
    #[arg(long, short = 'o', value_name = "RULES.yar")]
    output: PathBuf,
    /// STIX bundles, MISP events (JSON) and CSV or plain lists.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Runs the command: 0 when rules were written, 2 on an unreadable or
/// malformed input, an unknown `--actor`, or nothing to convert.
pub fn run(args: &IocArgs) -> ExitCode {
    let IocCommand::Import(args) = &args.command;
    let profiles = Profiles::bundled();
    let actor = match &args.actor {
        None => None,
        Some(name) => match profiles.resolve(name) {
            Some(profile) => Some(profile.id().to_string()),
            None => {
                eprint_line(format_args!("error: no actor profile `{name}`"));
                return ExitCode::from(2);
            }
        },
    };
    let mut indicators = Vec::new();
    for path in &args.files {
        let read = std::fs::read_to_string(path).map_err(|e| e.to_string());
        match read.and_then(|text| import::read(&text).map_err(|e| e.to_string())) {
            Ok(found) => indicators.extend(found),
            Err(e) => {
                eprint_line(format_args!("error: {}: {e}", path.display()));
                return ExitCode::from(2);
            }
        }
    }
    let (resolved, unknown) =
        import::resolve(indicators, profiles, actor.as_deref(), args.family.as_deref());
    for name in &unknown {
        eprint_line(format_args!(
            "warning: `{name}` matches no actor profile or family; its indicators keep no such meta"
        ));
    }
    let converted = resolved.iter().filter(|r| r.indicator.kind != Kind::FileName).count();
    if converted == 0 {
        eprint_line(format_args!("error: no hash or text indicator to convert"));
        return ExitCode::from(2);
    }
    let source: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let (text, file_names) = import::render(&resolved, &source.join(", "));
    if file_names > 0 {
        eprint_line(format_args!(
            "note: {file_names} file-name indicators have no content form and were left out"
        ));
    }
    if let Err(e) = std::fs::write(&args.output, text) {
        eprint_line(format_args!("error: cannot write {}: {e}", args.output.display()));
        return ExitCode::from(2);
    }
    eprint_line(format_args!("{converted} indicators written to {}", args.output.display()));
    ExitCode::SUCCESS
}
