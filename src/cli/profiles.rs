//! `spoor profiles [ID]`: the actor profiles attribution uses, listed or
//! shown one at a time.

use std::process::ExitCode;

use clap::Args;

use spoor::attribution::{Profiles, render};

use super::terminal::{eprint_line, print_all};

/// Arguments of `spoor profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Show this profile in full (by id, such as `scarcruft`); without it,
    /// list every profile.
    #[arg(value_name = "ID")]
    id: Option<String>,
}

/// Prints the list or the one profile; exit 2 for an unknown id.
pub fn run(args: &ProfilesArgs) -> ExitCode {
    let profiles = Profiles::bundled();
    match &args.id {
        None => print_all(&render::list(profiles)),
        Some(id) => match profiles.get(id) {
            Some(profile) => print_all(&render::describe(profile)),
            None => {
                let known: Vec<&str> = profiles.iter().map(|p| p.id()).collect();
                eprint_line(format_args!("error: no profile `{id}` (known: {})", known.join(", ")));
                ExitCode::from(2)
            }
        },
    }
}
