//! Running the binary under watch: a deadline for commands that must not
//! hang, pipes that close early, and the check that nothing panicked.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a command that must not hang may take on a loaded machine.
pub const HANG: Duration = Duration::from_secs(20);

/// Runs `cmd` to the end, failing the test when it takes longer than
/// `limit` (the process is killed) or panics.
pub fn run_within(cmd: &mut Command, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let output = wait_within(child.unwrap(), limit);
    (output, started.elapsed())
}

/// Waits for `child`, draining its output meanwhile (a child that fills
/// a pipe nobody reads would block forever and look like a hang).
pub fn wait_within(mut child: Child, limit: Duration) -> Output {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let mut timed_out = false;
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            timed_out = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let output = Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() };
    assert!(!timed_out, "still running after {limit:?}: {output:?}");
    assert_no_panic(&output);
    output
}

/// Fails when the process panicked or was killed by a signal.
pub fn assert_no_panic(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(101), "{stderr}");
    assert!(output.status.code().is_some(), "killed by a signal: {output:?}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
}

/// Runs `cmd` with standard output a pipe whose reader is gone.
pub fn with_closed_stdout(cmd: &mut Command) -> Output {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    wait_within(child, HANG)
}

/// Runs `cmd` with standard output reading one line and then closing, as
/// `| head -1` does.
pub fn with_head_1(cmd: &mut Command) -> Output {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {}
    drop(out);
    wait_within(child, HANG)
}
