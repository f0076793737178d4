//! `spoor profiles [ID]`: the actor profiles attribution uses, listed or
//! shown one at a time.

use std::process::ExitCode;

use clap::Args;

use spoor::attribution::{Profiles, render};

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
        None => print!("{}", render::list(profiles)),
        Some(id) => match profiles.get(id) {
            Some(profile) => print!("{}", render::describe(profile)),
            None => {
                let known: Vec<&str> = profiles.iter().map(|p| p.id()).collect();
                eprintln!("error: no profile `{id}` (known: {})", known.join(", "));
                return ExitCode::from(2);
            }
        },
    }
    ExitCode::SUCCESS
}
