//! The results of an earlier SARIF log (`--baseline OLD.sarif`), to tell
//! new findings from known ones by their fingerprints.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

/// The key of spoor's fingerprint in a SARIF result's
/// `partialFingerprints`: what the SARIF printer writes and a baseline is
/// matched by.
pub const FINGERPRINT_KEY: &str = "spoorRuleAndPath/v1";

/// The results of one earlier log that are still present in it.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    results: Vec<Value>,
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// Reads the log at `path`.
    ///
    /// # Errors
    /// When the file cannot be read or is not a SARIF log.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let log: Value = serde_json::from_slice(&text)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        Self::from_log(&log).ok_or_else(|| format!("{}: not a SARIF log", path.display()))
    }

    /// The results of a parsed log (every run), leaving out those the log
    /// itself marks `absent`; `None` when `log` has no `runs`.
    #[must_use]
    pub fn from_log(log: &Value) -> Option<Self> {
        let mut baseline = Self::default();
        for run in log.get("runs")?.as_array()? {
            let results = run.get("results").and_then(Value::as_array).into_iter().flatten();
            for result in results {
                if result.get("baselineState").and_then(Value::as_str) == Some("absent") {
                    continue;
                }
                if let Some(fingerprint) = fingerprint_of(result)
                    && baseline.fingerprints.insert(fingerprint.to_owned())
                {
                    baseline.results.push(result.clone());
                }
            }
        }
        Some(baseline)
    }

    /// Whether a result with this fingerprint was in the baseline.
    #[must_use]
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }

    /// The baseline's results whose fingerprints are not in `seen`.
    pub fn results_not_in<'a>(
        &'a self,
        seen: &'a HashSet<String>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.results
            .iter()
            .filter(move |result| fingerprint_of(result).is_some_and(|f| !seen.contains(f)))
    }
}

/// spoor's fingerprint of a result (the key holds a `/`, so no JSON pointer).
fn fingerprint_of(result: &Value) -> Option<&str> {
    result.get("partialFingerprints")?.get(FINGERPRINT_KEY)?.as_str()
}
