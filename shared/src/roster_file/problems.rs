//! What is wrong with a row of a roster file, by line and column, in zh-CN and English.

use serde::{Deserialize, Serialize};

use super::RosterColumn;
use crate::label::{Labelled as _, Language};
use crate::privacy::IdNumberError;
use crate::time::Date;

/// One problem of one row: the line in the file, the column (none: the whole row),
/// and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowProblem {
    pub line: usize,
    pub column: Option<RosterColumn>,
    pub problem: Problem,
    /// The sentence in Chinese, then in English, for screens and the command line.
    pub zh: String,
    pub en: String,
}

impl RowProblem {
    pub fn new(line: usize, column: Option<RosterColumn>, problem: Problem) -> Self {
        let zh = problem.message(column, Language::ZhCn);
        let en = problem.message(column, Language::En);
        Self { line, column, problem, zh, en }
    }

    /// The sentence in `language`.
    pub fn message(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// Why a row or a cell is refused (or, for a missing elder or an ambiguous match,
/// left for a person to decide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "kind")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Problem {
    /// A required cell is empty.
    Missing,
    /// The cell is longer than the field may be.
    TooLong {
        limit: usize,
    },
    /// The cell holds a control character (U+0000 to U+001F and the like).
    BadCharacter {
        code: u32,
    },
    /// An ID number of the wrong length or characters.
    MalformedIdNumber {
        reason: String,
    },
    /// An ID number whose check character does not match its digits.
    BadCheckDigit {
        expected: char,
        found: char,
    },
    NotADate {
        text: String,
    },
    DateOutOfRange {
        date: Date,
        earliest: Date,
        latest: Date,
    },
    /// The birth date or gender in the row disagrees with the ID number's.
    DisagreesWithIdNumber {
        from_id_number: String,
    },
    UnknownCommunity {
        text: String,
    },
    /// The community's name is shared by several communities; use its code.
    AmbiguousCommunity {
        text: String,
    },
    /// A community the importing user's area does not hold.
    CommunityOutOfScope {
        text: String,
    },
    /// A value that is none of the column's choices.
    UnknownValue {
        text: String,
    },
    /// The same ID number (or, without one, the same name, birth date and community)
    /// is on an earlier line.
    RepeatedInFile {
        first_line: usize,
    },
    /// Without an ID number, several elders on the roster have this name, birth date
    /// and community: which one the row means is for a person to say.
    AmbiguousMatch {
        elders: usize,
    },
    /// The birth date is after the enrolment date.
    BornAfterEnrolment,
}

impl Problem {
    /// The sentence for a person: the column's name in `language`, then why.
    pub fn message(&self, column: Option<RosterColumn>, language: Language) -> String {
        let zh = language == Language::ZhCn;
        let reason = match self {
            Problem::Missing if zh => "必须填写".to_owned(),
            Problem::Missing => "is required".to_owned(),
            Problem::TooLong { limit } if zh => format!("超过 {limit} 个字"),
            Problem::TooLong { limit } => format!("is longer than {limit} characters"),
            Problem::BadCharacter { code } if zh => format!("含有控制字符 U+{code:04X}"),
            Problem::BadCharacter { code } => format!("holds the control character U+{code:04X}"),
            Problem::MalformedIdNumber { reason } if zh => format!("不是有效的 18 位身份证号（{reason}）"),
            Problem::MalformedIdNumber { reason } => format!("is not an 18-character ID number ({reason})"),
            Problem::BadCheckDigit { expected, found } if zh => format!("校验位错误：应为 {expected}，而不是 {found}"),
            Problem::BadCheckDigit { expected, found } => format!("has a bad check digit: {expected}, not {found}"),
            Problem::NotADate { text } if zh => format!("“{text}”不是日期（例如 1940-03-05）"),
            Problem::NotADate { text } => format!("{text:?} is not a date (e.g. 1940-03-05)"),
            Problem::DateOutOfRange { date, earliest, latest } if zh => {
                format!("日期 {date} 超出范围（{earliest} 至 {latest}）")
            }
            Problem::DateOutOfRange { date, earliest, latest } => {
                format!("{date} is out of range ({earliest} to {latest})")
            }
            Problem::DisagreesWithIdNumber { from_id_number } if zh => {
                format!("与身份证号不符（身份证号为 {from_id_number}）")
            }
            Problem::DisagreesWithIdNumber { from_id_number } => {
                format!("disagrees with the ID number, which says {from_id_number}")
            }
            Problem::UnknownCommunity { text } if zh => format!("没有名称或代码为“{text}”的社区"),
            Problem::UnknownCommunity { text } => format!("no community has the name or code {text:?}"),
            Problem::AmbiguousCommunity { text } if zh => format!("有多个社区名为“{text}”，请填写社区代码"),
            Problem::AmbiguousCommunity { text } => format!("several communities are named {text:?}: give its code"),
            Problem::CommunityOutOfScope { text } if zh => format!("社区“{text}”不在您的管辖范围内"),
            Problem::CommunityOutOfScope { text } => format!("community {text:?} is outside your area"),
            Problem::UnknownValue { text } if zh => format!("“{text}”不是可选的值"),
            Problem::UnknownValue { text } => format!("{text:?} is not one of the choices"),
            Problem::RepeatedInFile { first_line } if zh => format!("与第 {first_line} 行重复"),
            Problem::RepeatedInFile { first_line } => format!("repeats line {first_line}"),
            Problem::AmbiguousMatch { elders } if zh => {
                format!("没有身份证号，名单上有 {elders} 位同名、同出生日期、同社区的老人，请补充身份证号")
            }
            Problem::AmbiguousMatch { elders } => {
                format!("has no ID number and matches {elders} elders of this name, birth date and community")
            }
            Problem::BornAfterEnrolment if zh => "出生日期晚于登记日期".to_owned(),
            Problem::BornAfterEnrolment => "the birth date is after the enrolment date".to_owned(),
        };
        match (column, zh) {
            (Some(column), true) => format!("“{}”{reason}", column.label(language)),
            (Some(column), false) => format!("{}: {reason}", column.label(language)),
            (None, _) => reason,
        }
    }

    /// The problem an ID number's parse error is.
    pub fn of_id_number(error: &IdNumberError) -> Self {
        match error {
            IdNumberError::Checksum { expected, found } => {
                Problem::BadCheckDigit { expected: *expected, found: *found }
            }
            other => Problem::MalformedIdNumber { reason: other.to_string() },
        }
    }
}
