//! Output files written whole or not at all: the one atomic writer every secdisc command uses
//! (model files, record files, label rows, reports, CSV side outputs).
//!
//! [`AtomicFile::create`] opens a temporary file in the target's directory; what is written
//! goes there, and [`AtomicFile::commit`] syncs it to disk, gives it ordinary permissions
//! (`rw-r--r--`) and renames it over the target, so a crash, a full disk or a kill leaves
//! either the old file or the new one, never a part. Dropping it uncommitted removes the
//! temporary file. An existing path that is neither a regular file nor a directory
//! (`/dev/null`, `/dev/full`, `/dev/stdout`, a FIFO; see [`writes_in_place`]) is written in
//! place instead: renaming over it would replace the device itself.
//!
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("out.txt");
//! let mut out = secdisc_output::AtomicFile::create(&path)?;
//! out.write_all(b"hello\n")?;
//! assert!(!path.exists(), "nothing under the final name before the commit");
//! out.commit()?;
//! assert_eq!(std::fs::read(&path)?, b"hello\n");
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

mod check;

pub use check::{check_output, same_file, OutputPathError};

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written: a temporary file renamed into place by [`AtomicFile::commit`], or a
/// device or FIFO written in place.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    dest: Dest,
}

#[derive(Debug)]
enum Dest {
    InPlace(File),
    Temp(tempfile::NamedTempFile),
}

impl AtomicFile {
    /// Start writing `path`: a temporary file (`.secdisc-*.tmp`) in the same directory, or
    /// the path itself when [`writes_in_place`] says so.
    ///
    /// # Errors
    /// When the temporary file (or the device) cannot be opened.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let dest = if writes_in_place(path) {
            Dest::InPlace(File::options().write(true).open(path)?)
        } else {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            Dest::Temp(
                tempfile::Builder::new()
                    .prefix(".secdisc-")
                    .suffix(".tmp")
                    .tempfile_in(dir)?,
            )
        };
        Ok(AtomicFile {
            target: path.to_path_buf(),
            dest,
        })
    }

    /// The path the output will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the target is a device or FIFO written in place (no rename on commit).
    pub fn is_in_place(&self) -> bool {
        matches!(self.dest, Dest::InPlace(_))
    }

    /// The open file, for code that writes through `&File` (for example several threads'
    /// buffered writers over one file).
    pub fn file(&self) -> &File {
        match &self.dest {
            Dest::InPlace(f) => f,
            Dest::Temp(t) => t.as_file(),
        }
    }

    /// Sync and rename into place (see the crate docs); a device is only flushed.
    ///
    /// # Errors
    /// When syncing or renaming fails; the temporary file is then removed and the target is
    /// untouched.
    pub fn commit(self) -> io::Result<()> {
        let target = self.target.clone();
        self.commit_as(&target)
    }

    /// As [`AtomicFile::commit`], but rename to `target` instead (for example `OUT.partial`
    /// when the input stopped early). A device is only flushed, whatever `target` is.
    ///
    /// # Errors
    /// As [`AtomicFile::commit`].
    pub fn commit_as(self, target: &Path) -> io::Result<()> {
        match self.dest {
            Dest::InPlace(mut f) => f.flush(),
            Dest::Temp(t) => {
                publish(t.as_file())?;
                t.persist(target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.dest {
            Dest::InPlace(f) => f.write(buf),
            Dest::Temp(t) => t.as_file_mut().write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.dest {
            Dest::InPlace(f) => f.write_all(buf),
            Dest::Temp(t) => t.as_file_mut().write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.dest {
            Dest::InPlace(f) => f.flush(),
            Dest::Temp(t) => t.as_file_mut().flush(),
        }
    }
}

/// Write `bytes` to `path` atomically (see [`AtomicFile`]).
///
/// # Errors
/// As [`AtomicFile::create`], writing, and [`AtomicFile::commit`]; `path` is then untouched.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut out = AtomicFile::create(path)?;
    out.write_all(bytes)?;
    out.commit()
}

/// Whether `path` is an existing output that is written in place instead of replaced: anything
/// that exists and is neither a regular file nor a directory (`/dev/null`, `/dev/full`,
/// `/dev/stdout`, a FIFO). Renaming a temporary file over such a path would replace the device
/// itself (as root) or fail.
pub fn writes_in_place(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Sync a finished temporary file and give it ordinary permissions (`rw-r--r--` on Unix;
/// temporary files are created private) before it is renamed into place.
///
/// # Errors
/// When the permissions cannot be set or the sync fails.
pub fn publish(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"old").unwrap();
        {
            let mut out = AtomicFile::create(&path).unwrap();
            out.write_all(b"new, but never committed").unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn commit_replaces_the_target_with_ordinary_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn commit_as_renames_to_another_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut out = AtomicFile::create(&path).unwrap();
        out.write_all(b"part").unwrap();
        let partial = dir.path().join("out.partial");
        out.commit_as(&partial).unwrap();
        assert!(!path.exists());
        assert_eq!(std::fs::read(&partial).unwrap(), b"part");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place() {
        let null = Path::new("/dev/null");
        assert!(writes_in_place(null));
        let out = AtomicFile::create(null).unwrap();
        assert!(out.is_in_place());
        out.commit().unwrap();
        assert!(null.exists());
        assert!(!writes_in_place(Path::new("/nonexistent/secdisc")));
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out");
        assert!(write_atomically(&path, b"x").is_err());
    }
}
