//! A roster file's bytes read into a sheet of text cells: XLSX (its first worksheet,
//! through calamine) or CSV in UTF-8, UTF-8 with a byte-order mark, or GB18030 (which
//! GBK is part of; detected, since Excel on a Chinese Windows saves CSV in it).
//!
//! Bounded before anything grows: the file's size, every XLSX entry's inflated size
//! (read through a limit before calamine opens the workbook, so a zip bomb costs a
//! counted read and nothing more), the rows, the columns and each cell.

use std::io::{Cursor, Read as _};

use calamine::{DataRef, Reader as _, Xlsx};
use jinlin_shared::roster_file::{MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, Sheet};

/// Largest roster file taken, the largest request body (a city's roster as XLSX is a
/// few megabytes).
pub const MAX_FILE_BYTES: usize = jinlin_shared::wire::MAX_REQUEST_BODY_BYTES;
/// Most bytes an XLSX may inflate to, all entries together.
const MAX_INFLATED_BYTES: u64 = 256 * 1024 * 1024;
/// Rows read past the limit before giving up (title rows, the header).
const SLACK_ROWS: usize = 16;

/// Why a file is not a roster this server can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the workbook inflates to more than {} MB", MAX_INFLATED_BYTES / 1024 / 1024)]
    Inflates,
    #[error("the file is neither an XLSX workbook nor a CSV text file (an old .xls? save it as .xlsx)")]
    NotASheet,
    #[error("the workbook could not be read: {0}")]
    BadWorkbook(String),
    #[error("the CSV file could not be read: {0}")]
    BadCsv(String),
    #[error("the file has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the file has more than {MAX_COLUMNS} columns")]
    TooManyColumns,
    #[error("a cell at row {row} holds more than {MAX_CELL_CHARS} characters")]
    CellTooLong { row: usize },
}

impl FileError {
    /// The sentence in Chinese.
    pub fn zh(&self) -> String {
        match self {
            FileError::TooLarge => format!("文件大于 {} MB。", MAX_FILE_BYTES / 1024 / 1024),
            FileError::Inflates => format!("工作簿解压后大于 {} MB。", MAX_INFLATED_BYTES / 1024 / 1024),
            FileError::NotASheet => "文件既不是 XLSX 工作簿也不是 CSV 文本（如果是旧的 .xls，请另存为 .xlsx）。".into(),
            FileError::BadWorkbook(reason) => format!("无法读取工作簿：{reason}"),
            FileError::BadCsv(reason) => format!("无法读取 CSV 文件：{reason}"),
            FileError::TooManyRows => format!("文件超过 {MAX_ROWS} 行。"),
            FileError::TooManyColumns => format!("文件超过 {MAX_COLUMNS} 列。"),
            FileError::CellTooLong { row } => format!("第 {row} 行有单元格超过 {MAX_CELL_CHARS} 个字。"),
        }
    }
}

/// Reads the file's bytes, whatever its name says.
pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes) } else { read_csv(&decode(bytes)?) }
}

/// The text of a CSV file: UTF-8 (a byte-order mark dropped), else GB18030.
fn decode(bytes: &[u8]) -> Result<String, FileError> {
    // A picture, a PDF or an old .xls: binary, not text.
    if bytes.contains(&0) {
        return Err(FileError::NotASheet);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(FileError::NotASheet)
}

fn read_csv(text: &str) -> Result<Sheet, FileError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    for record in reader.records() {
        let record = record.map_err(|e| FileError::BadCsv(e.to_string()))?;
        push_row(&mut sheet, record.iter().map(str::to_owned).collect())?;
    }
    Ok(sheet)
}

