//! `spoor scan`: compile the rules once, scan files in parallel, print
//! reports from one thread.
//!
//! Workers each own a [`Scanner`] over the shared, immutable [`Rules`] and
//! send every finished [`FileReport`] through a bounded channel to the
//! calling thread, which is the only one that writes output: a file's report
//! is printed whole, so lines of different files never interleave, and a
//! slow terminal slows the workers down instead of piling reports up in
//! memory. A file that cannot be scanned is a report like any other; it
//! sets the error flag and the scan goes on.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use rayon::iter::{ParallelBridge, ParallelIterator};

use spoor::attribution::{self, Profiles};
use spoor::output::{self, Format, Summary, TextOptions};
use spoor::results::{FileReport, Outcome};
use spoor::scanner::ScanOptions;
use spoor::scanner::input::LoadOptions;
use spoor::walk::{self, Entry, WalkOptions};
use spoor::{Rules, Scanner};

use super::progress::Progress;
use super::rules::{RuleArgs, load_rules};

/// How many finished reports may wait for the printer.
const REPORT_QUEUE: usize = 256;

/// Arguments of `spoor scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'p', value_name = "N")]
    threads: Option<usize>,
    /// Print each string match (offset, identifier, data).
    #[arg(long, short = 's')]
    print_strings: bool,
    /// Print each matching rule's meta.
    #[arg(long, short = 'm')]
    print_meta: bool,
    /// Print each matching rule's tags.
    #[arg(long, short = 'g')]
    print_tags: bool,
    /// Give up on a file after this many seconds (reported as an error).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Skip files larger than this (reported as an error).
    #[arg(long, value_name = "BYTES")]
    max_filesize: Option<u64>,
    /// Print an `attribution:` line per actor after a file's matches.
    #[arg(long, short = 'a')]
    print_attribution: bool,
    /// Follow symbolic links inside directories.
    #[arg(long, short = 'L')]
    follow_symlinks: bool,
    /// Never memory-map files; always read them.
    #[arg(long)]
    no_mmap: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep only hits attributed to this actor profile.
    #[arg(long, value_name = "ID")]
    actor: Option<String>,
    /// Which hits make the exit status 1.
    #[arg(long, value_enum, default_value = "any")]
    fail_on: FailOn,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Files and directories to scan; `-` reads one path per line from
    /// standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// The exit-status policy for matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any rule matched.
    Any,
    /// Exit 1 only when a match is attributed to an actor.
    Actor,
    /// Exit 0 whatever matched (errors still give 2).
    None,
}

/// Runs the command; the exit status is 0 (no match), 1 (match), 2 (error).
pub fn run(args: &ScanArgs) -> ExitCode {
    let actor = match &args.actor {
        None => None,
        Some(name) => match Profiles::bundled().resolve(name) {
            Some(profile) => Some(profile.id().to_owned()),
            None => {
                let known: Vec<&str> = Profiles::bundled().iter().map(|p| p.id()).collect();
                eprintln!("error: no actor profile `{name}` (known: {})", known.join(", "));
                return ExitCode::from(2);
            }
        },
    };
    let Some(rules) = load_rules(&args.rules) else {
        return ExitCode::from(2);
    };
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Box::new(io::BufWriter::new(file)),
            Err(e) => {
                eprintln!("error: cannot create {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(io::BufWriter::new(io::stdout())),
    };
    let text = TextOptions {
        strings: args.print_strings,
        meta: args.print_meta,
        tags: args.print_tags,
        attribution: args.print_attribution,
    };
    let printer = output::printer(args.format, text, out);
    match scan_all(args, actor.as_deref(), &rules, printer) {
        Ok(status) => status.exit_code(args.fail_on),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            ExitCode::from(2)
        }
    }
}

/// What the whole scan amounted to.
#[derive(Debug, Default)]
struct Status {
    matched: bool,
    attributed: bool,
    errored: bool,
}

impl Status {
    fn record(&mut self, report: &FileReport) {
        match &report.outcome {
            Outcome::Scanned { matches, .. } => {
                self.matched |= !matches.is_empty();
                self.attributed |= !report.attribution.is_empty();
            }
            Outcome::Failed(_) => self.errored = true,
        }
    }

    fn exit_code(&self, policy: FailOn) -> ExitCode {
        let failed = match policy {
            FailOn::Any => self.matched,
            FailOn::Actor => self.attributed,
            FailOn::None => false,
        };
        if self.errored {
            ExitCode::from(2)
        } else if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

fn scan_all(
    args: &ScanArgs,
    actor: Option<&str>,
    rules: &Rules,
    mut printer: Box<dyn output::Printer>,
) -> io::Result<Status> {
    let started = Instant::now();
    let load = LoadOptions {
        no_mmap: args.no_mmap,
        max_filesize: args.max_filesize,
        ..LoadOptions::default()
    };
    let timeout = args.timeout.map(Duration::from_secs);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).build()
    {
        Ok(pool) => pool,
        Err(e) => return Err(io::Error::other(e)),
    };
    let roots = expand_stdin(&args.paths)?;
    let walk_options = WalkOptions { follow_symlinks: args.follow_symlinks };
    let profiles = Profiles::bundled();
    let progress = Progress::new(!args.no_progress && args.output.is_none());

    let (sender, receiver) = mpsc::sync_channel::<FileReport>(REPORT_QUEUE);
    let mut status = Status::default();
    let mut summary = Summary::default();
    std::thread::scope(|scope| -> io::Result<()> {
        scope.spawn(|| {
            pool.install(|| {
                walk::walk(roots, walk_options).par_bridge().for_each_init(
                    || {
                        let options = ScanOptions {
                            timeout,
                            print_strings: args.print_strings || args.format == Format::Sarif,
                            ..ScanOptions::default()
                        };
                        (Scanner::with_options(rules, options), sender.clone())
                    },
                    |(scanner, sender), entry| {
                        let report = match entry {
                            Entry::File(path) => scanner.scan_file_report(&path, &load),
                            Entry::Error(path, message) => FileReport::failed(path, message),
                        };
                        // The receiver only goes away when output failed;
                        // the remaining files are then not worth scanning.
                        let _ = sender.send(report);
                    },
                );
            });
            drop(sender);
        });
        for mut report in receiver {
            report.attribution = attribution::attribute(report.matches(), profiles);
            if let Some(actor) = actor {
                attribution::retain_actor(&mut report, actor);
            }
            progress.file_done(&report);
            status.record(&report);
            summary.add(&report);
            summary.actors.add(&report.attribution, profiles);
            printer.file(&report)?;
        }
        Ok(())
    })?;
    progress.finish();
    summary.seconds = started.elapsed().as_secs_f64();
    printer.finish(&summary)?;
    Ok(status)
}

/// The paths to walk: `-` stands for one path per line of standard input.
fn expand_stdin(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut roots = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" {
            for line in io::stdin().lock().split(b'\n') {
                let mut line = line?;
                if line.last() == Some(&b'\r') {
                    let _ = line.pop();
                }
                if !line.is_empty() {
                    roots.push(path_from_bytes(line));
                }
            }
        } else {
            roots.push(path.clone());
        }
    }
    Ok(roots)
}

/// A path from raw bytes, exact even when they are not UTF-8.
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}
