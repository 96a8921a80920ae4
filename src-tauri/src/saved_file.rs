//! A file saved whole into a folder the user chose (a report, a printed sheet): under
//! its own name, a number added when that name is taken, written beside and renamed so
//! it appears whole or not at all.

use std::path::{Path, PathBuf};

use crate::StationError;

/// Saves `bytes` as `name` in `folder` (made if missing); answers the path it got.
pub(crate) fn save(folder: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, StationError> {
    let failed =
        |e: std::io::Error| StationError::SaveFailed { folder: folder.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(folder).map_err(failed)?;
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    let target = (1..1000)
        .map(|n| match n {
            1 => folder.join(name),
            n => folder.join(format!("{stem} ({n}).{extension}")),
        })
        .find(|path| !path.exists())
        .ok_or_else(|| failed(std::io::Error::other("too many files of that name")))?;
    let partial = folder.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).map_err(failed)?;
    std::fs::rename(&partial, &target).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        failed(e)
    })?;
    Ok(target)
}
