//! Files with personal data or keys, private from the first byte (spec/issuer.md §Personal
//! data at rest): directories are created 0700 and files 0600 by the `open`/`mkdir` call
//! itself — never created with the umask's mode and narrowed afterwards, which leaves a window
//! in which another local user can open them. At start-up [`check`] refuses private keys that
//! others can read and warns loudly about a data directory or database that they can.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Create `dir` and its missing parents with mode 0700 (an existing directory is left as it
/// is; [`check`] reports it).
pub fn create_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    Ok(())
}

/// Write `bytes` to a new or truncated file created with mode 0600.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Create (or truncate) `path` for writing, mode 0600 before any byte is written: a new file
/// is created with that mode, an existing one is emptied and then narrowed to it.
pub fn create(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// Create an empty file with mode 0600 unless it exists (the SQLite database before SQLite
/// opens it: SQLite gives its `-wal` and `-shm` files the database file's mode).
pub fn touch(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The permission bits others (group, world) have on `path`, if any.
pub fn open_to_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o077 != 0).then_some(mode & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Start-up check: a private key or secret that others can read is refused; a data directory
/// or database file that others can read is reported loudly on stderr and in the log.
pub fn check(private_keys: &[&Path], data: &[&Path]) -> Result<()> {
    for p in private_keys {
        if let Some(mode) = open_to_others(p) {
            return Err(Error::Config(format!(
                "{} has mode {mode:o}: private keys must not be readable by others \
                 (chmod 600 it, and 700 its directory)",
                p.display()
            )));
        }
    }
    for p in data {
        if let Some(mode) = open_to_others(p) {
            eprintln!(
                "WARNING: {} has mode {mode:o}: it holds personal data and should be private \
                 (chmod 700 for the directory, 600 for files)",
                p.display()
            );
            tracing::warn!(path = %p.display(), mode = format!("{mode:o}"), "personal data readable by others");
        }
    }
    Ok(())
}
