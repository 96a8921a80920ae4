//! The month on one printable A4 page: a title, the figures a supervisor answers for,
//! the areas one level down, and the rate over the last twelve months. What the page
//! says comes from `jinlin_shared::report::page`; this module only lays it out.
//!
//! Chinese text needs a CJK font, embedded as a subset (only the glyphs used). The font
//! is `JINLIN_REPORT_FONT` when set (a `.ttf`, `.otf` or `.ttc`), else the first of
//! the usual Debian paths that exists (`fonts-noto-cjk`, `fonts-wqy-microhei`). In a
//! collection the Simplified Chinese face is preferred.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jinlin_shared::label::Language;
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::report::page::{SummaryPage, summary_page};
use jinlin_shared::report::tables::Cell;
use jinlin_shared::time::Timestamp;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

/// Where a CJK font is looked for when `JINLIN_REPORT_FONT` is not set.
const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// A4 portrait, in points.
const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 42.0;

/// Why the PDF could not be made.
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

/// The page as PDF bytes.
pub fn summary(report: &MonthlyReport, generated_at: Timestamp, language: Language) -> Result<Vec<u8>, PdfError> {
    let font = report_font()?;
    let page = summary_page(report, generated_at, language);
    draw(&page, font, language)
}

/// A font that can be measured (skrifa) and embedded (krilla).
#[derive(Debug)]
struct ReportFont {
    bytes: Arc<Vec<u8>>,
    index: u32,
    embedded: Font,
}

fn report_font() -> Result<&'static ReportFont, PdfError> {
    static FONT: OnceLock<Result<ReportFont, PdfError>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = match std::env::var_os("JINLIN_REPORT_FONT") {
            Some(path) => PathBuf::from(path),
            None => FONT_PATHS.iter().map(PathBuf::from).find(|path| path.exists()).ok_or(PdfError::NoFont)?,
        };
        load_font(&path)
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn load_font(path: &Path) -> Result<ReportFont, PdfError> {
    let bad = |reason: String| PdfError::BadFont { path: path.to_owned(), reason };
    let bytes = Arc::new(std::fs::read(path).map_err(|e| bad(e.to_string()))?);
    let index = chinese_face(&bytes).ok_or_else(|| bad("no face in it maps Chinese characters".into()))?;
    let embedded = Font::new(bytes.clone().into(), index).ok_or_else(|| bad("krilla cannot read it".into()))?;
    Ok(ReportFont { bytes, index, embedded })
}

/// The face to use: in a collection the Simplified Chinese one ("… SC"), else the
/// first that maps the characters of the page's Chinese labels.
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

/// Measures and shapes text with the report font: one glyph per character, which is
/// right for Chinese, digits and plain Latin labels.
struct Pen<'f> {
    font: &'f ReportFont,
    face: FontRef<'f>,
    units_per_em: f32,
}

