//! The command-line interface: one module per subcommand.

pub mod check;
pub mod compile;
pub mod completion;
pub mod destination;
pub mod dump;
pub mod fmt;
pub mod ioc;
pub mod lsp;
pub mod module_data;
pub mod profiles;
pub mod progress;
mod reader_watch;
pub mod rules;
pub mod scan;
pub mod terminal;
pub mod test;
