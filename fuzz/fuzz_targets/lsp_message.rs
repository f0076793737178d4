//! The language server's message handler: a session of messages built
//! from the fuzzer's bytes (`spoor_fuzz::lsp`).

#![no_main]

libfuzzer_sys::fuzz_target!(|session: spoor_fuzz::lsp::Session| spoor_fuzz::lsp::session(session));
