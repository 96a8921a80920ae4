//! Roster files as civil affairs keeps them: a sheet of rows (from XLSX or CSV; the
//! server reads the bytes), its header row found and mapped to the roster's columns
//! in one table of the Chinese and English names files use, each row read into an
//! elder's record or into problems naming the line, the column and the reason in
//! zh-CN and English; then held against the roster as a reviewed difference
//! ([`plan`]).
//!
//! Pure: no IO, so the command line, the server's route and the tests read a file the
//! same way.

use serde::{Deserialize, Serialize};

use crate::label::{Language, labelled_enum};

mod plan;
mod problems;
mod values;

pub use plan::{
    FieldChange, KnownElder, MissingLine, NewElderLine, RosterAction, RosterCheck, RosterPlan, UpdateLine, plan_roster,
};
pub use problems::{Problem, RowProblem};
pub use values::{CommunityLookup, RosterRecord};

/// What the server answers a roster file: its check, or why it is no roster at all,
/// in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RosterReading {
    Checked { check: Box<RosterCheck> },
    Refused { zh: String, en: String },
}

/// What an apply wrote, and the rows the push path refused (each with its line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterApplied {
    pub enrolled: usize,
    pub updated: usize,
    pub refused: Vec<RefusedRow>,
}

/// A row the push path refused when it was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedRow {
    pub line: usize,
    pub reason: String,
}

/// Most rows a roster file may hold: a city's whole roster (Xiamen's 14,000 special-
/// hardship elders) several times over, and a bound on the work a file can ask for.
pub const MAX_ROWS: usize = 50_000;
/// Most characters one cell may hold; a longer cell is a problem of its row, not text
/// to carry around.
pub const MAX_CELL_CHARS: usize = 1_000;
/// Most columns a sheet may have.
pub const MAX_COLUMNS: usize = 64;
/// How many rows from the top may come before the header (a title, a date line).
const HEADER_SEARCH_ROWS: usize = 10;

labelled_enum! {
    /// A column the roster reads.
    pub enum RosterColumn {
        Community = "community" => ("所属社区", "Community"),
        Name = "name" => ("姓名", "Name"),
        Gender = "gender" => ("性别", "Gender"),
        BirthDate = "birthDate" => ("出生日期", "Birth date"),
        IdNumber = "idNumber" => ("身份证号", "ID number"),
        Phone = "phone" => ("联系电话", "Phone"),
        Address = "address" => ("住址", "Address"),
        LivingArrangement = "livingArrangement" => ("居住状况", "Living arrangement"),
        Categories = "categories" => ("困难类别", "Hardship categories"),
        Conditions = "conditions" => ("重大疾病", "Serious conditions"),
        UnableToCommunicate = "unableToCommunicate" => ("无法自述", "Unable to communicate"),
        EnrolledOn = "enrolledOn" => ("登记日期", "Enrolled on"),
    }
}

/// The names each column goes by in files, after [`normalise_header`]: civil affairs'
/// Chinese headers and the English ones of earlier Jinlin files. The one table.
const HEADER_NAMES: &[(RosterColumn, &[&str])] = &[
    (RosterColumn::Community, &["所属社区", "社区", "社区名称", "社区代码", "所在社区", "community", "community_code"]),
    (RosterColumn::Name, &["姓名", "老人姓名", "name"]),
    (RosterColumn::Gender, &["性别", "gender"]),
    (RosterColumn::BirthDate, &["出生日期", "出生年月日", "出生年月", "birth_date", "birthdate"]),
    (RosterColumn::IdNumber, &["身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number"]),
    (RosterColumn::Phone, &["联系电话", "电话", "手机号码", "手机", "联系方式", "phone"]),
    (RosterColumn::Address, &["住址", "居住地址", "家庭住址", "现住址", "详细地址", "address"]),
    (RosterColumn::LivingArrangement, &["居住状况", "居住情况", "居住方式", "living_arrangement"]),
    (RosterColumn::Categories, &["困难类别", "对象类别", "人员类别", "特殊困难类别", "categories"]),
    (RosterColumn::Conditions, &["重大疾病", "疾病情况", "患病情况", "conditions"]),
    (RosterColumn::UnableToCommunicate, &["无法自述", "不能自述", "unable_to_communicate"]),
    (RosterColumn::EnrolledOn, &["登记日期", "纳入日期", "建档日期", "enrolled_on"]),
];

/// A header as files vary it: without spaces (ASCII or full-width), required-field
/// stars, a trailing note in brackets ("身份证号（18位）") or the byte-order mark, and
/// in lower case.
pub fn normalise_header(text: &str) -> String {
    let cut = text.find(['(', '（']).map_or(text, |at| &text[..at]);
    cut.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '\u{feff}' | ':' | '：'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column a header names, if any.
pub fn column_of(header: &str) -> Option<RosterColumn> {
    let header = normalise_header(header);
    HEADER_NAMES.iter().find(|(_, names)| names.contains(&header.as_str())).map(|(column, _)| *column)
}

/// A sheet's cells as text, row by row, the way the server read them from the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub rows: Vec<Vec<String>>,
}

/// How the sheet's header was read: which row, and what each column became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeaderReading {
    /// The header's line in the file (1-based).
    pub line: usize,
    /// Each header as written, with the column it was taken for (none: ignored).
    pub columns: Vec<(String, Option<RosterColumn>)>,
}

