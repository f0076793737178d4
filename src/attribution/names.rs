//! Name normalisation: how rule names, tags, meta text and profile aliases
//! are made comparable (profiles.md §5).
//!
//! Every name goes through Unicode NFKC and lower-casing. Aliases are then
//! kept in *compact* form, all non-alphanumerics removed (`APT 37`,
//! `APT-37`, `apt37` are all `apt37`). Text that is searched for aliases is
//! split into *tokens* (on every non-alphanumeric character and on a
//! lower-to-upper camel-case boundary, digits staying with the letters before
//! them), and every run of adjacent tokens is joined and compared whole. So
//! `APT_NK_Scarcruft_Ruby` contains `scarcruft`, `HiddenCobra` contains
//! `hiddencobra`, but `apt37` never contains `apt3`.

use unicode_normalization::UnicodeNormalization as _;

/// The compact form of a name: NFKC, lower case, alphanumerics only.
#[must_use]
pub fn compact(name: &str) -> String {
    name.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// Splits text into lower-case tokens (see the module doc).
#[must_use]
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in text.nfkc() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut out);
            previous = None;
            continue;
        }
        if c.is_uppercase() && previous.is_some_and(char::is_lowercase) {
            flush(&mut current, &mut out);
        }
        current.extend(c.to_lowercase());
        previous = Some(c);
    }
    flush(&mut current, &mut out);
    out
}

fn flush(current: &mut String, out: &mut Vec<String>) {
    if !current.is_empty() {
        out.push(std::mem::take(current));
    }
}

/// Every run of 1 to `max_len` adjacent tokens, joined without separator.
pub fn runs(tokens: &[String], max_len: usize) -> impl Iterator<Item = String> + '_ {
    (0..tokens.len()).flat_map(move |start| {
        let end = tokens.len().min(start + max_len);
        (start + 1..=end).map(move |stop| tokens[start..stop].concat())
    })
}

/// A URL reduced for comparison: no scheme, no `www.`, no trailing `/`,
/// lower case.
#[must_use]
pub fn url_key(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.trim_end_matches('/').to_lowercase()
}

/// The path part of a URL (everything after the host), where file names
/// such as `ThreatReport-Lazarus.pdf` live.
#[must_use]
pub fn url_path(url: &str) -> &str {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("", |slash| &rest[slash..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_removes_separators_and_case() {
        assert_eq!(compact("APT 37"), "apt37");
        assert_eq!(compact("TEMP.Reaper"), "tempreaper");
        assert_eq!(compact("Ｇｒｏｕｐ１２３"), "group123", "NFKC folds full-width forms");
    }

    #[test]
    fn tokens_split_on_separators_and_camel_case() {
        assert_eq!(tokens("APT_NK_Scarcruft_Ruby"), ["apt", "nk", "scarcruft", "ruby"]);
        assert_eq!(tokens("HiddenCobra_Rule_1"), ["hidden", "cobra", "rule", "1"]);
        assert_eq!(tokens("APT37 Group123"), ["apt37", "group123"]);
        assert_eq!(tokens("a.b:c-d e"), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn runs_are_whole_tokens_only() {
        let t = tokens("Ricochet_Chollima_apt37");
        let all: Vec<String> = runs(&t, 3).collect();
        assert!(all.contains(&"ricochetchollima".to_string()));
        assert!(all.contains(&"apt37".to_string()));
        assert!(!all.iter().any(|r| r == "apt3"));
    }

    #[test]
    fn urls_compare_without_scheme_www_and_slash() {
        assert_eq!(url_key("https://www.Example.org/a/"), url_key("http://example.org/a"));
        assert_eq!(
            url_path("https://h.de/media/ThreatReport-Lazarus.pdf"),
            "/media/ThreatReport-Lazarus.pdf"
        );
        assert_eq!(url_path("no-path.example"), "");
    }
}
