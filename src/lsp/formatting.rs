//! Document formatting through `spoor fmt`'s code and the style of the
//! file's `spoor.toml`: one edit replacing the whole text, or none when it
//! is already formatted.

use lsp_types::{Range, TextEdit};

use super::documents::Document;
use crate::config;
use crate::fmt;

/// The edits that format `doc`.
///
/// # Errors
/// When the file does not parse, its `spoor.toml` is invalid, or the
/// formatter refuses the result (the message says which).
pub fn format(doc: &Document) -> Result<Vec<TextEdit>, String> {
    if !doc.is_analysable() {
        return Err("the document is too large to format".to_owned());
    }
    let style = config::for_path(&doc.path)?.fmt.style();
    let parsed = doc.parsed();
    let formatted = fmt::format(&parsed.source, &style).map_err(|e| match e {
        fmt::FormatError::Parse(found) => {
            let first = found.first().map_or_else(String::new, |d| d.headline());
            format!("not formatted: the file has errors ({first})")
        }
        unstable @ fmt::FormatError::Unstable(_) => unstable.to_string(),
    })?;
    if formatted == doc.text() {
        return Ok(Vec::new());
    }
    let whole = Range::new(
        lsp_types::Position::new(0, 0),
        doc.lines().position(doc.text(), doc.text().len()),
    );
    Ok(vec![TextEdit::new(whole, formatted)])
}
