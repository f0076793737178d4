//! Compiling a rule file and the files it includes.
//!
//! `include "x.yar"` is resolved relative to the directory of the including
//! file (or the current directory for text given without a path), and the
//! included file is compiled in place, as YARA pastes it in: its imports
//! count for the rest of the including file. The chain of files being
//! included is kept so that a file including itself, directly or through
//! others, is reported (E111) instead of recursing forever.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Compiler, Imports};
use crate::diagnostics::{Diagnostic, Fix, codes, suggest};
use crate::modules;
use crate::parser::{self, ast};
use crate::source::{SourceFile, Span};

/// How deep includes may nest. Cycles are caught exactly; this bounds
/// chains of distinct files.
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// The files being compiled, outermost first, as canonical paths.
type IncludeChain = Vec<PathBuf>;

/// Reads and compiles the file at `path`.
pub(super) fn compile_path(compiler: &mut Compiler, path: &Path) {
    match read(path) {
        Ok((canonical, text)) => compile_file_text(compiler, path, canonical, text),
        Err(e) => compiler
            .diagnostics
            .push(Diagnostic::global(codes::IO, format!("cannot read `{}`: {e}", path.display()))),
    }
}

/// Compiles `text` as the content of the file at `path`, whatever is on
/// disk: an editor's unsaved buffer. Its includes are resolved relative to
/// `path`'s directory, as if it had been saved.
pub(super) fn compile_buffer(compiler: &mut Compiler, path: &Path, text: String) {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    compile_file_text(compiler, path, canonical, text);
}

fn compile_file_text(compiler: &mut Compiler, path: &Path, canonical: PathBuf, text: String) {
    let source = SourceFile::new(path.display().to_string(), text);
    let mut chain = vec![canonical];
    let mut imports = Imports::new();
    compile_source(compiler, &source, path.parent(), &mut chain, &mut imports);
}

/// Compiles text that has no file of its own.
/// Its includes are resolved relative to the current directory.
pub(super) fn compile_unit(compiler: &mut Compiler, source: &Arc<SourceFile>) {
    compile_source(compiler, source, None, &mut IncludeChain::new(), &mut Imports::new());
}

/// The canonical path and text of a rule file, read as
/// [`super::sources::read_source`] allows.
fn read(path: &Path) -> std::io::Result<(PathBuf, String)> {
    let canonical = std::fs::canonicalize(path)?;
    let text = super::sources::read_source(&canonical)?;
    Ok((canonical, text))
}

/// Largest file whose syntax errors are all reported: past the first,
/// each costs a parse of the whole file (see [`parser::parse_recovering`]),
/// so a larger file reports its first one only.
const RECOVERY_MAX_BYTES: usize = 1 << 20;

/// The diagnostics of a file whose parse stopped at a syntax error
/// (`first`): every syntax error of it, and the other diagnostics of the
/// items around them, found by parsing past each broken item.
fn every_syntax_error(source: &Arc<SourceFile>, first: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let error = first.iter().find(|d| d.code == codes::SYNTAX);
    match error {
        Some(error) if source.text().len() <= RECOVERY_MAX_BYTES => {
            parser::parse_recovering_past(source, error).2
        }
        _ => first,
    }
}

fn compile_source(
    compiler: &mut Compiler,
    source: &Arc<SourceFile>,
    dir: Option<&Path>,
    chain: &mut IncludeChain,
    imports: &mut Imports,
) {
    let (file, syntax) = parser::parse(source);
    if syntax.iter().any(|d| d.code == codes::SYNTAX) {
        compiler.diagnostics.extend(every_syntax_error(source, syntax));
        return;
    }
    let syntax_failed = syntax.iter().any(Diagnostic::is_error);
    compiler.diagnostics.extend(syntax);
    if syntax_failed {
        return;
    }
    let mut later_rules: HashSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Rule(rule) => Some(rule.name.name.clone()),
            _ => None,
        })
        .collect();
    let mut imported_here: HashMap<&str, &ast::Import> = HashMap::new();
    for item in &file.items {
        match item {
            ast::Item::Import(import) => {
                if let Some(first) = imported_here.insert(&import.module, import) {
                    compiler.diagnostics.push(duplicate_import(import, first, source));
                }
                add_import(compiler, import, source, imports);
            }
            ast::Item::Include(include) => {
                compile_include(compiler, include, source, dir, chain, imports);
            }
            ast::Item::Rule(rule) => {
                later_rules.remove(&rule.name.name);
                compiler.add_rule(rule, source, imports, &later_rules);
            }
        }
    }
}

/// W015: the second `import` of a module in one file, with the fix that
/// removes its line.
fn duplicate_import(
    import: &ast::Import,
    first: &ast::Import,
    source: &Arc<SourceFile>,
) -> Diagnostic {
    let text = source.text();
    let end = text[import.span.end as usize..]
        .find('\n')
        .map_or(text.len(), |i| import.span.end as usize + i + 1);
    let line_start = text[..import.span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let whole_line = text[line_start..import.span.start as usize].trim().is_empty()
        && text[import.span.end as usize..end].trim().is_empty();
    let removed = if whole_line { Span::new(line_start, end) } else { import.span };
    Diagnostic::warning(
        codes::DUPLICATE_IMPORT,
        format!("module `{}` is imported twice", import.module),
        source,
        import.span,
    )
    .with_label(source, first.span, "first imported here")
    .with_fix(Fix::replace("remove the second import", removed, ""))
}

fn add_import(
    compiler: &mut Compiler,
    import: &ast::Import,
    source: &Arc<SourceFile>,
    imports: &mut Imports,
) {
    match modules::find(&import.module) {
        Some((id, module)) => {
            compiler.modules.insert(id);
            imports.entry(import.module.clone()).or_insert_with(|| (id, module.declaration()));
        }
        None => {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_MODULE,
                format!("unknown module `{}`", import.module),
                source,
                import.span,
            );
            let hint = suggest::hint(&import.module, modules::names(), "");
            if !hint.is_empty() {
                d = d.with_note(hint);
            }
            compiler.diagnostics.push(d);
        }
    }
}

fn compile_include(
    compiler: &mut Compiler,
    include: &ast::Include,
    source: &Arc<SourceFile>,
    dir: Option<&Path>,
    chain: &mut IncludeChain,
    imports: &mut Imports,
) {
    let path = dir.map_or_else(|| PathBuf::from(&include.path), |d| d.join(&include.path));
    let error = |code, message: String| Diagnostic::error(code, message, source, include.span);
    if chain.len() >= MAX_INCLUDE_DEPTH {
        compiler.diagnostics.push(error(
            codes::INCLUDE_CYCLE,
            format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
        ));
        return;
    }
    let (canonical, text) = match read(&path) {
        Ok(read) => read,
        Err(e) => {
            compiler.diagnostics.push(error(
                codes::INCLUDE_NOT_FOUND,
                format!("cannot include `{}`: {e}", include.path),
            ));
            return;
        }
    };
    if let Some(start) = chain.iter().position(|p| *p == canonical) {
        let cycle: Vec<String> = chain[start..]
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()))
            .collect();
        compiler
            .diagnostics
            .push(error(codes::INCLUDE_CYCLE, format!("include cycle: {}", cycle.join(" -> "))));
        return;
    }
    let included = SourceFile::new(path.display().to_string(), text);
    chain.push(canonical);
    compile_source(compiler, &included, path.parent(), chain, imports);
    chain.pop();
}
