//! Malformed PE and ELF files give YARA-X's module values (acceptance 4
//! of the hostile-input issue): a differential test on mutants.
//!
//! The seeds are PE and ELF files of this machine that the reference test
//! (modules_pe_reference.rs) already uses. Each is mutated
//! deterministically ([`Rng`] with a fixed seed): the header fields the
//! issue names set to the values it names (`NumberOfRvaAndSizes` 0 and
//! 0xffffffff, an `OriginalFirstThunk` of 0xffffffff, an unknown optional
//! header magic, ELF `e_shoff` 0 and a truncated section table), other
//! counts and offsets set to extremes, truncations, and random changes
//! inside the header tables. YARA-X (PyPI `yara-x`, through
//! `scripts/pe_reference.py --outputs`) computes its module outputs for
//! every mutant in one process, and each value is compared with spoor's.
//! Without `yara_x` the test is skipped with a note.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use spoor::modules;
use spoor::types::Type;

use crate::modules_pe_reference::{Tally, compare};
use crate::util::rng::Rng;

/// The seeds: small PE launchers of the Python installs and ELF programs,
/// an object file and a shared library. Missing ones are skipped.
const SEEDS: [&str; 10] = [
    "/root/.pyenv/versions/3.7.16/lib/python3.7/site-packages/pip/_vendor/distlib/t32.exe",
    "/root/.pyenv/versions/3.7.16/lib/python3.7/site-packages/pip/_vendor/distlib/w64.exe",
    "/root/.pyenv/versions/3.7.16/lib/python3.7/site-packages/pip/_vendor/distlib/t64-arm.exe",
    "/root/.pyenv/versions/2.7.18/lib/python2.7/distutils/command/wininst-9.0-amd64.exe",
    "/root/.pyenv/versions/3.6.15/lib/python3.6/distutils/command/wininst-14.0.exe",
    "/usr/bin/gzip",
    "/usr/bin/find",
    "/usr/lib/x86_64-linux-gnu/crt1.o",
    "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
    "/usr/bin/tar",
];

/// Random mutants per seed, beside the targeted ones.
const RANDOM_MUTANTS: usize = 24;

/// Differences where YARA-X is plainly wrong, by field path without
/// indexes, with the reason. Empty: every difference found was spoor's.
const PINNED: [(&str, &str); 0] = [];

/// Fields where some mutants still differ from YARA-X: spoor's
/// differences, not fixed yet, so listed rather than pinned. Mutants of
/// [`ISSUE_CASES`] must match in these fields too. Empty: the resource
/// walk, the import descriptors and thunks and the ELF entry point now
/// follow YARA-X's rules on every mutant.
const OPEN: [&str; 0] = [];

fn put(data: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = at.checked_add(bytes.len()).and_then(|end| data.get_mut(at..end)) {
        slot.copy_from_slice(bytes);
    }
}

fn u16_at(data: &[u8], at: usize) -> usize {
    data.get(at..at + 2).map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(data: &[u8], at: usize) -> usize {
    data.get(at..at + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()) as usize)
}

/// Where a PE's headers are: the optional header, its data directory and
/// its section table (offsets in the file).
struct PeLayout {
    optional: usize,
    rva_count: usize,
    directory: usize,
    sections: usize,
    section_count: usize,
}

impl PeLayout {
    fn of(data: &[u8]) -> Option<Self> {
        let coff = u32_at(data, 0x3C).checked_add(4)?;
        let optional = coff + 20;
        let pe32_plus = u16_at(data, optional) == 0x20B;
        let rva_count = optional + if pe32_plus { 108 } else { 92 };
        (data.get(..2) == Some(b"MZ") && rva_count < data.len()).then(|| PeLayout {
            optional,
            rva_count,
            directory: rva_count + 4,
            sections: optional + u16_at(data, coff + 16),
            section_count: u16_at(data, coff + 2),
        })
    }

