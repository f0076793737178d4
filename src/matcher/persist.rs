//! How a [`Matcher`] is stored in a compiled ruleset.
//!
//! What is stored is what is costly to derive: the forms of every pattern,
//! for a regex form the encoded HIRs its automata are compiled from (see
//! `verify.rs`), and the search: every distinct atom with the forms that
//! use it. What is cheap to derive is rebuilt on load: the atom index's
//! tables, from the atoms (see `atom_index.rs`). The automata of regex
//! forms are not rebuilt on load at all, only on a form's first
//! verification, so that a scan pays for the regexes its input exercises,
//! not for all of them.
//!
//! A stored matcher is checked on load: every form belongs to a pattern of
//! the matcher and every pattern's forms exist, so that a forged file
//! cannot make a scan index out of bounds.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::forms::Form;
use super::{Matcher, MatcherLimits, scan};

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.forms, &self.forms_of_pattern, &self.search, &self.limits).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Matcher {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        type Stored = (Vec<Form>, Vec<Vec<usize>>, scan::Search, MatcherLimits);
        let (forms, forms_of_pattern, search, limits) = Stored::deserialize(deserializer)?;
        if forms.iter().any(|form| form.pattern >= forms_of_pattern.len())
            || forms_of_pattern.iter().flatten().any(|&form| form >= forms.len())
            || !search.fits(forms.len())
        {
            return Err(D::Error::custom("forms, patterns and atoms disagree"));
        }
        Ok(Matcher { forms, forms_of_pattern, search, limits })
    }
}