/// Why a sheet is not a roster at all (rather than a roster with bad rows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the file has no rows")]
    Empty,
    #[error(
        "no header row was found in the first {HEADER_SEARCH_ROWS} rows (it needs 姓名/name and 所属社区/community)"
    )]
    NoHeader,
    #[error("the header names {0} twice")]
    RepeatedColumn(RosterColumn),
    #[error("the header lacks the column {0}")]
    MissingColumn(RosterColumn),
    #[error("the file has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the file has more than {MAX_COLUMNS} columns")]
    TooManyColumns,
}

impl SheetError {
    /// The sentence for a person, in `language`.
    pub fn message(&self, language: Language) -> String {
        use crate::label::Labelled as _;
        match (self, language) {
            (_, Language::En) => self.to_string(),
            (SheetError::Empty, _) => "文件中没有任何行。".into(),
            (SheetError::NoHeader, _) => {
                format!("前 {HEADER_SEARCH_ROWS} 行中没有找到表头（至少需要“姓名”和“所属社区”两列）。")
            }
            (SheetError::RepeatedColumn(column), _) => format!("表头中“{}”出现了两次。", column.label(language)),
            (SheetError::MissingColumn(column), _) => format!("表头缺少“{}”列。", column.label(language)),
            (SheetError::TooManyRows, _) => format!("文件超过 {MAX_ROWS} 行。"),
            (SheetError::TooManyColumns, _) => format!("文件超过 {MAX_COLUMNS} 列。"),
        }
    }
}

/// The header row: the first of the top rows naming both the name and the community
/// columns. Returns it and, per sheet column, the roster column it holds.
pub fn read_header(sheet: &Sheet) -> Result<(HeaderReading, Vec<Option<RosterColumn>>), SheetError> {
    if sheet.rows.iter().all(|row| row.iter().all(|cell| cell.trim().is_empty())) {
        return Err(SheetError::Empty);
    }
    if sheet.rows.len() > MAX_ROWS + HEADER_SEARCH_ROWS {
        return Err(SheetError::TooManyRows);
    }
    if sheet.rows.iter().any(|row| row.len() > MAX_COLUMNS) {
        return Err(SheetError::TooManyColumns);
    }
    let (index, row) = sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find(|(_, row)| {
            let columns: Vec<_> = row.iter().filter_map(|cell| column_of(cell)).collect();
            columns.contains(&RosterColumn::Name) && columns.contains(&RosterColumn::Community)
        })
        .ok_or(SheetError::NoHeader)?;
    let mapped: Vec<Option<RosterColumn>> = row.iter().map(|cell| column_of(cell)).collect();
    for column in RosterColumn::ALL {
        if mapped.iter().filter(|m| **m == Some(*column)).count() > 1 {
            return Err(SheetError::RepeatedColumn(*column));
        }
    }
    let has = |column| mapped.contains(&Some(column));
    if !has(RosterColumn::Address) {
        return Err(SheetError::MissingColumn(RosterColumn::Address));
    }
    // Birth date and gender may come from the ID number instead.
    if !has(RosterColumn::IdNumber) {
        for column in [RosterColumn::BirthDate, RosterColumn::Gender] {
            if !has(column) {
                return Err(SheetError::MissingColumn(column));
            }
        }
    }
    let reading = HeaderReading {
        line: index + 1,
        columns: row.iter().map(|cell| cell.trim().to_owned()).zip(mapped.iter().copied()).collect(),
    };
    Ok((reading, mapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_as_civil_affairs_and_earlier_files_write_them() {
        assert_eq!(column_of(" 公民身份号码（18位）"), Some(RosterColumn::IdNumber));
        assert_eq!(column_of("*姓 名"), Some(RosterColumn::Name));
        assert_eq!(column_of("\u{feff}community_code"), Some(RosterColumn::Community));
        assert_eq!(column_of("居住地址"), Some(RosterColumn::Address));
        assert_eq!(column_of("Birth_Date"), Some(RosterColumn::BirthDate));
        assert_eq!(column_of("序号"), None);
    }

    #[test]
    fn the_header_is_found_below_a_title_and_must_name_what_a_profile_needs() {
        let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        let sheet = Sheet {
            rows: vec![row(&["鹭江街道特殊困难老年人名册"]), row(&["序号", "姓名", "社区", "身份证号", "住址"])],
        };
        let (reading, mapped) = read_header(&sheet).unwrap();
        assert_eq!(reading.line, 2);
        assert_eq!(mapped[0], None);
        let without_id = Sheet { rows: vec![row(&["姓名", "社区", "住址", "性别"])] };
        assert_eq!(read_header(&without_id).unwrap_err(), SheetError::MissingColumn(RosterColumn::BirthDate));
        let twice = Sheet { rows: vec![row(&["姓名", "社区", "住址", "身份证号", "公民身份号码"])] };
        assert_eq!(read_header(&twice).unwrap_err(), SheetError::RepeatedColumn(RosterColumn::IdNumber));
        assert_eq!(read_header(&Sheet::default()).unwrap_err(), SheetError::Empty);
        let picture = Sheet { rows: vec![row(&["\u{89}PNG", "IHDR"])] };
        assert_eq!(read_header(&picture).unwrap_err(), SheetError::NoHeader);
    }
}
