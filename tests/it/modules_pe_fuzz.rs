//! Robustness of the pe, elf and dotnet parsers on hostile input: at least
//! 100,000 mutated PE and ELF files (truncated headers, extreme counts and
//! offsets, resource directories that loop, tables past the end). No input
//! may panic or take more than 100 ms to parse and query.
//!
//! Seeds are the mingw-built samples, this machine's Python launchers and
//! small ELF files, and synthetic PEs with self-referencing resource trees
//! and lying import and export tables. `SPOOR_FUZZ_ITERATIONS` overrides
//! the number of mutated inputs.

use crate::util::rng::Rng;

use crate::util::pe_samples;

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use spoor::modules::{self, CallContext, Module, Value};

/// Per-input time limit (acceptance 3 of the modules issue), in CPU time
/// of the test thread so that a loaded machine does not fail the test.
pub(crate) const TIME_LIMIT: Duration = Duration::from_millis(100);
/// Seeds larger than this are cut, to keep the run short.
const MAX_SEED: usize = 128 * 1024;

/// The calling thread's CPU time, from /proc/thread-self/schedstat; the
/// wall clock where that is not available.
pub(crate) enum CpuClock {
    Cpu(u64),
    Wall(Instant),
}

impl CpuClock {
    fn cpu_nanos() -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        stat.split_whitespace().next()?.parse().ok()
    }

    pub(crate) fn now() -> Self {
        Self::cpu_nanos().map_or_else(|| CpuClock::Wall(Instant::now()), CpuClock::Cpu)
    }

    pub(crate) fn elapsed(&self) -> Duration {
        match self {
            CpuClock::Cpu(start) => {
                Duration::from_nanos(Self::cpu_nanos().unwrap_or(*start).saturating_sub(*start))
            }
            CpuClock::Wall(start) => start.elapsed(),
        }
    }
}

fn put_u16(d: &mut [u8], at: usize, v: u16) {
    if let Some(s) = d.get_mut(at..at + 2) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u32(d: &mut [u8], at: usize, v: u32) {
    if let Some(s) = d.get_mut(at..at + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// A 32-bit PE with one section mapping RVA 0x1000 to file offset 0x200,
/// whose resource tree points back at its own root on every level, whose
/// imports reuse one huge thunk table, and whose export table claims
/// 0xffffffff functions.
fn synthetic_pe() -> Vec<u8> {
    let mut d = vec![0u8; 0x2000];
    d[..2].copy_from_slice(b"MZ");
    put_u32(&mut d, 0x3c, 0x80);
    d[0x80..0x84].copy_from_slice(b"PE\0\0");
    put_u16(&mut d, 0x84, 0x14c); // machine
    put_u16(&mut d, 0x86, 1); // sections
    put_u16(&mut d, 0x94, 0xe0); // size of optional header
    let o = 0x98;
    put_u16(&mut d, o, 0x10b);
    put_u32(&mut d, o + 16, 0x1000); // entry point
    put_u32(&mut d, o + 32, 0x1000); // section alignment
    put_u32(&mut d, o + 36, 0x200); // file alignment
    put_u32(&mut d, o + 92, 16); // number of rva and sizes
    let dir = o + 96;
    put_u32(&mut d, dir, 0x1800); // exports
    put_u32(&mut d, dir + 4, 0x40);
    put_u32(&mut d, dir + 8, 0x1100); // imports
    put_u32(&mut d, dir + 12, 0x400);
    put_u32(&mut d, dir + 16, 0x1000); // resources
    put_u32(&mut d, dir + 20, 0x100);
    let s = o + 0xe0;
    d[s..s + 5].copy_from_slice(b".data");
    put_u32(&mut d, s + 8, 0x1e00); // virtual size
    put_u32(&mut d, s + 12, 0x1000); // virtual address
    put_u32(&mut d, s + 16, 0x1e00); // raw size
    put_u32(&mut d, s + 20, 0x200); // raw offset
    // Resource root at file 0x200: 2 id entries, both subdirectories
    // pointing at the root itself.
    put_u16(&mut d, 0x200 + 14, 2);
    for e in 0..2 {
        put_u32(&mut d, 0x210 + e * 8, 16 + e as u32);
        put_u32(&mut d, 0x214 + e * 8, 0x8000_0000);
    }
    // Import descriptors at 0x300: all share the thunk table at RVA 0x1600
    // (file 0x800), whose thunks run to the end of the file.
    for i in 0..40 {
        let at = 0x300 + i * 20;
        put_u32(&mut d, at, 0x1600);
        put_u32(&mut d, at + 12, 0x1700);
        put_u32(&mut d, at + 16, 0x1600);
    }
    d[0x900..0x90d].copy_from_slice(b"kernel32.dll\0");
    for t in (0x800..0x2000).step_by(4) {
        if !(0x900..0x910).contains(&t) {
            put_u32(&mut d, t, 0x8000_0001);
        }
    }
    // Export directory at 0x1800 (file 0xa00).
    put_u32(&mut d, 0xa00 + 20, u32::MAX);
    put_u32(&mut d, 0xa00 + 24, u32::MAX);
    put_u32(&mut d, 0xa00 + 28, 0x1000);
    d
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![synthetic_pe()];
    let mut paths: Vec<_> = Vec::new();
    if let Some(dir) = pe_samples::built_samples() {
        paths.extend(std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()));
    }
    for p in [
        "/usr/bin/gzip",
        "/usr/bin/ls",
        "/usr/lib/x86_64-linux-gnu/crt1.o",
        "/root/.pyenv/versions/3.13.0/lib/python3.13/site-packages/pip/_vendor/distlib/t32.exe",
        "/root/.pyenv/versions/3.13.0/lib/python3.13/site-packages/pip/_vendor/distlib/w64.exe",
    ] {
        paths.push(Path::new(p).to_path_buf());
    }
    for p in paths {
        if let Ok(mut data) = std::fs::read(&p) {
            data.truncate(MAX_SEED);
            seeds.push(data);
        } else {
            eprintln!("note: fuzz seed {} not found", p.display());
        }
    }
    seeds
}

/// Offsets worth hitting: the PE and ELF header fields that drive parsing.
fn interesting_offset(data: &[u8], rng: &mut Rng) -> usize {
    let e_lfanew =
        data.get(0x3c..0x40).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()) as usize);
    match rng.below(4) {
        0 => e_lfanew.saturating_add(rng.below(0x100)),
        1 => rng.below(0x80),
        _ => rng.below(data.len()),
    }
}

