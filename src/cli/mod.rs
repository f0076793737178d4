//! The command-line interface: one module per subcommand.

pub mod check;
pub mod compile;
pub mod dump;
pub mod profiles;
pub mod progress;
pub mod rules;
pub mod scan;
