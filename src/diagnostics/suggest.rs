//! "Did you mean ...?": the known name closest to a misspelt one.
//!
//! Closeness is the Jaro-Winkler similarity (it rewards a shared prefix,
//! which is how field names of one module resemble each other), with a
//! floor so that a name with no plausible twin gets no suggestion rather
//! than a random one.

/// Below this similarity a candidate is not offered.
const THRESHOLD: f64 = 0.8;

/// The candidate most like `name`, if one is like it enough (and is not
/// `name` itself).
#[must_use]
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name && !c.is_empty())
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` for a message, or nothing.
#[must_use]
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, prefix: &str) -> String {
    did_you_mean(name, candidates)
        .map(|c| format!("did you mean `{prefix}{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_offered_and_distant_ones_are_not() {
        let fields = ["number_of_sections", "number_of_symbols", "entry_point", "machine"];
        assert_eq!(did_you_mean("number_of_section", fields), Some("number_of_sections"));
        assert_eq!(did_you_mean("entrypoint", fields), Some("entry_point"));
        assert_eq!(did_you_mean("zzz", fields), None);
        assert_eq!(did_you_mean("machine", fields), None, "a name is not its own suggestion");
        assert_eq!(hint("machin", fields, "pe."), "did you mean `pe.machine`?");
    }
}
