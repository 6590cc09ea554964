//! Checking an output path before a run starts: its folder exists and takes new files, it is
//! not a folder itself, and it is none of the run's input files (compared as files, by device
//! and inode, not by name), so a long run cannot fail at its end or overwrite what it reads.

use std::path::{Path, PathBuf};

/// Why an output path is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputPathError {
    /// The output's folder does not exist.
    #[error("cannot write {}: directory {} does not exist", path.display(), dir.display())]
    NoDirectory {
        /// The output.
        path: PathBuf,
        /// Its folder.
        dir: PathBuf,
    },
    /// The output's "folder" is a file.
    #[error("cannot write {}: {} is not a directory", path.display(), dir.display())]
    NotADirectory {
        /// The output.
        path: PathBuf,
        /// What should be its folder.
        dir: PathBuf,
    },
    /// The output is a folder.
    #[error("cannot write {}: it is a directory; name a file inside it", path.display())]
    IsDirectory {
        /// The output.
        path: PathBuf,
    },
    /// No file can be created in the output's folder.
    #[error("cannot write {}: cannot create files in {} ({kind}); choose another output location", path.display(), dir.display())]
    NotWritable {
        /// The output.
        path: PathBuf,
        /// Its folder.
        dir: PathBuf,
        /// What the OS said.
        kind: std::io::ErrorKind,
    },
    /// The output is one of the run's inputs: writing it would destroy what is being read.
    #[error("cannot write {}: it is the same file as the input {}; write the output to another file", path.display(), input.display())]
    SameAsInput {
        /// The output.
        path: PathBuf,
        /// The input it would overwrite.
        input: PathBuf,
    },
}

/// Whether `a` and `b` name the same existing file (same device and inode; on other systems,
/// the same canonical path). `false` when either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Check that `path` can be written (see the module docs) and is none of `inputs`. `-`
/// (standard output) always passes; a device such as `/dev/null` passes unless it is an input.
///
/// # Errors
/// An [`OutputPathError`] naming the output and what is wrong with it.
pub fn check_output(path: &Path, inputs: &[&Path]) -> Result<(), OutputPathError> {
    if path == Path::new("-") {
        return Ok(());
    }
    if let Some(input) = inputs
        .iter()
        .find(|i| **i != Path::new("-") && same_file(path, i))
    {
        return Err(OutputPathError::SameAsInput {
            path: path.to_path_buf(),
            input: input.to_path_buf(),
        });
    }
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let (path, dir) = (path.to_path_buf(), dir);
        return Err(if dir.exists() {
            OutputPathError::NotADirectory { path, dir }
        } else {
            OutputPathError::NoDirectory { path, dir }
        });
    }
    if path.is_dir() {
        return Err(OutputPathError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if crate::writes_in_place(path) {
        return Ok(());
    }
    // Outputs are written as a temporary file next to `path`, renamed at the end: make sure
    // one can be created now rather than after a long run.
    match tempfile::Builder::new()
        .prefix(".secdisc-probe-")
        .tempfile_in(&dir)
    {
        Ok(_) => Ok(()),
        Err(e) => Err(OutputPathError::NotWritable {
            path: path.to_path_buf(),
            dir,
            kind: e.kind(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_input_under_any_name_and_bad_folders() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let other_name = dir.path().join(".").join("in.jsonl");
        let e = check_output(&other_name, &[Path::new("-"), &input]).unwrap_err();
        assert!(matches!(e, OutputPathError::SameAsInput { .. }), "{e}");
        assert!(e.to_string().contains("same file as the input"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(check_output(&link, &[&input]).is_err());
            let hard = dir.path().join("hard.jsonl");
            std::fs::hard_link(&input, &hard).unwrap();
            assert!(check_output(&hard, &[&input]).is_err());
        }
        check_output(&dir.path().join("out.jsonl"), &[&input]).unwrap();
        check_output(&input, &[]).unwrap();
        check_output(Path::new("-"), &[Path::new("-")]).unwrap();
        let e = check_output(&dir.path().join("no/out.jsonl"), &[]).unwrap_err();
        assert!(matches!(e, OutputPathError::NoDirectory { .. }), "{e}");
        let e = check_output(&input.join("out.jsonl"), &[]).unwrap_err();
        assert!(matches!(e, OutputPathError::NotADirectory { .. }), "{e}");
        let e = check_output(dir.path(), &[]).unwrap_err();
        assert!(matches!(e, OutputPathError::IsDirectory { .. }), "{e}");
    }
}
