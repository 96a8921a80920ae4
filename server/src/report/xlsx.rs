//! The report as an Excel workbook: a sheet per section with a bold, frozen header
//! row, columns wide enough for their text (Chinese characters count double), rates
//! as percentages and times as Excel dates; the summary sheet begins with the area,
//! the month and when the report was made.
//!
//! No one row can make the workbook fail: text longer than a cell holds is cut, a
//! date Excel cannot show is written as text, and control characters are left to
//! rust_xlsxwriter, which writes C0 controls and U+FFFE/U+FFFF as Excel's `_xHHHH_`
//! escapes (valid XML that Excel and calamine read back as the character).

use std::borrow::Cow;

use jinlin_shared::label::Language;
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::report::tables::{Cell, Table, heading, tables};
use jinlin_shared::time::Timestamp;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// Column widths are clamped to this many character widths.
const WIDTHS: (usize, usize) = (6, 48);

/// The most a cell holds: 32,767 characters, counted in UTF-16 units as Excel and
/// rust_xlsxwriter count them.
pub const CELL_LIMIT: usize = 32_767;

/// The workbook's bytes.
pub fn workbook(report: &MonthlyReport, generated_at: Timestamp, language: Language) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let styles = Styles::new();
    for (index, table) in tables(report, language).iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(&table.title)?;
        let mut first_row = 0;
        if index == 0 {
            for (label, value) in heading(report, generated_at, language) {
                sheet.write_string_with_format(first_row, 0, fit_cell(&label), &styles.label)?;
                sheet.write_string(first_row, 1, fit_cell(&value))?;
                first_row += 1;
            }
            first_row += 1;
        }
        write_table(sheet, table, first_row, &styles)?;
    }
    book.save_to_buffer()
}

struct Styles {
    header: Format,
    label: Format,
    rate: Format,
    date: Format,
    time: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold().set_background_color(Color::RGB(0xE8F5E9)).set_text_wrap(),
            label: Format::new().set_bold(),
            rate: Format::new().set_num_format("0.0%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        }
    }
}

fn write_table(sheet: &mut Worksheet, table: &Table, first_row: u32, styles: &Styles) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = table.headers.iter().map(|h| display_width(h)).collect();
    for (col, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(first_row, column(col), fit_cell(header), &styles.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let at = first_row + 1 + u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.iter().enumerate() {
            let c = column(col);
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(at, c, fit_cell(text))?;
                }
                Cell::Count(n) => {
                    // Counts of people and days: well within f64's exact integers.
                    sheet.write_number(at, c, *n as f64)?;
                }
                Cell::Rate(Some(rate)) => {
                    sheet.write_number_with_format(at, c, *rate, &styles.rate)?;
                }
                // Excel has no dates before 1900 or after 9999; a date typed that far
                // off is shown as text rather than failing the workbook.
                Cell::Date(Some(date)) => match excel_date(*date) {
                    Ok(when) => {
                        sheet.write_datetime_with_format(at, c, when, &styles.date)?;
                    }
                    Err(_) => {
                        sheet.write_string(at, c, cell.text())?;
                    }
                },
                Cell::Time(Some(instant)) => {
                    let local = instant.to_shanghai().naive_local();
                    let when = excel_date(local.date()).and_then(|day| {
                        day.and_hms(
                            u16::try_from(chrono::Timelike::hour(&local)).unwrap_or(0),
                            u8::try_from(chrono::Timelike::minute(&local)).unwrap_or(0),
                            0,
                        )
                    });
                    match when {
                        Ok(when) => sheet.write_datetime_with_format(at, c, when, &styles.time)?,
                        Err(_) => sheet.write_string(at, c, cell.text())?,
                    };
                }
                Cell::Rate(None) | Cell::Date(None) | Cell::Time(None) => {}
            }
            if let Some(width) = widths.get_mut(col) {
                *width = (*width).max(display_width(&cell.text()));
            }
        }
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(column(col), (*width).clamp(WIDTHS.0, WIDTHS.1) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(first_row + 1, 0)?;
    Ok(())
}

fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

fn excel_date(date: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike as _;
    let year = u16::try_from(date.year()).map_err(|_| XlsxError::ParameterError(format!("year of {date}")))?;
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

/// `text` as a cell holds it: cut to [`CELL_LIMIT`] with "…" at the end when longer.
/// Excel refuses a longer cell and rust_xlsxwriter errors, so one elder's
/// 40,000-character address made the workbook of their street and city fail for
/// everyone; the JSON and CSV keep the whole text.
pub fn fit_cell(text: &str) -> Cow<'_, str> {
    // Cheap test first: UTF-8 is never shorter in bytes than UTF-16 in units.
    if text.len() <= CELL_LIMIT || text.encode_utf16().count() <= CELL_LIMIT {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    // Room for the ellipsis, itself one unit.
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > CELL_LIMIT - 1
        })
        .map_or(text.len(), |(at, _)| at);
    Cow::Owned(format!("{}…", &text[..end]))
}

/// How many narrow characters wide a text is: CJK and other wide characters count two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_a_cell_is_kept_and_longer_text_is_cut_with_an_ellipsis() {
        let fits = "住".repeat(CELL_LIMIT);
        assert!(matches!(fit_cell(&fits), Cow::Borrowed(_)));
        let cut = fit_cell(&"住".repeat(40_000)).into_owned();
        assert_eq!(cut.encode_utf16().count(), CELL_LIMIT);
        assert!(cut.ends_with("住…"));
    }

    #[test]
    fn a_cut_never_splits_a_character_of_two_utf16_units() {
        // 𠀀 is two UTF-16 units: after "a", the last one that would fit only by half
        // is left out, and the cell is one unit short of full.
        let cut = fit_cell(&format!("a{}", "𠀀".repeat(20_000))).into_owned();
        assert_eq!(cut.encode_utf16().count(), CELL_LIMIT - 1);
        assert_eq!(cut.chars().filter(|&c| c == '𠀀').count(), (CELL_LIMIT - 3) / 2);
    }
}
