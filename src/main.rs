//! The `spoor` command-line tool.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Compile YARA rules, scan files, and say which threat actor is behind a hit.
#[derive(Debug, Parser)]
#[command(name = "spoor", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check rule files; exit 0 when all compile, 2 otherwise.
    Check(cli::check::CheckArgs),
    /// Compile rules into a file that `spoor scan -C` loads quickly.
    Compile(cli::compile::CompileArgs),
    /// Scan files and directories with the given rules, or the bundled ones.
    Scan(Box<cli::scan::ScanArgs>),
    /// Print a module's values for a file as JSON, for rule authors.
    Dump(cli::dump::DumpArgs),
    /// List the actor profiles, or show one.
    Profiles(cli::profiles::ProfilesArgs),
    /// Rewrite rule files in the canonical layout (`--check` for CI).
    Fmt(cli::fmt::FmtArgs),
    /// Run the rule tests (`*.test.toml`) beside the rules.
    Test(cli::test::TestArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completion(cli::completion::CompletionArgs),
    /// Print the man page (roff), generated from these definitions.
    Man,
    /// Turn published indicators (STIX, MISP, CSV) into YARA rules.
    Ioc(cli::ioc::IocArgs),
    /// Serve the Language Server Protocol on standard input and output.
    Lsp(cli::lsp::LspArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Check(args) => cli::check::run(args),
        Command::Compile(args) => cli::compile::run(args),
        Command::Scan(args) => cli::scan::run(args),
        Command::Dump(args) => cli::dump::run(args),
        Command::Profiles(args) => cli::profiles::run(args),
        Command::Fmt(args) => cli::fmt::run(args),
        Command::Test(args) => cli::test::run(args),
        Command::Completion(args) => cli::completion::completion(args, Cli::command()),
        Command::Man => cli::completion::man(Cli::command()),
        Command::Ioc(args) => cli::ioc::run(args),
        Command::Lsp(args) => cli::lsp::run(args),
    }
}
