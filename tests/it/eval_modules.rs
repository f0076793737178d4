//! Conditions over module data, evaluated on a real PE (a launcher that
//! pip ships), a real ELF (`/bin/ls`) and an empty input. Expectations were
//! confirmed with YARA-X (`entrypoint`, which YARA-X no longer accepts, with
//! YARA 4 through yara-python). Inputs missing on this machine are skipped
//! with a note.

use std::path::PathBuf;
use std::process::Command;

use spoor::Scanner;
use spoor::compiler::Compiler;

/// pip's 64-bit console launcher, a small PE with imports, sections and
/// version information.
fn pip_launcher() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import os, pip; print(os.path.dirname(pip.__file__))"])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let path = PathBuf::from(dir.trim()).join("_vendor/distlib/t64.exe");
    path.is_file().then_some(path)
}

fn matches(source: &str, data: &[u8]) -> bool {
    let mut compiler = Compiler::new();
    compiler.add_source(source, "<case>");
    let rules = compiler.build().unwrap_or_else(|d| panic!("{source}: {:?}", d[0]));
    !Scanner::new(&rules).scan_bytes(data).unwrap().matching_rules().is_empty()
}

/// `(condition, expected on the PE, on the ELF, on empty input)`.
const CASES: &[(&str, [bool; 3])] = &[
    (
        r#"import "pe" rule r { condition: for any s in pe.sections : (s.name == ".text") }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: for all s in pe.sections : (s.raw_data_size > 0) }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: for any k, v in pe.version_info : (k == "CompanyName") }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: for all k, v in pe.version_info : (v != "") }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: defined pe.version_info["NoSuchKey"] }"#,
        [false, false, false],
    ),
    (
        r#"import "pe" rule r { condition: defined pe.sections[pe.number_of_sections].name }"#,
        [false, false, false],
    ),
    (
        r#"import "pe" rule r { condition: defined pe.sections[pe.number_of_sections - 1].name }"#,
        [true, false, false],
    ),
    (r#"import "pe" rule r { condition: pe.imports("KERNEL32.dll") }"#, [true, false, false]),
    (
        r#"import "pe" rule r { condition: pe.imports(/kernel32/i, /.*/) > 0 }"#,
        [true, false, false],
    ),
    (r#"import "pe" rule r { condition: pe.is_dll() }"#, [false, false, false]),
    (r#"import "pe" rule r { condition: pe.is_64bit() }"#, [true, false, false]),
    (r#"import "pe" rule r { condition: pe.number_of_sections > 3 }"#, [true, false, false]),
    (r#"import "pe" rule r { condition: not defined pe.number_of_sections }"#, [false, true, true]),
    (r#"import "pe" rule r { condition: not pe.is_pe }"#, [false, true, true]),
    (
        r#"import "pe" rule r { condition: not for any s in pe.sections : (true) }"#,
        [false, true, true],
    ),
    (
        r#"import "pe" rule r { condition: not for all s in pe.sections : (true) }"#,
        [false, true, true],
    ),
    (
        r#"import "elf" rule r { condition: for any s in elf.sections : (s.name == ".text") }"#,
        [false, true, false],
    ),
    (r#"import "pe" rule r { condition: entrypoint == pe.entry_point }"#, [true, false, false]),
    (r#"import "elf" rule r { condition: entrypoint == elf.entry_point }"#, [false, true, false]),
    ("rule r { condition: defined entrypoint }", [true, true, false]),
    (
        r#"import "pe" rule r { condition: pe.sections[0].name matches /text/ }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: for any i in (0..pe.number_of_sections - 1) : (pe.sections[i].name == ".rdata") }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: defined pe.sections[filesize - filesize - 1].name }"#,
        [false, false, false],
    ),
    (
        r#"import "pe" rule r { condition: uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x4550 and pe.entry_point > 0 }"#,
        [true, false, false],
    ),
    (
        r#"import "pe" rule r { condition: pe.characteristics & pe.DLL == 0 and pe.machine == pe.MACHINE_AMD64 }"#,
        [true, false, false],
    ),
];

#[test]
fn module_values_arrays_dictionaries_and_functions() {
    let pe = pip_launcher().map(std::fs::read).and_then(Result::ok);
    let elf = std::fs::read("/bin/ls").ok();
    if pe.is_none() {
        eprintln!("note: pip's t64.exe not found, PE cases skipped");
    }
    if elf.is_none() {
        eprintln!("note: /bin/ls not found, ELF cases skipped");
    }
    let inputs = [pe, elf, Some(Vec::new())];
    let mut failures = Vec::new();
    for (source, expected) in CASES {
        for (input, expected) in inputs.iter().zip(expected) {
            if let Some(data) = input
                && matches(source, data) != *expected
            {
                failures.push(format!("{source} on {} bytes: expected {expected}", data.len()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn functions_with_undefined_arguments_are_undefined() {
    let cases = [
        (
            r#"import "hash" rule r { condition: hash.md5(0, filesize) == "900150983cd24fb0d6963f7d28e17f72" }"#,
            true,
        ),
        (r#"import "hash" rule r { condition: not defined hash.md5(0, uint8(100)) }"#, true),
        (r#"import "math" rule r { condition: math.entropy("ab") == 1.0 }"#, true),
        (r#"import "math" rule r { condition: not defined math.entropy(5, 10) }"#, true),
        (r#"import "math" rule r { condition: math.entropy(0, filesize) == 0.0 }"#, false),
    ];
    for (source, expected) in cases {
        assert_eq!(matches(source, b"abc"), expected, "{source}");
    }
}
