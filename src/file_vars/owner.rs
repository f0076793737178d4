//! `owner`: the name of the user owning a file.
//!
//! On Unix the file's uid is looked up in `/etc/passwd`, read once per
//! process and only when a rule reads `owner`. Reading the file instead of
//! calling `getpwuid_r` keeps the crate free of new `unsafe` code; the
//! price is that users known only to a directory service (LDAP, NSS
//! modules) are not named, and show as their numeric uid, as `ls -l` shows
//! an unknown owner. Elsewhere `owner` is empty.

use std::path::Path;

/// Where the user database is read from.
#[cfg(unix)]
const PASSWD: &str = "/etc/passwd";

/// The owner of the file at `path`: a user name, the numeric uid when the
/// user database does not know it, or `""` when the file cannot be
/// examined.
#[must_use]
pub fn of(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).map_or_else(|_| String::new(), |m| user_name(m.uid()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        String::new()
    }
}

/// The name of user `uid`.
#[cfg(unix)]
fn user_name(uid: u32) -> String {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static USERS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    let users = USERS.get_or_init(|| {
        std::fs::read_to_string(PASSWD).map_or_else(|_| HashMap::new(), |t| parse_passwd(&t))
    });
    users.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
}

/// `name:password:uid:...` lines to a uid → name map; the first entry of a
/// uid wins, as with `getpwuid`.
#[cfg(unix)]
fn parse_passwd(text: &str) -> std::collections::HashMap<u32, String> {
    let mut users = std::collections::HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(uid)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(uid) = uid.parse::<u32>() {
            let _ = users.entry(uid).or_insert_with(|| name.to_owned());
        }
    }
    users
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines_map_uids_to_names() {
        let users = parse_passwd(
            "# comment\nroot:x:0:0:root:/root:/bin/sh\nbad line\ntoor:x:0:0::/:/bin/sh\nal:x:1000:1000::/home/al:/bin/sh\n",
        );
        assert_eq!(users.get(&0).map(String::as_str), Some("root"));
        assert_eq!(users.get(&1000).map(String::as_str), Some("al"));
        assert_eq!(users.len(), 2);
    }

    #[test]
    fn a_file_has_an_owner_and_a_missing_one_none() {
        let file = tempfile::NamedTempFile::new().unwrap();
        assert!(!of(file.path()).is_empty());
        assert_eq!(of(Path::new("/nonexistent/spoor")), "");
    }
}
