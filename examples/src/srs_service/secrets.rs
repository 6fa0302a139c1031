//! The secrets file, in postsrsd's format: one secret a line; the first signs, every one
//! verifies. Blank lines and whitespace around a secret are ignored.

use std::fmt;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a secrets file cannot be used.
#[derive(Debug)]
pub enum SecretsError {
    /// The file cannot be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The path names something other than a regular file.
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// Group or others may read the file.
    Readable {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file holds no secret.
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for SecretsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => {
                write!(f, "secrets file {}: {error}", path.display())
            }
            Self::NotAFile { path } => {
                write!(f, "secrets file {}: not a regular file", path.display())
            }
            Self::Readable { path, mode } => write!(
                f,
                "secrets file {} is readable by group or others (mode {mode:04o}); \
                 make it private with `chmod 600`",
                path.display()
            ),
            Self::Empty { path } => write!(
                f,
                "secrets file {} holds no secret (one secret a line, the first signs)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SecretsError {}

/// The longest secrets file read (a file of a million secrets is a mistake).
pub const MAX_FILE: u64 = 1024 * 1024;

/// Read the secrets of the file at `path`, refusing a file that group or others may read.
///
/// # Errors
///
/// A [`SecretsError`] when the file is missing or unreadable, not a regular file,
/// readable by group or others, or holds no secret.
pub fn load(path: &Path) -> Result<Vec<Vec<u8>>, SecretsError> {
    let io_err = |error| SecretsError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    // Judge the file that was opened, not whatever the path names a moment later.
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(SecretsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o044 != 0 {
        return Err(SecretsError::Readable {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut contents = Vec::new();
    file.take(MAX_FILE)
        .read_to_end(&mut contents)
        .map_err(io_err)?;
    let secrets = parse(&contents);
    if secrets.is_empty() {
        return Err(SecretsError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(secrets)
}

/// The secrets of a file's contents, in order: every line with its surrounding ASCII
/// whitespace (and a CR) removed, blank lines skipped.
pub fn parse(contents: &[u8]) -> Vec<Vec<u8>> {
    contents
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            parse(b"\n  new s3cret \r\n\n\told\n\r\n"),
            vec![b"new s3cret".to_vec(), b"old".to_vec()]
        );
        assert!(parse(b" \n\r\n\t").is_empty());
        assert_eq!(parse(b"one"), vec![b"one".to_vec()]);
    }

    #[test]
    fn files() {
        let dir = std::env::temp_dir().join(format!("hostkit-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        let missing = load(&dir.join("none")).unwrap_err();
        assert!(matches!(missing, SecretsError::Io { .. }), "{missing}");
        assert!(matches!(load(&dir), Err(SecretsError::NotAFile { .. })));
        std::fs::write(&path, b"a\nb\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = load(&path).unwrap_err();
        assert!(e.to_string().contains("mode 0640"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
        assert!(matches!(load(&path), Err(SecretsError::Readable { .. })));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(load(&path).unwrap(), vec![b"a".to_vec(), b"b".to_vec()]);
        std::fs::write(&path, b"\n \n").unwrap();
        assert!(matches!(load(&path), Err(SecretsError::Empty { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
