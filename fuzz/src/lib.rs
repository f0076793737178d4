//! What the fuzz targets share: each target in `fuzz_targets/` is one line
//! that hands libFuzzer's bytes to one of these harnesses.
//!
//! The harnesses go through spoor's public API only, as a scan or a
//! command would, and bound what a legitimate run may spend (a scan
//! deadline, archive limits below the defaults) so that anything slow or
//! large that libFuzzer reports is a real bug, not a generous limit.

pub mod lsp;

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use spoor::attribution::Profiles;
use spoor::attribution::import;
use spoor::compiler::conventions::Conventions;
use spoor::config::Config;
use spoor::diagnostics::warnings::WarningPolicy;
use spoor::inputs::containers::{self, Body, Kind};
use spoor::inputs::limits::{ArchiveLimits, Meter, read_member};
use spoor::source::SourceFile;
use spoor::testing::TestFile;
use spoor::{Compiler, Rules, Scanner};

/// The scan deadline: well under libFuzzer's `-timeout=10`, so a scan
/// that ignores its deadline shows as a timeout.
const SCAN_TIMEOUT: Duration = Duration::from_secs(1);

/// Archive limits for the container targets: the defaults' shape with a
/// smaller budget, so a run stays under `-rss_limit_mb=2048` while a
/// member or a stream that escapes its meter still shows as an OOM.
fn archive_limits() -> ArchiveLimits {
    ArchiveLimits { max_expanded: 64 << 20, max_member: 16 << 20, ..ArchiveLimits::default() }
}

/// Rule text to [`spoor::Rules`], then one scan of the text itself (its
/// bytes are as good a haystack as any and exercise the patterns it
/// declares). Texts with `include` are skipped: an include reads the file
/// system, which would make runs depend on the machine.
pub fn compile_and_scan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains("include") {
        return;
    }
    let mut compiler = Compiler::new();
    compiler.add_source(text, "fuzz.yar");
    let Ok(rules) = compiler.build() else { return };
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().timeout = Some(SCAN_TIMEOUT);
    let _ = scanner.scan_bytes(data);
}

/// The module `name`'s data for `data`, dumped to JSON as `spoor dump`
/// does, which visits every value the parser produced.
///
/// # Panics
/// If `name` is not a registered module (a harness bug).
pub fn module(name: &str, data: &[u8]) {
    let (_, module) = spoor::modules::find(name).expect("a registered module");
    let json = spoor::modules::dump::dump(module, data);
    let _ = json.to_string();
}

/// Opens `data` as a `kind` container, whatever its magic says, and reads
/// every member in full (within the limits), as archive expansion does.
pub fn container(kind: Kind, data: &[u8]) {
    let limits = archive_limits();
    let meter = Meter::new(&limits);
    let Ok(mut container) = containers::open(kind, data, "fuzz.bin", &meter) else { return };
    let _ = container.for_each_member(&mut |member| {
        if let Body::Reader(reader) = member.body {
            let _ = read_member(reader, limits.max_member, member.size_hint);
        }
        ControlFlow::Continue(())
    });
}

/// `spoor ioc import` on one document: read, resolve against the bundled
/// profiles, render. What it renders must compile: a rule file the
/// command writes and spoor then rejects is a bug.
///
/// # Panics
/// When the rendered rules do not compile.
pub fn ioc_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(indicators) = import::read(text) else { return };
    let (resolved, _) = import::resolve(indicators, Profiles::bundled(), None, None);
    let (rules, _) = import::render(&resolved, "fuzz");
    let mut compiler = Compiler::new();
    compiler.add_source(&rules, "imported.yar");
    let errors: Vec<String> =
        compiler.diagnostics().iter().filter(|d| d.is_error()).map(|d| d.render()).collect();
    assert!(errors.is_empty(), "ioc import wrote rules that do not compile:\n{rules}\n{errors:?}");
}

/// A `*.test.toml` file: parse it and build every case's sample. Samples
/// read from files are skipped, to keep the file system out of the run.
pub fn rule_test(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(file) = TestFile::parse(text) else { return };
    for case in file.cases.iter().filter(|case| case.sample.file.is_none()) {
        let _ = case.sample.bytes(Path::new("/nonexistent"));
    }
}

/// A `spoor.toml`: parse it, then apply each table as `spoor check` and
/// `spoor fmt` do, to a small rule file.
pub fn config(data: &[u8]) {
    const RULES: &str = "rule a : t { meta: author = \"x\" strings: $a = \"abc\" \
                         condition: $a and filesize < 10 }";
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = Config::parse(text) else { return };
    let _ = WarningPolicy::default().disable(config.warnings.disabled.iter().map(String::as_str));
    let source = SourceFile::new("fuzz.yar", RULES);
    let _ = spoor::fmt::format(&source, &config.fmt.style());
    if let Ok(conventions) = Conventions::new(config.check) {
        let mut compiler = Compiler::new();
        compiler.add_rule_check(Arc::new(conventions));
        compiler.add_source(RULES, "fuzz.yar");
    }
}

/// Bytes of a compiled ruleset's header before its payload length (magic,
/// format version, spoor version); the length (8 bytes) and the payload's
/// CRC-32 (4 bytes) follow. See `src/rules/serialize.rs`.
const COMPILED_LENGTH_AT: usize = 44;

/// A compiled ruleset whose payload is the fuzzer's bytes: the header of a
/// real compiled file with the payload's length and checksum written in, so
/// that what is exercised is the decoder and the table checks behind the
/// checksum, which random bytes would otherwise never pass. Rules that load
/// are scanned once (a forged table must not make a scan index out of
/// bounds). Seeds: the payloads of real compiled files (`seed.py`).
pub fn compiled_rules(data: &[u8]) {
    static HEADER: OnceLock<Vec<u8>> = OnceLock::new();
    let header = HEADER.get_or_init(|| {
        let mut compiler = Compiler::new();
        compiler.add_source("rule a { condition: true }", "seed.yar");
        let rules = compiler.build().expect("the header's rules compile");
        let file = rules.serialize().expect("the header's rules serialize");
        file[..COMPILED_LENGTH_AT].to_vec()
    });
    let mut file = header.clone();
    file.extend_from_slice(&(data.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    file.extend_from_slice(data);
    if let Ok(rules) = Rules::deserialize(&file) {
        let mut scanner = Scanner::new(&rules);
        scanner.options_mut().timeout = Some(SCAN_TIMEOUT);
        let _ = scanner.scan_bytes(b"MZ\x90\x00 abc abc \x7fELF");
    }
}