fn push_row(sheet: &mut Sheet, row: Vec<String>) -> Result<(), FileError> {
    if sheet.rows.len() >= MAX_ROWS + SLACK_ROWS {
        return Err(FileError::TooManyRows);
    }
    if row.len() > MAX_COLUMNS {
        return Err(FileError::TooManyColumns);
    }
    if row.iter().any(|cell| cell.chars().count() > MAX_CELL_CHARS) {
        return Err(FileError::CellTooLong { row: sheet.rows.len() + 1 });
    }
    sheet.rows.push(row);
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, FileError> {
    check_inflated_size(bytes, MAX_INFLATED_BYTES)?;
    let bad = |e: calamine::XlsxError| FileError::BadWorkbook(e.to_string());
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(bad)?;
    let first = workbook.sheet_names().first().cloned().ok_or(FileError::NotASheet)?;
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(bad)?;
    let mut sheet = Sheet::default();
    let mut row: Vec<String> = Vec::new();
    let mut at_row: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(bad)? {
        let (r, c) = cell.get_position();
        if at_row != Some(r) {
            if let Some(previous) = at_row {
                // Blank rows between keep their line numbers.
                let done = std::mem::take(&mut row);
                let before = sheet.rows.len() as u32;
                for _ in before..previous {
                    push_row(&mut sheet, Vec::new())?;
                }
                push_row(&mut sheet, done)?;
            }
            at_row = Some(r);
        }
        let column = c as usize;
        if column >= MAX_COLUMNS {
            return Err(FileError::TooManyColumns);
        }
        if row.len() <= column {
            row.resize(column + 1, String::new());
        }
        row[column] = text_of(cell.get_value());
    }
    if let Some(last) = at_row {
        for _ in sheet.rows.len() as u32..last {
            push_row(&mut sheet, Vec::new())?;
        }
        push_row(&mut sheet, row)?;
    }
    Ok(sheet)
}

/// A cell as a person reads it: whole numbers without ".0" (phones, codes), dates
/// as YYYY-MM-DD.
fn text_of(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => (if *b { "是" } else { "否" }).to_owned(),
        DataRef::DateTime(date) => date.as_datetime().map(|d| d.date().to_string()).unwrap_or_default(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Inflates every entry through a limit, counting: the workbook's real size, whatever
/// its directory declares.
fn check_inflated_size(bytes: &[u8], limit: u64) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| FileError::BadWorkbook(e.to_string()))?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| FileError::BadWorkbook(e.to_string()))?;
        let left = limit - total;
        let read = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| FileError::BadWorkbook(e.to_string()))?;
        total += read;
        if total > limit {
            return Err(FileError::Inflates);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_read_in_utf8_with_or_without_a_mark_and_in_gbk() {
        let text = "姓名,所属社区\n王秀英,和平社区\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let with_mark = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes(), &with_mark, &gbk] {
            let sheet = read_sheet(bytes).unwrap();
            assert_eq!(sheet.rows[1], ["王秀英", "和平社区"]);
        }
    }

    #[test]
    fn what_is_not_a_sheet_is_refused_by_name() {
        assert_eq!(read_sheet(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(FileError::NotASheet));
        assert_eq!(read_sheet(&[0xff, 0xfe, 0xfd, 0x81]), Err(FileError::NotASheet));
        let long = format!("姓名\n{}\n", "长".repeat(MAX_CELL_CHARS + 1));
        assert_eq!(read_sheet(long.as_bytes()), Err(FileError::CellTooLong { row: 2 }));
        let many = "a\n".repeat(MAX_ROWS + SLACK_ROWS + 1);
        assert_eq!(read_sheet(many.as_bytes()), Err(FileError::TooManyRows));
        assert!(matches!(read_sheet(b"PK\x03\x04 not a zip"), Err(FileError::BadWorkbook(_))));
    }

    #[test]
    fn a_workbook_that_inflates_past_the_limit_is_refused_after_a_counted_read() {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(&vec![b'a'; 2 * 1024 * 1024]).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 64 * 1024, "two megabytes deflate to {} bytes", bytes.len());
        assert_eq!(check_inflated_size(&bytes, 1024 * 1024), Err(FileError::Inflates));
        assert_eq!(check_inflated_size(&bytes, 4 * 1024 * 1024), Ok(()));
    }
}
