//! Profiles as text for people: `spoor profiles` lists them,
//! `spoor profiles ID` shows one.

use std::fmt::Write as _;

use super::profile::{Profile, Profiles};

/// One line per profile: id, name, ATT&CK id, family count, main aliases.
#[must_use]
pub fn list(profiles: &Profiles) -> String {
    let mut out = String::new();
    for p in profiles.iter() {
        let attack = p.attack_id.as_ref().map_or("-", |a| a.get_ref().as_str());
        let aliases: Vec<&str> = p.aliases.iter().take(4).map(|a| a.get_ref().as_str()).collect();
        let _ = writeln!(
            out,
            "{:<12} {:<12} {:<6} {:>3} families  aka {}",
            p.id(),
            p.name,
            attack,
            p.families.len(),
            aliases.join(", ")
        );
    }
    out
}

/// Everything a profile says, one field per line, families last.
#[must_use]
pub fn describe(p: &Profile) -> String {
    let mut out = String::new();
    let join = |names: &[toml::Spanned<String>]| {
        names.iter().map(|n| n.get_ref().as_str()).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "{} ({})", p.name, p.id());
    if let Some(id) = &p.attack_id {
        let _ = writeln!(out, "ATT&CK:       {}", id.get_ref());
    }
    if let Some(country) = &p.country {
        let _ = writeln!(out, "country:      {country}");
    }
    if let Some(year) = p.first_seen {
        let _ = writeln!(out, "first seen:   {year}");
    }
    if let Some(sponsor) = &p.sponsor {
        let _ = writeln!(out, "sponsor:      {sponsor}");
    }
    let _ = writeln!(out, "aliases:      {}", join(&p.aliases));
    if !p.weak_aliases.is_empty() {
        let _ = writeln!(out, "weak aliases: {}", join(&p.weak_aliases));
    }
    let _ = writeln!(out, "\n{}", p.description.trim());
    if !p.related.is_empty() {
        let _ = writeln!(out, "\nrelated:");
        for r in &p.related {
            let note = r.note.as_deref().unwrap_or("");
            let _ = writeln!(out, "  {:<14} {:?}: {note}", r.id, r.relation);
        }
    }
    let _ = writeln!(out, "\nfamilies:");
    for f in &p.families {
        let mut flags = Vec::new();
        if let Some(id) = &f.attack_id {
            flags.push(id.get_ref().clone());
        }
        if !f.attributes {
            flags.push("does not attribute".into());
        }
        if !f.shared_with.is_empty() {
            flags.push(format!("shared with {}", f.shared_with.join(", ")));
        }
        let flags =
            if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join("; ")) };
        let _ = writeln!(out, "  {:<16} {} ({}){flags}: {}", f.id(), f.name, f.kind, f.description);
    }
    let _ = writeln!(out, "\nreferences:");
    for r in p.references.get_ref() {
        let date = r.published.as_deref().unwrap_or("undated");
        let _ = writeln!(out, "  {} ({date})\n    {}", r.title, r.url);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_a_line_per_profile_and_describe_shows_families() {
        let profiles = Profiles::bundled();
        let text = list(profiles);
        assert_eq!(text.lines().count(), profiles.iter().count());
        assert!(text.lines().any(|l| l.starts_with("scarcruft") && l.contains("G0067")), "{text}");
        let lazarus = describe(profiles.get("lazarus").unwrap());
        assert!(lazarus.contains("opencarrot"), "{lazarus}");
        assert!(
            lazarus.contains("magicrat") && lazarus.contains("shared with andariel"),
            "{lazarus}"
        );
        assert!(
            lazarus.contains("killdisk") && lazarus.contains("does not attribute"),
            "{lazarus}"
        );
    }
}