    /// The file offset of `rva`, through the section table.
    fn offset(&self, data: &[u8], rva: usize) -> Option<usize> {
        (0..self.section_count).map(|i| self.sections + 40 * i).find_map(|s| {
            let (va, size, raw) =
                (u32_at(data, s + 12), u32_at(data, s + 16), u32_at(data, s + 20));
            (va <= rva && rva < va + size).then(|| raw + rva - va)
        })
    }
}

/// The mutants the issue names, then extremes of other header fields.
fn pe_targeted(data: &[u8], layout: &PeLayout) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut with = |label: &str, at: usize, bytes: &[u8]| {
        let mut mutant = data.to_vec();
        put(&mut mutant, at, bytes);
        out.push((label.to_owned(), mutant));
    };
    for (label, count) in [("0", 0u32), ("1", 1), ("17", 17), ("ffffffff", u32::MAX)] {
        with(&format!("NumberOfRvaAndSizes {label}"), layout.rva_count, &count.to_le_bytes());
    }
    with("optional magic 0", layout.optional, &[0, 0]);
    with("optional magic 0x1234", layout.optional, &[0x34, 0x12]);
    with("NumberOfSections 0", layout.optional - 18, &[0, 0]);
    with("NumberOfSections ffff", layout.optional - 18, &[0xFF, 0xFF]);
    with("SizeOfOptionalHeader 0", layout.optional - 4, &[0, 0]);
    with("SizeOfOptionalHeader ffff", layout.optional - 4, &[0xFF, 0xFF]);
    with("e_lfanew past the end", 0x3C, &u32::MAX.to_le_bytes());
    if let Some(imports) = layout.offset(data, u32_at(data, layout.directory + 8)) {
        with("OriginalFirstThunk ffffffff", imports, &u32::MAX.to_le_bytes());
        with("OriginalFirstThunk 0", imports, &[0; 4]);
        with("import Name ffffffff", imports + 12, &u32::MAX.to_le_bytes());
        with("FirstThunk ffffffff", imports + 16, &u32::MAX.to_le_bytes());
    }
    if let Some(exports) = layout.offset(data, u32_at(data, layout.directory)) {
        with("NumberOfFunctions ffffffff", exports + 20, &u32::MAX.to_le_bytes());
    }
    for cut in
        [layout.sections + 20, layout.sections + 40 * layout.section_count / 2, data.len() / 2]
    {
        out.push((format!("truncated at {cut}"), data[..cut.min(data.len())].to_vec()));
    }
    out
}

/// Where an ELF's tables are, for a little-endian file.
struct ElfLayout {
    is_64: bool,
    phoff: usize,
    shoff: usize,
    shnum: usize,
}

impl ElfLayout {
    fn of(data: &[u8]) -> Option<Self> {
        if !data.starts_with(b"\x7fELF") || data.get(5) != Some(&1) {
            return None;
        }
        let is_64 = data.get(4) == Some(&2);
        Some(if is_64 {
            ElfLayout {
                is_64,
                phoff: u32_at(data, 32),
                shoff: u32_at(data, 40),
                shnum: u16_at(data, 60),
            }
        } else {
            ElfLayout {
                is_64,
                phoff: u32_at(data, 28),
                shoff: u32_at(data, 32),
                shnum: u16_at(data, 48),
            }
        })
    }

    /// The offset of a header field in the 64-bit layout or the 32-bit one.
    fn field(&self, offset64: usize, offset32: usize) -> usize {
        if self.is_64 { offset64 } else { offset32 }
    }
}