/// `seed` with one to eight random edits: cuts, extreme integers, bit
/// flips, copied chunks and offsets into the file.
pub(crate) fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = interesting_offset(&d, rng);
        match rng.below(7) {
            0 => d.truncate(rng.below(d.len() + 1)),
            1 => put_u32(&mut d, at, [0, 0x7fff_ffff, 0x8000_0000, u32::MAX][rng.below(4)]),
            2 => put_u16(&mut d, at, [0, 0x7fff, 0xff00, u16::MAX][rng.below(4)]),
            3 => put_u32(&mut d, at, rng.next() as u32),
            4 => {
                if let Some(b) = d.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            5 => {
                // Copy a chunk over another place (tables pointing into
                // tables, repeated structures).
                let from = rng.below(d.len());
                let len = rng.below(64).min(d.len() - from.min(d.len()));
                let chunk = d[from..from + len].to_vec();
                if let Some(s) = d.get_mut(at..at + len) {
                    s.copy_from_slice(&chunk);
                }
            }
            _ => {
                let offset = rng.below(d.len().max(1)) as u32;
                put_u32(&mut d, at, offset);
            }
        }
    }
    d
}

/// Parses `data` with every file-format module and calls the functions
/// that do work per file (the whole-file checksum only if `checksum`:
/// its cost does not depend on the structure); returns the time taken.
fn exercise(data: &[u8], checksum: bool) -> Duration {
    let start = CpuClock::now();
    for name in ["pe", "elf", "dotnet"] {
        let (_, module) = modules::find(name).expect("registered");
        let module_data = module.parse(data);
        let messages = RefCell::new(Vec::new());
        let ctx = CallContext {
            data,
            module: &module_data,
            messages: &messages,
            deadline: &Default::default(),
        };
        for (path, args) in calls(module) {
            if path == "calculate_checksum" && !checksum {
                continue;
            }
            if let Some(f) = module.function(path, 0) {
                let _ = f(&ctx, &args);
            }
        }
    }
    let _ = spoor::modules::pe::entry_point_offset(data);
    start.elapsed()
}

fn calls(module: &dyn Module) -> Vec<(&'static str, Vec<Value>)> {
    match module.name() {
        "pe" => vec![
            ("imphash", vec![]),
            ("calculate_checksum", vec![]),
            ("imports", vec![Value::String(b"kernel32.dll".to_vec())]),
            ("exports", vec![Value::String(b"DllMain".to_vec())]),
            ("rva_to_offset", vec![Value::Integer(0x1000)]),
        ],
        "elf" => vec![("import_md5", vec![])],
        _ => vec![],
    }
}

#[test]
fn parsers_survive_mutated_files() {
    let iterations: usize =
        std::env::var("SPOOR_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seeds = seeds();
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut slowest = Duration::ZERO;
    for seed in &seeds {
        slowest = slowest.max(exercise(seed, true));
    }
    for i in 0..iterations {
        let seed = &seeds[i % seeds.len()];
        let input = mutate(seed, &mut rng);
        let checksum = i % 16 == 0;
        let mut took = exercise(&input, checksum);
        // A loaded machine (the other tests run beside this one) can push
        // one run over the limit: a slow input is timed twice more, and the
        // fastest run counts.
        for _ in 0..2 {
            if took >= TIME_LIMIT {
                took = took.min(exercise(&input, checksum));
            }
        }
        if took >= TIME_LIMIT {
            let path = std::env::temp_dir().join(format!("spoor-fuzz-slow-{i}.bin"));
            let _ = std::fs::write(&path, &input);
            panic!("input {i} took {took:?}; saved as {}", path.display());
        }
        slowest = slowest.max(took);
    }
    eprintln!("{iterations} mutated inputs from {} seeds, slowest {slowest:?}", seeds.len());
}