impl<'f> Pen<'f> {
    fn new(font: &'f ReportFont) -> Result<Self, PdfError> {
        let face = FontRef::from_index(&font.bytes, font.index).map_err(|e| PdfError::Write(e.to_string()))?;
        let units_per_em = f32::from(face.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        Ok(Self { font, face, units_per_em })
    }

    /// The glyphs of `text`, which [`printable`] has already cleaned.
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let charmap = self.face.charmap();
        let metrics = self.face.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(at, c)| {
                // A character the font lacks (an emoji, a rare character) is drawn as
                // its .notdef box, which shows the reader something is there; the
                // page is made all the same.
                let glyph = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(GlyphId::new(glyph.to_u32()), advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(&printable(text)).iter().map(|glyph| glyph.x_advance).sum::<f32>() * size
    }

    /// Draws `text` with its baseline at `y`, starting at `x`.
    fn text(&self, surface: &mut Surface<'_>, x: f32, y: f32, size: f32, text: &str, colour: Rgb) {
        surface.set_fill(Some(Fill { paint: paint(colour), ..Fill::default() }));
        let text = printable(text);
        let glyphs = self.glyphs(&text);
        surface.draw_glyphs(Point::from_xy(x, y), &glyphs, self.font.embedded.clone(), &text, size, false);
    }

    fn text_right(&self, surface: &mut Surface<'_>, right: f32, y: f32, size: f32, text: &str, colour: Rgb) {
        self.text(surface, right - self.width(text, size), y, size, text, colour);
    }

    /// `text` cut to `width`, ending in "…" when cut. Measured once, glyph by glyph,
    /// so an area named with forty thousand characters costs forty thousand lookups.
    fn fit(&self, text: &str, size: f32, width: f32) -> String {
        let text = printable(text);
        let glyphs = self.glyphs(&text);
        if glyphs.iter().map(|glyph| glyph.x_advance).sum::<f32>() * size <= width {
            return text.into_owned();
        }
        let room = width - self.width("…", size);
        let mut used = 0.0;
        let mut end = 0;
        for glyph in &glyphs {
            used += glyph.x_advance * size;
            if used > room {
                break;
            }
            end = glyph.text_range.end;
        }
        format!("{}…", &text[..end])
    }
}

/// `text` without control characters (a NUL, a tab, a line break typed into a
/// name): they have no glyph and nothing to show on one line.
fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(text.chars().filter(|c| !c.is_control()).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// A colour as red, green, blue.
type Rgb = (u8, u8, u8);

fn paint((r, g, b): Rgb) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

const INK: Rgb = (0x1B, 0x1F, 0x23);
const MUTED: Rgb = (0x4A, 0x55, 0x60);
const ALERT: Rgb = (0xB0, 0x1E, 0x1E);
const GREEN: Rgb = (0x2E, 0x7D, 0x32);
const BAR: Rgb = (0x45, 0x6B, 0x8C);
const RULE: Rgb = (0xC8, 0xCE, 0xD4);
const BAND: Rgb = (0xF1, 0xF4, 0xF6);

fn rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<Rgb>) {
    let Some(area) = Rect::from_xywh(x, y, w.max(0.01), h.max(0.01)) else { return };
    let mut builder = PathBuilder::new();
    builder.push_rect(area);
    let Some(path) = builder.finish() else { return };
    surface.set_fill(fill.map(|colour| Fill { paint: paint(colour), ..Fill::default() }));
    surface.set_stroke(stroke.map(|colour| Stroke { paint: paint(colour), width: 0.6, ..Stroke::default() }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

fn draw(page: &SummaryPage, font: &ReportFont, language: Language) -> Result<Vec<u8>, PdfError> {
    let pen = Pen::new(font)?;
    let mut document = Document::new();
    let lang = match language {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    };
    document
        .set_metadata(Metadata::new().title(page.title.clone()).language(lang.to_owned()).creator("Jinlin".to_owned()));
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut pdf_page = document.start_page_with(settings);
    let mut surface = pdf_page.surface();
    let column = Column { left: MARGIN, width: PAGE.0 - 2.0 * MARGIN };
    let y = heading(&mut surface, &pen, page, language, column);
    let y = figures(&mut surface, &pen, page, column, y);
    let y = area_table(&mut surface, &pen, page, column, y);
    trend(&mut surface, &pen, page, column, y);

    let footer = pen.fit(&page.footer, 7.5, column.width);
    pen.text(&mut surface, column.left, PAGE.1 - MARGIN / 2.0, 7.5, &footer, MUTED);
    surface.finish();
    pdf_page.finish();
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The page's text column: its left edge and width.
#[derive(Clone, Copy)]
struct Column {
    left: f32,
    width: f32,
}

/// The title and the heading lines; returns where the next part starts.
fn heading(surface: &mut Surface<'_>, pen: &Pen<'_>, page: &SummaryPage, language: Language, column: Column) -> f32 {
    let Column { left, width } = column;
    let mut y = MARGIN + 18.0;
    pen.text(surface, left, y, 18.0, &pen.fit(&page.title, 18.0, width), INK);
    y += 20.0;
    for (label, value) in &page.heading {
        let line = match language {
            Language::ZhCn => format!("{label}：{value}"),
            Language::En => format!("{label}: {value}"),
        };
        pen.text(surface, left, y, 9.0, &pen.fit(&line, 9.0, width), MUTED);
        y += 12.5;
    }
    y += 6.0;
    y
}

/// The figures: rows of five boxes, those asking for attention in red.
fn figures(surface: &mut Surface<'_>, pen: &Pen<'_>, page: &SummaryPage, column: Column, mut y: f32) -> f32 {
    let Column { left, width } = column;
    let columns = 5;
    let gap = 6.0;
    let box_w = (width - gap * (columns as f32 - 1.0)) / columns as f32;
    let box_h = 46.0;
    for (i, figure) in page.figures.iter().enumerate() {
        let x = left + (i % columns) as f32 * (box_w + gap);
        let top = y + (i / columns) as f32 * (box_h + gap);
        rect(surface, x, top, box_w, box_h, Some(BAND), None);
        let colour = if figure.alert { ALERT } else { INK };
        pen.text(surface, x + 6.0, top + 22.0, 15.0, &figure.value, colour);
        // A long label is set smaller (down to 6 pt) before it is cut.
        let room = box_w - 10.0;
        let size = (7.5 * room / pen.width(&figure.label, 7.5).max(room)).max(6.0);
        pen.text(surface, x + 6.0, top + 37.0, size, &pen.fit(&figure.label, size, room), MUTED);
    }
    let figure_rows = page.figures.len().div_ceil(columns);
    y += figure_rows as f32 * (box_h + gap) + 12.0;
    y
}

/// The areas one level down, a row each.
fn area_table(surface: &mut Surface<'_>, pen: &Pen<'_>, page: &SummaryPage, column: Column, mut y: f32) -> f32 {
    let Column { left, width } = column;
    pen.text(surface, left, y, 11.0, &page.table_title, INK);
    y += 8.0;
    let widths = [0.34, 0.12, 0.12, 0.14, 0.14, 0.14].map(|share: f32| share * width);
    let row_h = 13.0;
    let header_y = y;
    rect(surface, left, header_y, width, row_h, Some(BAND), None);
    // Each cell: its text, right-aligned when a number, red when it asks for attention.
    let cells = |surface: &mut Surface<'_>, top: f32, cells: Vec<(String, bool, bool)>| {
        let mut x = left;
        for (column, (text, numeric, alert)) in cells.into_iter().enumerate() {
            let w = widths[column];
            let text = pen.fit(&text, 8.5, w - 8.0);
            let colour = if alert { ALERT } else { INK };
            if numeric {
                pen.text_right(surface, x + w - 4.0, top + 9.5, 8.5, &text, colour);
            } else {
                pen.text(surface, x + 4.0, top + 9.5, 8.5, &text, colour);
            }
            x += w;
        }
    };
    cells(surface, header_y, page.headers.iter().enumerate().map(|(i, h)| (h.clone(), i > 0, false)).collect());
    y += row_h;
    for row in &page.rows {
        let texts = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let alert = match cell {
                    Cell::Rate(Some(rate)) => i == 3 && *rate < 1.0,
                    Cell::Count(n) => i == 5 && *n > 0,
                    _ => false,
                };
                (cell.text(), i > 0, alert)
            })
            .collect();
        cells(surface, y, texts);
        rect(surface, left, y + row_h, width, 0.4, Some(RULE), None);
        y += row_h;
    }
    if let Some(omitted) = &page.omitted {
        y += 4.0;
        pen.text(surface, left, y + 8.0, 8.0, omitted, MUTED);
        y += 10.0;
    }
    y += 18.0;
    y
}

/// The trend: a bar per month, its rate above it.
fn trend(surface: &mut Surface<'_>, pen: &Pen<'_>, page: &SummaryPage, column: Column, mut y: f32) {
    let Column { left, width } = column;
    pen.text(surface, left, y, 11.0, &page.trend_title, INK);
    y += 10.0;
    let chart_h = 90.0;
    let base = y + chart_h + 14.0;
    let slot = width / page.trend.len().max(1) as f32;
    rect(surface, left, base, width, 0.6, Some(RULE), None);
    for (i, (label, rate)) in page.trend.iter().enumerate() {
        let x = left + i as f32 * slot;
        let bar_w = slot * 0.6;
        let centre = x + slot / 2.0;
        if let Some(rate) = rate {
            let h = (rate.clamp(0.0, 1.0) as f32) * chart_h;
            let colour = if *rate < 1.0 { BAR } else { GREEN };
            rect(surface, centre - bar_w / 2.0, base - h, bar_w, h, Some(colour), None);
            let value = Cell::Rate(Some(*rate)).text();
            pen.text(surface, centre - pen.width(&value, 7.0) / 2.0, base - h - 3.0, 7.0, &value, INK);
        }
        pen.text(surface, centre - pen.width(label, 8.0) / 2.0, base + 11.0, 8.0, label, MUTED);
    }
}
