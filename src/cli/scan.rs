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
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};

use clap::{Args, ValueEnum};
use rayon::iter::{ParallelBridge, ParallelIterator};

use spoor::attribution::{self, Profiles};
use spoor::output::{self, Format, Summary, TextOptions};
use spoor::results::FileReport;
use spoor::scanner::ScanOptions;
use spoor::scanner::input::LoadOptions;
use spoor::walk::{self, Entry, WalkOptions};
use spoor::{Rules, Scanner};

use super::progress::Progress;
use super::rules::{RuleArgs, load_rules};
use super::terminal::eprint_line;

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
    /// Worker threads (default: one per core; at most 8 per core).
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
    /// Give up on a file after this many seconds (reported as an error,
    /// with the rules matched until then); 0 means no limit.
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

/// Runs the command; the exit status is 0 (no match), 1 (match), 2 (error,
/// or part of the work lost: an interrupt, an output that failed).
pub fn run(args: &ScanArgs) -> ExitCode {
    let actor = match &args.actor {
        None => None,
        Some(name) => match Profiles::bundled().resolve(name) {
            Some(profile) => Some(profile.id().to_owned()),
            None => {
                let known: Vec<&str> = Profiles::bundled().iter().map(|p| p.id()).collect();
                eprint_line(format_args!(
                    "error: no actor profile `{name}` (known: {})",
                    known.join(", ")
                ));
                return ExitCode::from(2);
            }
        },
    };
    let roots = match expand_stdin(&args.paths) {
        Ok(roots) => roots,
        Err(e) => {
            eprint_line(format_args!("error: cannot read paths from standard input: {e}"));
            return ExitCode::from(2);
        }
    };
    let Some(rules) = load_rules(&args.rules) else {
        return ExitCode::from(2);
    };
    let pool = match worker_pool(args.threads) {
        Ok(pool) => pool,
        Err(message) => {
            eprint_line(format_args!("error: {message}"));
            return ExitCode::from(2);
        }
    };
    let destination = match Destination::open(args.output.as_deref()) {
        Ok(destination) => destination,
        Err(e) => {
            let path = args.output.as_deref().unwrap_or(Path::new("-"));
            eprint_line(format_args!("error: cannot create {}: {e}", path.display()));
            return ExitCode::from(2);
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // A second signal ends the process at once; the first asks the scan
        // to stop and the report to be finished. Without a handler (an
        // error here is not expected) the signal ends the process as usual.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&cancel));
        let _ = signal_hook::flag::register(signal, Arc::clone(&cancel));
    }
    let text = TextOptions {
        strings: args.print_strings,
        meta: args.print_meta,
        tags: args.print_tags,
        attribution: args.print_attribution,
    };
    let (writer, finisher) = destination.split();
    let printer = output::printer(args.format, text, writer);
    let job = Job { args, actor: actor.as_deref(), rules: &rules, pool: &pool, cancel: &cancel };
    let (status, end) = job.scan_all(roots, printer);
    let end = match (end, finisher.finish()) {
        (End::Done | End::Interrupted, Err(e)) => End::OutputFailed(e),
        (end, _) => end,
    };
    end.exit_code(&status, args.fail_on)
}

/// Most worker threads per core: scanning is mostly CPU work, a few more
/// threads than cores hide I/O waits, thousands only cost memory and
/// start-up time.
const MAX_THREADS_PER_CORE: usize = 8;

/// The worker pool: `--threads` (0 or absent: one per core), capped at
/// [`MAX_THREADS_PER_CORE`] per core with a warning.
fn worker_pool(asked: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let cap = cores.saturating_mul(MAX_THREADS_PER_CORE);
    let threads = match asked {
        Some(asked) if asked > cap => {
            eprint_line(format_args!(
                "warning: --threads {asked} is more than {MAX_THREADS_PER_CORE} per core; \
                 using {cap} ({cores} cores)"
            ));
            cap
        }
        Some(asked) => asked,
        None => 0,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} worker threads: {e}"))
}

/// Where the report goes. With `-o FILE` it is written to a temporary file
/// beside FILE and renamed over it once complete: FILE then holds a whole
/// report or is left as it was, never a truncated JSON document.
enum Destination {
    Stdout,
    Temporary {
        file: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// `-o` naming something that is not a regular file (`/dev/stdout`, a
    /// FIFO): written in place, as it cannot be replaced.
    InPlace(std::fs::File),
}

impl Destination {
    fn open(output: Option<&Path>) -> io::Result<Destination> {
        let Some(target) = output else { return Ok(Destination::Stdout) };
        if std::fs::metadata(target).is_ok_and(|meta| !meta.is_file()) {
            return std::fs::OpenOptions::new().write(true).open(target).map(Destination::InPlace);
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file = tempfile::Builder::new().prefix(".spoor-report-").tempfile_in(dir)?;
        Ok(Destination::Temporary { file, target: target.to_path_buf() })
    }

    /// The writer for the printer, and what completes the report after it.
    fn split(self) -> (Box<dyn Write + Send>, Finisher) {
        match self {
            Destination::Stdout => (Box::new(io::BufWriter::new(io::stdout())), Finisher(None)),
            Destination::InPlace(file) => (Box::new(io::BufWriter::new(file)), Finisher(None)),
            Destination::Temporary { file, target } => {
                let (file, path) = file.into_parts();
                (Box::new(io::BufWriter::new(file)), Finisher(Some((path, target))))
            }
        }
    }
}

/// Renames a finished temporary report over its target; dropped without
/// [`Finisher::finish`] (the report failed), it deletes the temporary file.
struct Finisher(Option<(tempfile::TempPath, PathBuf)>);

impl Finisher {
    fn finish(self) -> io::Result<()> {
        match self.0 {
            Some((temporary, target)) => temporary.persist(&target).map_err(|e| e.error),
            None => Ok(()),
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
        self.matched |= !report.matches().is_empty();
        self.attributed |= !report.attribution.is_empty();
        self.errored |= report.is_error();
    }

    /// Whether the matches make the exit status 1 under `policy`.
    fn failed(&self, policy: FailOn) -> bool {
        match policy {
            FailOn::Any => self.matched,
            FailOn::Actor => self.attributed,
            FailOn::None => false,
        }
    }
}

/// How the scan ended.
#[derive(Debug)]
enum End {
    /// Every file was scanned and reported.
    Done,
    /// An interrupt stopped it; the report covers the files done so far
    /// and is complete as a document.
    Interrupted,
    /// The reader of the report went away (`| head`).
    OutputClosed,
    /// Writing the report failed.
    OutputFailed(io::Error),
}

impl End {
    /// 2 on an error or a loss; 1 for a match, also when the reader left
    /// after seeing it; 0 only when everything was scanned and reported.
    fn exit_code(self, status: &Status, policy: FailOn) -> ExitCode {
        let lost = match self {
            End::Done => false,
            End::Interrupted => {
                eprint_line(format_args!(
                    "error: interrupted: the report covers only the files scanned so far"
                ));
                true
            }
            End::OutputClosed => !status.failed(policy),
            End::OutputFailed(e) => {
                eprint_line(format_args!("error: cannot write the report: {e}"));
                true
            }
        };
        if status.errored || lost {
            ExitCode::from(2)
        } else if status.failed(policy) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// One scan's shared inputs.
struct Job<'a> {
    args: &'a ScanArgs,
    actor: Option<&'a str>,
    rules: &'a Rules,
    pool: &'a rayon::ThreadPool,
    /// Set by an interrupt or a failed output: workers stop their file and
    /// take no new one.
    cancel: &'a Arc<AtomicBool>,
}

impl Job<'_> {
    fn scan_all(
        &self,
        roots: Vec<PathBuf>,
        mut printer: Box<dyn output::Printer>,
    ) -> (Status, End) {
        let args = self.args;
        let started = Instant::now();
        let load = LoadOptions {
            no_mmap: args.no_mmap,
            max_filesize: args.max_filesize,
            ..LoadOptions::default()
        };
        // `--timeout 0` means no limit, as in YARA.
        let timeout = args.timeout.filter(|&secs| secs > 0).map(Duration::from_secs);
        let walk_options = WalkOptions { follow_symlinks: args.follow_symlinks };
        let profiles = Profiles::bundled();
        let progress = Progress::new(!args.no_progress && args.output.is_none());
        let cancel = self.cancel;
        let stopped = || cancel.load(Ordering::Relaxed);

        let (sender, receiver) = mpsc::sync_channel::<FileReport>(REPORT_QUEUE);
        let mut status = Status::default();
        let mut summary = Summary::default();
        let mut end = End::Done;
        std::thread::scope(|scope| {
            let walker =
                std::thread::Builder::new().name("walk".to_owned()).spawn_scoped(scope, || {
                    self.pool.install(|| {
                        walk::walk(roots, walk_options)
                            .take_while(|_| !stopped())
                            .par_bridge()
                            .for_each_init(
                                || {
                                    let options = ScanOptions {
                                        timeout,
                                        cancel: Some(Arc::clone(cancel)),
                                        print_strings: args.print_strings
                                            || args.format == Format::Sarif,
                                        ..ScanOptions::default()
                                    };
                                    (Scanner::with_options(self.rules, options), sender.clone())
                                },
                                |(scanner, sender), entry| {
                                    if stopped() {
                                        return;
                                    }
                                    let report = match entry {
                                        Entry::File(path) => scanner.scan_file_report(&path, &load),
                                        Entry::Error(path, message) => {
                                            FileReport::failed(path, message)
                                        }
                                    };
                                    // The receiver only goes away when output failed,
                                    // which has set the cancel flag.
                                    let _ = sender.send(report);
                                },
                            );
                    });
                    drop(sender);
                });
            if let Err(e) = walker {
                end = End::OutputFailed(io::Error::other(format!("cannot start a thread: {e}")));
                return;
            }
            for mut report in receiver {
                report.attribution = attribution::attribute(report.matches(), profiles);
                if let Some(actor) = self.actor {
                    attribution::retain_actor(&mut report, actor);
                }
                progress.file_done(&report);
                status.record(&report);
                summary.add(&report);
                if let Err(e) = printer.file(&report) {
                    cancel.store(true, Ordering::Relaxed);
                    end = if e.kind() == io::ErrorKind::BrokenPipe {
                        End::OutputClosed
                    } else {
                        End::OutputFailed(e)
                    };
                    break;
                }
            }
        });
        progress.finish();
        if matches!(end, End::Done) && stopped() {
            end = End::Interrupted;
        }
        if matches!(end, End::Done | End::Interrupted) {
            summary.seconds = started.elapsed().as_secs_f64();
            if let Err(e) = printer.finish(&summary) {
                end = if e.kind() == io::ErrorKind::BrokenPipe {
                    End::OutputClosed
                } else {
                    End::OutputFailed(e)
                };
            }
        }
        (status, end)
    }
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
