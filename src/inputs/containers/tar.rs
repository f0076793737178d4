//! tar (POSIX ustar, GNU, PAX) with the `tar` crate, the de-facto Rust tar
//! reader (used by cargo itself); it resolves GNU long names and PAX paths.

use std::io::Read;

use super::{Container, Visit, io_reason, visit_reader};

/// Whether `data` starts with a ustar header (POSIX `ustar\0` or GNU
/// `ustar  `). Pre-POSIX v7 archives have no magic and are not detected.
pub(super) fn is_tar(data: &[u8]) -> bool {
    data.get(257..262) == Some(b"ustar")
}

/// A tar archive in memory.
pub(super) struct Tar<'a> {
    data: &'a [u8],
}

impl<'a> Tar<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl Container for Tar<'_> {
    fn for_each_member(&mut self, visit: &mut Visit<'_>) -> Result<(), String> {
        tar_members(self.data, visit)
    }
}

/// Visits the regular files of the tar stream `reader`; also the members of
/// a compressed tarball, which is one level.
pub(super) fn tar_members<R: Read>(reader: R, visit: &mut Visit<'_>) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|e| io_reason("tar", &e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| io_reason("tar", &e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let size = entry.size();
        if visit_reader(visit, name, size, &mut entry).is_break() {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::ControlFlow;

    #[test]
    fn files_are_listed_and_directories_left_out() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        builder.append_data(&mut header, "dir/", &[][..]).unwrap();
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        builder.append_data(&mut header, "dir/a.txt", &b"hello"[..]).unwrap();
        let data = builder.into_inner().unwrap();
        assert!(is_tar(&data));
        let mut seen = Vec::new();
        Tar::new(&data)
            .for_each_member(&mut |member| {
                let super::super::Body::Reader(reader) = member.body else { panic!() };
                let mut text = String::new();
                reader.read_to_string(&mut text).unwrap();
                seen.push((member.name, text));
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(seen, [("dir/a.txt".to_owned(), "hello".to_owned())]);
    }
}
