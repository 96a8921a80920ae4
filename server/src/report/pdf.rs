//! The month on one printable A4 page: a title, the figures a supervisor answers for,
//! the areas one level down, and the rate over the last twelve months. What the page
//! says comes from `jinlin_shared::report::page`; this module only lays it out, with
//! the pen and the CJK font of `jinlin_print` (embedded as a subset: only the glyphs
//! used; `JINLIN_REPORT_FONT` names another).

use jinlin_print::{ALERT, BAND, BAR, Column, GREEN, INK, MUTED, Pen, PrintFont, RULE, rect};
use jinlin_shared::label::Language;
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::report::page::{SummaryPage, summary_page};
use jinlin_shared::report::tables::Cell;
use jinlin_shared::time::Timestamp;
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;

pub use jinlin_print::PdfError;

/// A4 portrait, in points.
const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 42.0;

/// The page as PDF bytes.
pub fn summary(report: &MonthlyReport, generated_at: Timestamp, language: Language) -> Result<Vec<u8>, PdfError> {
    let font = jinlin_print::font()?;
    let page = summary_page(report, generated_at, language);
    draw(&page, font, language)
}

fn draw(page: &SummaryPage, font: &PrintFont, language: Language) -> Result<Vec<u8>, PdfError> {
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