fn elf_targeted(data: &[u8], layout: &ElfLayout) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let width = layout.field(8, 4);
    let mut with = |label: &str, at: usize, value: u64| {
        let mut mutant = data.to_vec();
        put(&mut mutant, at, &value.to_le_bytes()[..width]);
        out.push((label.to_owned(), mutant));
    };
    let max = u64::MAX >> (64 - 8 * width);
    with("e_shoff 0", layout.field(40, 32), 0);
    with("e_shoff past the end", layout.field(40, 32), max);
    with("e_phoff 0", layout.field(32, 28), 0);
    with("e_phoff past the end", layout.field(32, 28), max);
    with("e_entry past the end", 24, max);
    let mut with16 = |label: &str, at: usize, value: u16| {
        let mut mutant = data.to_vec();
        put(&mut mutant, at, &value.to_le_bytes());
        out.push((label.to_owned(), mutant));
    };
    with16("e_phnum ffff", layout.field(56, 44), u16::MAX);
    with16("e_shnum ffff", layout.field(60, 48), u16::MAX);
    with16("e_shnum 0", layout.field(60, 48), 0);
    with16("e_shstrndx ffff", layout.field(62, 50), u16::MAX);
    with16("e_shentsize 1", layout.field(58, 46), 1);
    let entry = layout.field(64, 40);
    for keep in [0, 2, layout.shnum / 2] {
        let cut = (layout.shoff + entry * keep + 8).min(data.len());
        out.push((format!("section table cut after {keep} entries"), data[..cut].to_vec()));
    }
    out
}

/// A value a mutation writes: the extremes parsers get wrong most.
fn interesting(rng: &mut Rng, len: usize) -> u32 {
    const VALUES: [u32; 6] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1000];
    match rng.below(3) {
        0 => VALUES[rng.below(VALUES.len())],
        1 => u32::try_from(rng.below(len + 1)).unwrap_or(u32::MAX),
        _ => rng.next() as u32,
    }
}

/// A mutant with a few random 1- or 4-byte changes inside `regions`.
fn random_mutant(data: &[u8], regions: &[(usize, usize)], rng: &mut Rng) -> Vec<u8> {
    let mut mutant = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let (start, end) = regions[rng.below(regions.len())];
        let end = end.min(data.len());
        if start >= end {
            continue;
        }
        let at = start + rng.below(end - start);
        if rng.below(2) == 0 {
            put(&mut mutant, at, &[rng.next() as u8]);
        } else {
            put(&mut mutant, at, &interesting(rng, data.len()).to_le_bytes());
        }
    }
    mutant
}

/// Every mutant of `data`, labelled.
fn mutants(data: &[u8], rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let (mut out, regions) = if let Some(pe) = PeLayout::of(data) {
        let headers = (0, pe.sections + 40 * pe.section_count);
        let imports = pe.offset(data, u32_at(data, pe.directory + 8)).unwrap_or(0);
        let resources = pe.offset(data, u32_at(data, pe.directory + 16)).unwrap_or(0);
        (
            pe_targeted(data, &pe),
            vec![headers, (imports, imports + 256), (resources, resources + 256)],
        )
    } else if let Some(elf) = ElfLayout::of(data) {
        let segments = (elf.phoff, elf.phoff + 56 * 8);
        let sections = (elf.shoff, elf.shoff + 64 * elf.shnum);
        (elf_targeted(data, &elf), vec![(0, 64), segments, sections])
    } else {
        return Vec::new();
    };
    for i in 0..RANDOM_MUTANTS {
        out.push((format!("random {i}"), random_mutant(data, &regions, rng)));
    }
    out
}

/// YARA-X's module outputs for `files`, in order; `None` when yara-x is
/// not installed.
fn yara_x_outputs(files: &[PathBuf]) -> Option<Vec<Json>> {
    live_outputs("scripts/pe_reference.py", "modules", files)
}

