//! CSV tables and plain lists of indicators: one indicator a line, the
//! value in the first field, optional `type`, `actor` and `family`
//! columns when the first line is a header naming them. Without a header
//! a hex value of 32, 40 or 64 digits is a hash and anything else text.
//! `#` starts a comment line. Fields are split on `,` (quoted fields with
//! `""` escapes are read as CSV writes them).

use super::{Indicator, Kind};

/// Header names of the value column.
const VALUE_COLUMNS: &[&str] = &["value", "indicator", "ioc", "hash"];

/// The indicators of a table or list.
#[must_use]
pub fn read(text: &str) -> Vec<Indicator> {
    let mut lines =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).peekable();
    let header: Option<Vec<String>> = lines.peek().map(|l| fields(l)).and_then(|first| {
        let lower: Vec<String> = first.iter().map(|f| f.to_ascii_lowercase()).collect();
        lower.iter().any(|f| VALUE_COLUMNS.contains(&f.as_str())).then_some(lower)
    });
    if header.is_some() {
        let _ = lines.next();
    }
    let column = |name: &[&str]| {
        header.as_ref().and_then(|h| h.iter().position(|f| name.contains(&f.as_str())))
    };
    let value_at = column(VALUE_COLUMNS).unwrap_or(0);
    let type_at = column(&["type"]);
    let actor_at = column(&["actor", "threat_actor", "group"]);
    let family_at = column(&["family", "malware"]);
    let mut out = Vec::new();
    for line in lines {
        let row = fields(line);
        let Some(value) = row.get(value_at).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let declared = type_at.and_then(|i| row.get(i)).map(|t| t.to_ascii_lowercase());
        let kind = match declared.as_deref() {
            Some("filename" | "file_name" | "file name") => Kind::FileName,
            Some("md5" | "sha1" | "sha256") | None => Kind::of_hex(value).unwrap_or(Kind::Text),
            Some(_) => Kind::Text,
        };
        let mut indicator = Indicator::new(kind, value);
        indicator
            .actors
            .extend(actor_at.and_then(|i| row.get(i)).filter(|a| !a.is_empty()).cloned());
        indicator
            .families
            .extend(family_at.and_then(|i| row.get(i)).filter(|f| !f.is_empty()).cloned());
        out.push(indicator);
    }
    out
}

/// The fields of one CSV line.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                let _ = chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(c),
        }
    }
    out.push(current.trim().to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_with_headers_and_plain_lists() {
        let sha = "c".repeat(64);
        let table = format!(
            "type,value,actor,family\nsha256,{sha},APT37,RokRAT\nmutex,\"Global\\\\a,b\",,\n"
        );
        let got = read(&table);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].kind, got[0].actors.as_slice()),
            (Kind::Sha256, ["APT37".to_string()].as_slice())
        );
        assert_eq!((got[1].kind, got[1].value.as_str()), (Kind::Text, "Global\\\\a,b"));
        let plain = read(&format!("# list\n{}\nevil.example.com\n", "D".repeat(32)));
        assert_eq!((plain[0].kind, plain[0].value.as_str()), (Kind::Md5, "d".repeat(32).as_str()));
        assert_eq!(plain[1].kind, Kind::Text);
    }
}
