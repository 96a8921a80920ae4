//! Text measured and set in the print font, one glyph per character (right for
//! Chinese, digits and plain Latin labels), and the few shapes and colours pages use.

use std::borrow::Cow;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::font::{PdfError, PrintFont};

/// Measures and sets text in the print font.
#[expect(missing_debug_implementations, reason = "skrifa's FontRef is not Debug; a pen has nothing to show")]
pub struct Pen<'f> {
    font: &'f PrintFont,
    face: FontRef<'f>,
    units_per_em: f32,
}

impl<'f> Pen<'f> {
    pub fn new(font: &'f PrintFont) -> Result<Self, PdfError> {
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

    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(&printable(text)).iter().map(|glyph| glyph.x_advance).sum::<f32>() * size
    }

    /// Draws `text` with its baseline at `y`, starting at `x`.
    pub fn text(&self, surface: &mut Surface<'_>, x: f32, y: f32, size: f32, text: &str, colour: Rgb) {
        surface.set_fill(Some(Fill { paint: paint(colour), ..Fill::default() }));
        let text = printable(text);
        let glyphs = self.glyphs(&text);
        surface.draw_glyphs(Point::from_xy(x, y), &glyphs, self.font.embedded.clone(), &text, size, false);
    }

    pub fn text_right(&self, surface: &mut Surface<'_>, right: f32, y: f32, size: f32, text: &str, colour: Rgb) {
        self.text(surface, right - self.width(text, size), y, size, text, colour);
    }

    /// `text` cut to `width`, ending in "…" when cut. Measured once, glyph by glyph,
    /// so an area named with forty thousand characters costs forty thousand lookups.
    pub fn fit(&self, text: &str, size: f32, width: f32) -> String {
        let mut lines = self.wrap(text, size, width, 1);
        lines.pop().unwrap_or_default()
    }

    /// `text` broken into lines no wider than `width` (at any character: Chinese has no
    /// spaces to break at), at most `max_lines`, the last ending in "…" when cut.
    pub fn wrap(&self, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let text = printable(text);
        let glyphs = self.glyphs(&text);
        let mut lines = Vec::new();
        let (mut start, mut used) = (0, 0.0);
        for glyph in &glyphs {
            let advance = glyph.x_advance * size;
            if used + advance > width && glyph.text_range.start > start {
                lines.push((start, glyph.text_range.start));
                start = glyph.text_range.start;
                used = 0.0;
            }
            used += advance;
        }
        if start < text.len() || lines.is_empty() {
            lines.push((start, text.len()));
        }
        let cut = lines.len() > max_lines.max(1);
        lines.truncate(max_lines.max(1));
        let mut out: Vec<String> = lines.iter().map(|(a, b)| text[*a..*b].to_owned()).collect();
        if cut && let Some(last) = out.last_mut() {
            let room = width - self.width("…", size);
            while !last.is_empty() && self.width(last, size) > room {
                last.pop();
            }
            last.push('…');
        }
        out
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
pub type Rgb = (u8, u8, u8);

fn paint((r, g, b): Rgb) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

pub const INK: Rgb = (0x1B, 0x1F, 0x23);
pub const MUTED: Rgb = (0x4A, 0x55, 0x60);
pub const ALERT: Rgb = (0xB0, 0x1E, 0x1E);
pub const GREEN: Rgb = (0x2E, 0x7D, 0x32);
pub const BAR: Rgb = (0x45, 0x6B, 0x8C);
pub const RULE: Rgb = (0xC8, 0xCE, 0xD4);
pub const BAND: Rgb = (0xF1, 0xF4, 0xF6);

/// A page's text column: its left edge and width.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub left: f32,
    pub width: f32,
}

pub fn rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<Rgb>) {
    let Some(area) = Rect::from_xywh(x, y, w.max(0.01), h.max(0.01)) else { return };
    let mut builder = PathBuilder::new();
    builder.push_rect(area);
    let Some(path) = builder.finish() else { return };
    surface.set_fill(fill.map(|colour| Fill { paint: paint(colour), ..Fill::default() }));
    surface.set_stroke(stroke.map(|colour| Stroke { paint: paint(colour), width: 0.6, ..Stroke::default() }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}
