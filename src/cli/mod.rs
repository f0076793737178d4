//! The command-line interface: one module per subcommand.

pub mod check;
