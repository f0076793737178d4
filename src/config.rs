//! `spoor.toml`: per-project settings, found upward from a rule file as
//! `rustfmt.toml` is (the file's directory, then each parent).
//!
//! ```toml
//! [fmt]
//! indent = 4      # spaces per level (default 2)
//! width = 120     # widest condition line (default 100)
//! align = false   # align the `=` of meta entries and patterns (default true)
//!
//! [check]
//! rule_name = "^[A-Z][A-Za-z0-9_]+$"   # every rule name must match
//! tags = ["APT", "Lazarus"]            # the only tags allowed
//!
//! [check.meta]                         # metadata every rule must have
//! author = "string"                    # string, integer, float, bool, date,
//! hash = "sha256"                      # md5, sha1, sha256 or url
//!
//! [warnings]
//! disabled = ["slow_pattern", "W005"]  # codes or YARA-X names
//! as_errors = true                     # warnings fail `spoor check`
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::fmt::Style;

/// The configuration file's name.
pub const FILE_NAME: &str = "spoor.toml";

/// The deepest `[fmt] indent` accepted. Unchecked, `indent = 8266666666`
/// made `spoor fmt` write gigabytes of spaces per line (found by
/// fuzz/fuzz_targets/config.rs); anything deeper than this is a typo.
pub const MAX_INDENT: usize = 16;

/// The whole file; tables not known here are errors, so typos show.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[fmt]`: the formatter's layout.
    #[serde(default)]
    pub fmt: FmtConfig,
    /// `[check]`: conventions rules must follow.
    #[serde(default)]
    pub check: CheckConfig,
    /// `[warnings]`: which warnings show.
    #[serde(default)]
    pub warnings: WarningsConfig,
}

/// `[check]`: a project's rule conventions, reported as warnings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// A regular expression every rule name must match.
    pub rule_name: Option<String>,
    /// The only tags allowed, when given.
    pub tags: Option<Vec<String>>,
    /// Metadata every rule must have, with its type.
    #[serde(default)]
    pub meta: BTreeMap<String, MetaType>,
}

/// The type a required metadata value must have.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MetaType {
    /// Any string.
    String,
    /// An integer.
    Integer,
    /// A float (an integer is accepted).
    Float,
    /// `true` or `false`.
    Bool,
    /// A string `YYYY-MM-DD`.
    Date,
    /// 32 hex digits.
    Md5,
    /// 40 hex digits.
    Sha1,
    /// 64 hex digits.
    Sha256,
    /// A string starting `http://` or `https://`.
    Url,
}

/// `[warnings]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WarningsConfig {
    /// Codes or names of warnings not shown.
    #[serde(default)]
    pub disabled: Vec<String>,
    /// Whether warnings count as errors.
    #[serde(default)]
    pub as_errors: bool,
}

/// `[fmt]`: every key optional, defaults as [`Style::default`].
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FmtConfig {
    /// Spaces per indentation level.
    pub indent: Option<usize>,
    /// Widest condition line before it is broken.
    pub width: Option<usize>,
    /// Whether to align `=`.
    pub align: Option<bool>,
}

impl FmtConfig {
    /// The style these settings give.
    #[must_use]
    pub fn style(&self) -> Style {
        let default = Style::default();
        Style {
            indent: self.indent.unwrap_or(default.indent),
            width: self.width.unwrap_or(default.width),
            align: self.align.unwrap_or(default.align),
        }
    }
}

/// The nearest `spoor.toml` at or above `path`'s directory.
#[must_use]
pub fn find(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let start = if start.as_os_str().is_empty() { Path::new(".") } else { start };
    start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

/// The configuration that applies to `path`: the nearest file's, or the
/// defaults when there is none.
///
/// # Errors
/// When the nearest file cannot be read or is invalid.
pub fn for_path(path: &Path) -> Result<Config, String> {
    let Some(file) = find(path) else { return Ok(Config::default()) };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    Config::parse(&text).map_err(|e| format!("{}: {e}", file.display()))
}

impl Config {
    /// Parses the text of a `spoor.toml`. Separate from [`for_path`] so
    /// that text not (yet) on disk, such as an editor's unsaved buffer or
    /// a fuzzer's input, goes through the same parser.
    ///
    /// # Errors
    /// When the text is not TOML or names keys this version does not know.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        match config.fmt.indent {
            Some(indent) if indent > MAX_INDENT => {
                Err(format!("[fmt] indent = {indent}: at most {MAX_INDENT} spaces"))
            }
            _ => Ok(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_applies_and_typos_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let rule = sub.join("r.yar");
        std::fs::write(&rule, "").unwrap();
        assert_eq!(for_path(&rule).unwrap().fmt.style(), Style::default());
        std::fs::write(dir.path().join(FILE_NAME), "[fmt]\nindent = 4\nalign = false\n").unwrap();
        let style = for_path(&rule).unwrap().fmt.style();
        assert_eq!((style.indent, style.width, style.align), (4, Style::DEFAULT_WIDTH, false));
        std::fs::write(dir.path().join("a").join(FILE_NAME), "[fmt]\nindnet = 4\n").unwrap();
        assert!(for_path(&rule).unwrap_err().contains("indnet"));
    }

    #[test]
    fn check_and_warnings_tables_parse() {
        let config: Config = toml::from_str(
            "[check]\nrule_name = \"^A\"\ntags = [\"x\"]\n[check.meta]\nauthor = \"string\"\n\
             hash = \"sha256\"\n[warnings]\ndisabled = [\"W005\"]\nas_errors = true\n",
        )
        .unwrap();
        assert_eq!(config.check.meta["hash"], MetaType::Sha256);
        assert_eq!(config.check.tags.as_deref(), Some(&["x".to_owned()][..]));
        assert!(config.warnings.as_errors);
        assert!(toml::from_str::<Config>("[check.meta]\na = \"strng\"\n").is_err());
    }

    #[test]
    fn an_absurd_indent_is_an_error() {
        assert_eq!(Config::parse("[fmt]\nindent = 16\n").unwrap().fmt.indent, Some(16));
        let error = Config::parse("[fmt]\nindent = 8266666666\n").unwrap_err();
        assert!(error.contains("at most 16"), "{error}");
    }
}