/// What `script --outputs FILES` (a reference script of scripts/, run with
/// the PyPI `yara-x` package) prints for each file under `key`, in order;
/// `None`, after a note, when it cannot run.
pub(crate) fn live_outputs(script: &str, key: &str, files: &[PathBuf]) -> Option<Vec<Json>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let output = Command::new("python3").arg(script).arg("--outputs").args(files).output().ok()?;
    if !output.status.success() {
        eprintln!("note: yara-x unavailable: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    let lines = String::from_utf8(output.stdout).ok()?;
    let outputs: Vec<Json> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(outputs.len(), files.len());
    Some(outputs.into_iter().map(|o| o[key].clone()).collect())
}

/// The mutations the issue names: every field of these must match.
const ISSUE_CASES: [&str; 5] = [
    "NumberOfRvaAndSizes",
    "optional magic",
    "OriginalFirstThunk",
    "e_shoff 0",
    "section table cut",
];

/// Whether `case` (`[seed: mutation] detail`) comes from an [`ISSUE_CASES`]
/// mutation.
fn is_issue_case(case: &str) -> bool {
    ISSUE_CASES.iter().any(|label| case.contains(&format!(": {label}")))
}

/// Whether `field` is one of the [`OPEN`] fields (`pe.resources.` covers
/// every field of a resource).
fn is_open(field: &str) -> bool {
    OPEN.iter().any(|open| field == *open || (open.ends_with('.') && field.starts_with(open)))
}

/// The mutations behind `cases` (`[seed: mutation] detail`), counted,
/// random ones together: which mutation a difference comes from.
fn kinds(cases: &[String]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for case in cases {
        let label = case.split(']').next().and_then(|l| l.rsplit(": ").next()).unwrap_or("");
        let kind = if label.starts_with("random") { "random" } else { label };
        *counts.entry(kind).or_default() += 1;
    }
    counts.iter().map(|(kind, n)| format!("{kind} ({n})")).collect::<Vec<_>>().join(", ")
}

#[test]
fn malformed_pe_and_elf_files_give_yara_x_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x0015_ACCE_97A4);
    let mut files = Vec::new();
    let mut labels = Vec::new();
    for seed in SEEDS {
        let Ok(data) = std::fs::read(seed) else {
            eprintln!("note: seed {seed} missing here");
            continue;
        };
        for (label, mutant) in mutants(&data, &mut rng) {
            let path = dir.path().join(format!("{}.bin", files.len()));
            std::fs::write(&path, mutant).unwrap();
            files.push(path);
            labels.push(format!("{seed}: {label}"));
        }
    }
    let Some(references) = yara_x_outputs(&files) else { return };
    let mut tally = Tally::default();
    for ((path, label), reference) in files.iter().zip(&labels).zip(&references) {
        let data = std::fs::read(path).unwrap();
        for name in ["pe", "elf"] {
            let (_, module) = modules::find(name).unwrap();
            let decl = module.declaration();
            let value = module.parse(&data).value;
            let mut one = Tally::default();
            compare(&decl, &Type::Struct(decl.clone()), &value, &reference[name], name, &mut one);
            tally.compared += one.compared;
            for (field, cases) in one.mismatches {
                let cases = cases.into_iter().map(|case| format!("[{label}] {case}"));
                tally.mismatches.entry(field).or_default().extend(cases);
            }
        }
    }
    tally.mismatches.retain(|field, _| !PINNED.iter().any(|(pinned, _)| field == pinned));
    let (open, mismatches): (BTreeMap<_, _>, BTreeMap<_, _>) =
        std::mem::take(&mut tally.mismatches).into_iter().partition(|(field, cases)| {
            is_open(field) && !cases.iter().any(|case| is_issue_case(case))
        });
    tally.mismatches = mismatches;
    eprintln!("{} mutants, {} values compared with YARA-X", files.len(), tally.compared);
    for (field, cases) in &open {
        eprintln!("open: {field}: {} case(s) from {}", cases.len(), kinds(cases));
    }
    for (field, cases) in &tally.mismatches {
        let example: String = cases[0].chars().take(400).collect();
        eprintln!(
            "MISMATCH {field}: {} case(s) from {}; e.g. {example}",
            cases.len(),
            kinds(cases)
        );
    }
    assert!(files.len() > 100, "too few seeds found: {}", files.len());
    assert!(tally.mismatches.is_empty(), "{} fields differ from YARA-X", tally.mismatches.len());
}
