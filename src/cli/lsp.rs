//! `spoor lsp`: the language server, on standard input and output (see
//! [`spoor::lsp`]).

use std::process::ExitCode;

use clap::Args;

/// Arguments of `spoor lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Accepted for clients that always pass it (VS Code's language
    /// client does); standard input and output are the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Serves until the client says `exit` or closes the connection; exits 0
/// when the client asked for `shutdown` first, 1 otherwise (as the
/// protocol says), 2 when standard input or output failed.
pub fn run(_args: &LspArgs) -> ExitCode {
    match spoor::lsp::run_stdio() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            super::terminal::eprint_line(format_args!("error: spoor lsp: {e}"));
            ExitCode::from(2)
        }
    }
}
