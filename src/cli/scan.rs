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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use rayon::iter::{ParallelBridge, ParallelIterator};
use signal_hook::consts::{SIGINT, SIGTERM};

use spoor::attribution::{self, Profiles};
use spoor::inputs::limits::{self, ArchiveLimits};
use spoor::inputs::scan::scan_path;
use spoor::modules::external::ModuleInputs;
use spoor::output::{self, Baseline, Format, SarifOptions, SarifPrinter, Summary, TextOptions};
use spoor::results::FileReport;
use spoor::scanner::ScanOptions;
use spoor::scanner::input::LoadOptions;
use spoor::scanner::profile::{Profile, ProfileReport};
use spoor::walk::{self, Entry, PathFilter, WalkOptions};
use spoor::{Rules, Scanner};

use super::destination::Destination;
use super::module_data::{self, ModuleDataArg};
use super::progress::Progress;
use super::reader_watch::ReaderWatch;
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
    /// Do not look inside archives and compressed files (they are still
    /// scanned as files).
    #[arg(long)]
    no_archives: bool,
    /// How many levels of archives inside archives are opened.
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_MAX_DEPTH)]
    archive_depth: u32,
    /// Skip walked files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Scan only walked files matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Descend at most N directory levels below each path.
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    /// Skip files larger than SIZE (`10M`, `1G`), counted as skipped.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    skip_larger: Option<u64>,
    /// Also scan the paths listed in FILE, one per line.
    #[arg(long, value_name = "FILE")]
    scan_list: Option<PathBuf>,
    /// Largest archive member scanned; a larger one is reported.
    #[arg(long, value_name = "SIZE", value_parser = parse_size,
          default_value_t = limits::DEFAULT_MAX_MEMBER)]
    archive_max_member: u64,
    /// Bytes the archives of one file may expand to in total.
    #[arg(long, value_name = "SIZE", value_parser = parse_size,
          default_value_t = limits::DEFAULT_MAX_EXPANDED)]
    archive_max_expanded: u64,
    /// Write SARIF paths below DIR relative to it, with a `uriBaseId`.
    #[arg(long, value_name = "DIR")]
    sarif_base: Option<PathBuf>,
    /// Compare with an earlier SARIF log: results are marked new,
    /// unchanged or absent, and `--fail-on new` looks only at new ones.
    #[arg(long, value_name = "OLD.sarif")]
    baseline: Option<PathBuf>,
    /// Hand FILE to module NAME for every file scanned (a sandbox report
    /// for `cuckoo`); repeatable, one per module.
    #[arg(long, short = 'x', value_name = "NAME=FILE", value_parser = ModuleDataArg::parse)]
    module_data: Vec<ModuleDataArg>,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// After the scan, print the slowest rules and patterns (time spent
    /// verifying each pattern's candidates and evaluating each condition)
    /// on standard error.
    #[arg(long)]
    profiling: bool,
    /// Files and directories to scan; `-` reads one path per line from
    /// standard input.
    #[arg(required_unless_present = "scan_list", value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// The exit-status policy for matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any rule matched.
    Any,
    /// Exit 1 only when a match is attributed to an actor.
    Actor,
    /// Exit 1 only for a match not in the `--baseline` log (any match
    /// without a baseline).
    New,
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
    let roots = match roots(args) {
        Ok(roots) => roots,
        Err(e) => {
            eprint_line(format_args!("error: cannot read the paths to scan: {e}"));
            return ExitCode::from(2);
        }
    };
    let filter = match PathFilter::new(&args.include, &args.exclude) {
        Ok(filter) => filter,
        Err(e) => {
            eprint_line(format_args!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    let module_inputs = match module_data::load(&args.module_data) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprint_line(format_args!("error: {e}"));
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
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(e) => {
            eprint_line(format_args!("error: --baseline {e}"));
            return ExitCode::from(2);
        }
    };
    let destination = match Destination::open(args.output.as_deref()) {
        Ok(destination) => destination,
        Err(e) => {
            let path = args.output.as_deref().unwrap_or(std::path::Path::new("-"));
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
    let (out, finisher) = destination.split();
    let printer = printer(args, out, baseline.clone());
    let profile = args.profiling.then(Arc::default);
    let watch = args.output.is_none().then(|| ReaderWatch::start(Arc::clone(&cancel))).flatten();
    let job = Job {
        args,
        actor: actor.as_deref(),
        rules: &rules,
        pool: &pool,
        cancel: &cancel,
        baseline: baseline.as_ref(),
        profile: profile.as_ref(),
        module_inputs: &module_inputs,
        watch: watch.as_ref(),
    };
    let (status, end) = job.scan_all(roots, filter, printer);
    drop(watch);
    if let Some(profile) = profile {
        let profile = profile.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        print_profile(&profile.report(&rules, PROFILE_LINES));
    }
    let end = match (end, finisher.finish()) {
        (End::Done | End::Interrupted, Err(e)) => End::of_write_error(e),
        (end, _) => end,
    };
    end.exit_code(&status, args.fail_on)
}

/// The paths named on the command line, on standard input (`-`) and in
/// `--scan-list`.
fn roots(args: &ScanArgs) -> io::Result<Vec<PathBuf>> {
    let mut roots = expand_stdin(&args.paths)?;
    if let Some(list) = &args.scan_list {
        roots.extend(path_lines(io::BufReader::new(std::fs::File::open(list)?))?);
    }
    Ok(roots)
}

/// The printer for `--format`, writing to `out`.
fn printer(
    args: &ScanArgs,
    out: Box<dyn Write + Send>,
    baseline: Option<Baseline>,
) -> Box<dyn output::Printer> {
    if args.format == Format::Sarif {
        let base = args
            .sarif_base
            .as_deref()
            .map(|dir| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()));
        let options = SarifOptions { base, baseline };
        return Box::new(SarifPrinter::with_options(out, options));
    }
    let text = TextOptions {
        strings: args.print_strings,
        meta: args.print_meta,
        tags: args.print_tags,
        attribution: args.print_attribution,
    };
    output::printer(args.format, text, out)
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

/// What the whole scan amounted to.
#[derive(Debug, Default)]
struct Status {
    matched: bool,
    attributed: bool,
    new_match: bool,
    errored: bool,
}

impl Status {
    fn record(&mut self, report: &FileReport, baseline: Option<&Baseline>) {
        let matches = report.matches();
        self.matched |= !matches.is_empty();
        self.attributed |= !report.attribution.is_empty();
        self.new_match |= matches
            .iter()
            .any(|m| baseline.is_none_or(|b| !b.contains(&output::fingerprint(m, report))));
        self.errored |= report.is_error();
    }

    /// Whether the matches make the exit status 1 under `policy`.
    fn failed(&self, policy: FailOn) -> bool {
        match policy {
            FailOn::Any => self.matched,
            FailOn::Actor => self.attributed,
            FailOn::New => self.new_match,
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
    /// The end for a failed write: a closed reader or another failure.
    fn of_write_error(e: io::Error) -> End {
        if e.kind() == io::ErrorKind::BrokenPipe { End::OutputClosed } else { End::OutputFailed(e) }
    }

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
    baseline: Option<&'a Baseline>,
    /// Where the scanners add their figures, under `--profiling`.
    profile: Option<&'a Arc<Mutex<Profile>>>,
    /// `--module-data`, decoded.
    module_inputs: &'a ModuleInputs,
    /// What notices a reader of standard output that left.
    watch: Option<&'a ReaderWatch>,
}

impl Job<'_> {
    fn scan_all(
        &self,
        roots: Vec<PathBuf>,
        filter: PathFilter,
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
        let archives = (!args.no_archives).then(|| ArchiveLimits {
            max_depth: args.archive_depth,
            max_member: args.archive_max_member,
            max_expanded: args.archive_max_expanded,
            ..ArchiveLimits::default()
        });
        let walk_options = WalkOptions {
            follow_symlinks: args.follow_symlinks,
            max_depth: args.max_depth,
            skip_larger: args.skip_larger,
            filter: Arc::new(filter),
        };
        let skipped = AtomicU64::new(0);
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
                                        profile: self.profile.cloned(),
                                        module_inputs: self.module_inputs.clone(),
                                        ..ScanOptions::default()
                                    };
                                    (Scanner::with_options(self.rules, options), sender.clone())
                                },
                                |(scanner, sender), entry| {
                                    if stopped() {
                                        return;
                                    }
                                    // The receiver only goes away when output
                                    // failed, which has set the cancel flag.
                                    let mut send = |report| {
                                        let _ = sender.send(report);
                                    };
                                    match entry {
                                        Entry::File(path) => scan_path(
                                            scanner,
                                            &path,
                                            &load,
                                            archives.as_ref(),
                                            &mut send,
                                        ),
                                        Entry::Error(path, message) => {
                                            send(FileReport::failed(path, message));
                                        }
                                        Entry::Skipped(..) => {
                                            let _ = skipped.fetch_add(1, Ordering::Relaxed);
                                        }
                                    }
                                },
                            );
                    });
                    drop(sender);
                });
            if let Err(e) = walker {
                end = End::OutputFailed(io::Error::other(format!("cannot start a thread: {e}")));
                return;
            }
            // A failed write ends the run: the workers stop too.
            let write_failed = |e: io::Error| {
                cancel.store(true, Ordering::Relaxed);
                End::of_write_error(e)
            };
            loop {
                let mut report = match next_report(&receiver, printer.as_mut()) {
                    Ok(Some(report)) => report,
                    Ok(None) => break,
                    Err(e) => {
                        end = write_failed(e);
                        break;
                    }
                };
                // Files cut short because the reader left are no loss to
                // it: they are not counted, as after a failed write.
                if self.watch.is_some_and(ReaderWatch::reader_left) {
                    end = End::OutputClosed;
                    break;
                }
                report.attribution = attribution::attribute(report.matches(), profiles);
                if let Some(actor) = self.actor {
                    attribution::retain_actor(&mut report, actor);
                }
                progress.file_done(&report);
                status.record(&report, self.baseline);
                summary.add(&report);
                summary.actors.add(&report.attribution, profiles);
                if let Err(e) = printer.file(&report) {
                    end = write_failed(e);
                    break;
                }
            }
        });
        progress.finish();
        if matches!(end, End::Done) && stopped() {
            // Cancelled after the last report: by a reader that left, or
            // by an interrupt.
            let reader_left = self.watch.is_some_and(ReaderWatch::reader_left);
            end = if reader_left { End::OutputClosed } else { End::Interrupted };
        }
        if matches!(end, End::Done | End::Interrupted) {
            summary.seconds = started.elapsed().as_secs_f64();
            summary.skipped = skipped.load(Ordering::Relaxed);
            if let Err(e) = printer.finish(&summary) {
                end = End::of_write_error(e);
            }
        }
        (status, end)
    }
}

