//! A printed sheet (`jinlin_shared::sheets::Sheet`) laid out on landscape A4 pages: the
//! title and heading on the first, then each table, its header again at the top of
//! every page it runs onto, a cell's text wrapped onto several lines (up to a limit),
//! and the footer and page number on every page.

use jinlin_shared::label::Language;
use jinlin_shared::sheets::{Sheet, SheetTable};
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;

use crate::font::{PdfError, font};
use crate::pen::{BAND, Column, INK, MUTED, Pen, RULE, rect};

/// A4 landscape, in points.
const PAGE: (f32, f32) = (841.89, 595.28);
const MARGIN: f32 = 36.0;
const SIZE: f32 = 8.5;
const LINE: f32 = 11.0;
/// The most lines one cell takes; longer text ends in "…".
const MAX_LINES: usize = 8;

/// The sheet as PDF bytes.
pub fn render(sheet: &Sheet, language: Language) -> Result<Vec<u8>, PdfError> {
    let pen = Pen::new(font()?)?;
    let mut document = Document::new();
    let lang = match language {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    };
    document.set_metadata(
        Metadata::new().title(sheet.title.clone()).language(lang.to_owned()).creator("Jinlin".to_owned()),
    );
    Pages { pen, sheet }.draw(&mut document)?;
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

struct Pages<'a> {
    pen: Pen<'a>,
    sheet: &'a Sheet,
}

/// A table row laid out: each cell's lines, and the row's height.
struct Row {
    cells: Vec<Vec<String>>,
    height: f32,
}

/// One thing drawn on a page, at its top.
enum Item<'r> {
    Title(f32, &'r str),
    Row { y: f32, row: &'r Row, widths: &'r [f32], header: bool },
    Empty(f32, &'r str),
}

/// A table laid out: its column widths, header and rows.
struct Laid<'t> {
    table: &'t SheetTable,
    widths: Vec<f32>,
    header: Row,
    rows: Vec<Row>,
}

impl Pages<'_> {
    fn draw(&self, document: &mut Document) -> Result<(), PdfError> {
        let column = Column { left: MARGIN, width: PAGE.0 - 2.0 * MARGIN };
        let tables: Vec<Laid<'_>> = self
            .sheet
            .tables
            .iter()
            .map(|table| {
                let widths: Vec<f32> = table.shares.iter().map(|share| share * column.width).collect();
                let header = self.layout(&table.headers, &widths);
                let rows = table.rows.iter().map(|cells| self.layout(cells, &widths)).collect();
                Laid { table, widths, header, rows }
            })
            .collect();
        let pages = paginate(&tables, self.heading_height());
        let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or_else(|| PdfError::Write("page size".into()))?;
        for (i, items) in pages.iter().enumerate() {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            if i == 0 {
                self.heading(&mut surface, column);
            }
            for item in items {
                match item {
                    Item::Title(y, text) => self.pen.text(&mut surface, column.left, y + 11.0, 11.0, text, INK),
                    Item::Row { y, row, widths, header } => {
                        self.row(&mut surface, column.left, *y, row, widths, *header)
                    }
                    Item::Empty(y, text) => self.pen.text(&mut surface, column.left + 4.0, y + 10.0, SIZE, text, MUTED),
                }
            }
            self.footer(&mut surface, column, (i + 1, pages.len()));
            surface.finish();
            page.finish();
        }
        Ok(())
    }

    fn heading_height(&self) -> f32 {
        MARGIN + 28.0 + self.sheet.heading.len().div_ceil(2) as f32 * 14.0 + 16.0
    }

    /// The title and the heading's facts, in two columns ([`Self::heading_height`] tall).
    fn heading(&self, surface: &mut Surface<'_>, column: Column) {
        let mut y = MARGIN + 16.0;
        self.pen.text(surface, column.left, y, 16.0, &self.pen.fit(&self.sheet.title, 16.0, column.width), INK);
        y += 12.0;
        let half = column.width / 2.0;
        for (i, (label, value)) in self.sheet.heading.iter().enumerate() {
            let x = column.left + (i % 2) as f32 * half;
            if i % 2 == 0 {
                y += 14.0;
            }
            self.pen.text(surface, x, y, 9.0, label, MUTED);
            let value = self.pen.fit(value, 9.5, half - 90.0);
            self.pen.text(surface, x + 84.0, y, 9.5, &value, INK);
        }
    }

    fn layout(&self, cells: &[String], widths: &[f32]) -> Row {
        let cells: Vec<Vec<String>> =
            cells.iter().zip(widths).map(|(text, w)| self.pen.wrap(text, SIZE, w - 8.0, MAX_LINES)).collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Row { cells, height: lines as f32 * LINE + 6.0 }
    }

    fn row(&self, surface: &mut Surface<'_>, left: f32, y: f32, row: &Row, widths: &[f32], header: bool) {
        let width: f32 = widths.iter().sum();
        if header {
            rect(surface, left, y, width, row.height, Some(BAND), None);
        }
        let mut x = left;
        for (lines, w) in row.cells.iter().zip(widths) {
            for (n, line) in lines.iter().enumerate() {
                self.pen.text(
                    surface,
                    x + 4.0,
                    y + 11.0 + n as f32 * LINE,
                    SIZE,
                    line,
                    if header { MUTED } else { INK },
                );
            }
            rect(surface, x, y, 0.4, row.height, Some(RULE), None);
            x += w;
        }
        rect(surface, x, y, 0.4, row.height, Some(RULE), None);
        rect(surface, left, y + row.height, width, 0.4, Some(RULE), None);
    }

    /// The footer, and the page's number `(n, of)`.
    fn footer(&self, surface: &mut Surface<'_>, column: Column, (n, of): (usize, usize)) {
        let y = PAGE.1 - MARGIN / 2.0;
        self.pen.text(surface, column.left, y, 7.5, &self.pen.fit(&self.sheet.footer, 7.5, column.width - 60.0), MUTED);
        let number = format!("{n} / {of}");
        self.pen.text_right(surface, column.left + column.width, y, 7.5, &number, MUTED);
    }
}

/// Which items go on which page: a table's title stays with its header and first row;
/// a row that does not fit starts a page, which repeats the table's header.
fn paginate<'r>(tables: &'r [Laid<'r>], first_top: f32) -> Vec<Vec<Item<'r>>> {
    let bottom = PAGE.1 - MARGIN;
    let mut pages: Vec<Vec<Item<'r>>> = vec![Vec::new()];
    let mut y = first_top;
    for laid in tables {
        let first = laid.rows.first().map_or(LINE + 6.0, |r| r.height);
        if y + 18.0 + laid.header.height + first > bottom && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = MARGIN;
        }
        let page = pages.last_mut().expect("invariant: there is a page");
        page.push(Item::Title(y, &laid.table.title));
        y += 18.0;
        page.push(Item::Row { y, row: &laid.header, widths: &laid.widths, header: true });
        y += laid.header.height;
        if laid.rows.is_empty() {
            page.push(Item::Empty(y, &laid.table.empty));
            y += LINE + 4.0;
        }
        for row in &laid.rows {
            if y + row.height > bottom {
                pages.push(vec![Item::Row { y: MARGIN, row: &laid.header, widths: &laid.widths, header: true }]);
                y = MARGIN + laid.header.height;
            }
            pages.last_mut().expect("invariant: there is a page").push(Item::Row {
                y,
                row,
                widths: &laid.widths,
                header: false,
            });
            y += row.height;
        }
        y += 14.0;
    }
    pages
}
