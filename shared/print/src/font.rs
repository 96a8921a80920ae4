//! The CJK font every PDF is set in, found once per process: `JINLIN_REPORT_FONT` when
//! set (a `.ttf`, `.otf` or `.ttc`), else the first of the usual places that exists:
//! Debian's `fonts-noto-cjk` or `fonts-wqy-*`, Windows' Microsoft YaHei, SimHei or
//! SimSun (under `%WINDIR%\Fonts`), macOS's PingFang. In a collection the Simplified
//! Chinese face is preferred.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use krilla::text::Font;
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

/// Where a CJK font is looked for on Debian and macOS.
const FONT_PATHS: [&str; 6] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
];

/// The fonts of every Windows with Chinese support, in `%WINDIR%\Fonts`.
const WINDOWS_FONTS: [&str; 4] = ["msyh.ttc", "msyh.ttf", "simhei.ttf", "simsun.ttc"];

/// Why a PDF could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PdfError {
    #[error(
        "the PDF needs a Chinese font and none was found (set JINLIN_REPORT_FONT to a .ttf, .otf or .ttc, or install fonts-noto-cjk)"
    )]
    NoFont,
    #[error("the font {path} could not be used: {reason}")]
    BadFont { path: PathBuf, reason: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// A font that can be measured (skrifa) and embedded (krilla).
#[derive(Debug)]
pub struct PrintFont {
    pub(crate) bytes: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) embedded: Font,
}

/// The places looked in, in order, on a machine whose Windows folder is `windir`.
fn candidates(windir: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = FONT_PATHS.iter().map(PathBuf::from).collect();
    if let Some(windows) = windir {
        paths.extend(WINDOWS_FONTS.iter().map(|name| Path::new(windows).join("Fonts").join(name)));
    }
    paths
}

/// The font, loaded on first use.
pub fn font() -> Result<&'static PrintFont, PdfError> {
    static FONT: OnceLock<Result<PrintFont, PdfError>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = match std::env::var_os("JINLIN_REPORT_FONT") {
            Some(path) => PathBuf::from(path),
            None => candidates(std::env::var_os("WINDIR").as_deref())
                .into_iter()
                .find(|path| path.exists())
                .ok_or(PdfError::NoFont)?,
        };
        load_font(&path)
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn load_font(path: &Path) -> Result<PrintFont, PdfError> {
    let bad = |reason: String| PdfError::BadFont { path: path.to_owned(), reason };
    let bytes = Arc::new(std::fs::read(path).map_err(|e| bad(e.to_string()))?);
    let index = chinese_face(&bytes).ok_or_else(|| bad("no face in it maps Chinese characters".into()))?;
    let embedded = Font::new(bytes.clone().into(), index).ok_or_else(|| bad("krilla cannot read it".into()))?;
    Ok(PrintFont { bytes, index, embedded })
}

/// The face to use: in a collection the Simplified Chinese one ("… SC"), else the
/// first that maps common Chinese characters.
fn chinese_face(bytes: &[u8]) -> Option<u32> {
    let faces: Vec<(u32, FontRef<'_>)> =
        (0..64).map_while(|index| FontRef::from_index(bytes, index).ok().map(|font| (index, font))).collect();
    let maps_chinese = |font: &FontRef<'_>| "月度探访报告".chars().all(|c| font.charmap().map(c).is_some());
    let simplified = |font: &FontRef<'_>| {
        font.localized_strings(StringId::FAMILY_NAME)
            .any(|name| name.chars().collect::<String>().split_whitespace().any(|word| word == "SC"))
    };
    faces
        .iter()
        .find(|(_, font)| simplified(font) && maps_chinese(font))
        .or_else(|| faces.iter().find(|(_, font)| maps_chinese(font)))
        .map(|(index, _)| *index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_windows_pc_is_searched_for_microsoft_yahei_first_among_its_fonts() {
        let windows = std::ffi::OsString::from("C:\\Windows");
        let found = candidates(Some(&windows));
        let first_windows = found.iter().position(|p| p.starts_with("C:\\Windows")).expect("Windows fonts listed");
        assert_eq!(found[first_windows], Path::new("C:\\Windows").join("Fonts").join("msyh.ttc"));
        assert!(candidates(None).iter().all(|p| !p.starts_with("C:\\Windows")), "not looked for elsewhere");
        assert!(candidates(None).iter().any(|p| p.ends_with("NotoSansCJK-Regular.ttc")));
    }
}