/// The next report, the printer flushed first when none is waiting (see
/// [`output::Printer::flush`]); `None` once every worker is done.
fn next_report(
    receiver: &mpsc::Receiver<FileReport>,
    printer: &mut dyn output::Printer,
) -> io::Result<Option<FileReport>> {
    match receiver.try_recv() {
        Ok(report) => Ok(Some(report)),
        Err(mpsc::TryRecvError::Disconnected) => Ok(None),
        Err(mpsc::TryRecvError::Empty) => {
            printer.flush()?;
            Ok(receiver.recv().ok())
        }
    }
}

/// The paths to walk: `-` stands for one path per line of standard input.
fn expand_stdin(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut roots = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" {
            roots.extend(path_lines(io::stdin().lock())?);
        } else {
            roots.push(path.clone());
        }
    }
    Ok(roots)
}

/// One path per line (`\r\n` too); empty lines are left out.
fn path_lines(reader: impl BufRead) -> io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for line in reader.split(b'\n') {
        let mut line = line?;
        if line.last() == Some(&b'\r') {
            let _ = line.pop();
        }
        if !line.is_empty() {
            paths.push(path_from_bytes(line));
        }
    }
    Ok(paths)
}

/// A size with an optional binary suffix: `512`, `64K`, `10M`, `2G` (also
/// `KB`/`KiB` and lower case).
fn parse_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let shift = match &lower[digits.len()..] {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => return Err(format!("unknown size suffix `{other}` (use K, M, G or T)")),
    };
    let number: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size"))?;
    number
        .checked_shl(shift)
        .filter(|n| n >> shift == number)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A path from raw bytes, exact even when they are not UTF-8.
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Rules and patterns `--profiling` lists.
const PROFILE_LINES: usize = 10;

