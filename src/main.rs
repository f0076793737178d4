//! The `spoor` command-line tool.

fn main() {}
