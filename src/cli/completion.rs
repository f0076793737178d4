//! `spoor completion SHELL` and `spoor man`: shell completions and a man
//! page, both generated from the clap definitions so they never drift from
//! the real flags.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, Command};
use clap_complete::Shell;

use super::terminal::{eprint_line, print_all};

/// Arguments of `spoor completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for `args.shell`. It is rendered first:
/// `clap_complete` panics when its writer fails (`>/dev/full`).
pub fn completion(args: &CompletionArgs, mut command: Command) -> ExitCode {
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    print_all(&String::from_utf8_lossy(&script))
}

/// Prints the man page (roff) of `command` and its subcommands.
pub fn man(command: Command) -> ExitCode {
    let mut out = io::stdout().lock();
    let written = render_man(&command, &mut out);
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprint_line(format_args!("error: {e}"));
            ExitCode::from(2)
        }
    }
}

/// The page of `command` followed by one section per subcommand.
fn render_man(command: &Command, out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("{}-{}", command.get_name(), sub.get_name());
        let man = clap_mangen::Man::new(sub.clone()).title(name);
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
    }
    Ok(())
}