/// Prints `--profiling`'s report on standard error.
fn print_profile(report: &ProfileReport) {
    let secs = |time: Duration| format!("{:.3} s", time.as_secs_f64());
    let walking = report.search_total.saturating_sub(report.verification_total);
    eprint_line(format_args!(
        "profiling (summed over threads): pattern search {} (verifying candidates {}, walking the \
         input for atoms {}), conditions {}",
        secs(report.search_total),
        secs(report.verification_total),
        secs(walking),
        secs(report.condition_total),
    ));
    eprint_line(format_args!("slowest rules:"));
    eprint_line(format_args!(
        "{:>11} {:>11} {:>11} {:>13} {:>11}  rule",
        "time", "search", "condition", "verified", "evaluated"
    ));
    for rule in &report.rules {
        eprint_line(format_args!(
            "{:>11} {:>11} {:>11} {:>13} {:>11}  {}",
            secs(rule.time()),
            secs(rule.search_time),
            secs(rule.condition_time),
            rule.verifications,
            rule.evaluations,
            rule.rule
        ));
    }
    eprint_line(format_args!("slowest patterns:"));
    eprint_line(format_args!("{:>11} {:>13}  pattern", "time", "verified"));
    for pattern in &report.patterns {
        eprint_line(format_args!(
            "{:>11} {:>13}  {}",
            secs(pattern.time),
            pattern.verifications,
            pattern.pattern
        ));
    }
}
