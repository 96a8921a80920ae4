//! The limits every value in an elder's record keeps: the length of each kind of text
//! people type and the bounds of dates and times.
//!
//! One source: the shared operations refuse input beyond them (so a workstation never
//! saves what the server will refuse), the server's review of pushed changes refuses
//! them op by op, and the window's forms read them from the generated `types.ts` to
//! show and enforce them. Lengths count characters (Unicode scalar values), not
//! bytes, because a name of 50 Chinese characters is 150 bytes of UTF-8.
//!
//! The limits on sync *work* (bytes, operations) are protocol limits and live with the
//! other wire limits in `wire`.

use serde::Serialize;

use crate::time::{Date, Timestamp};

/// The most characters of each kind of text an elder's record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldLimits {
    /// An elder's or an emergency contact's name.
    pub name: usize,
    pub address: usize,
    pub phone: usize,
    /// How an emergency contact is related to the elder ("儿子").
    pub relation: usize,
    /// A visit's free notes.
    pub visit_notes: usize,
    /// The note of one checked area of a visit.
    pub check_note: usize,
    /// The profile's shared notes (collaborative text).
    pub profile_notes: usize,
    /// Reasons, actions and short notes: voiding a visit, setting a tier, a
    /// follow-up's action and its closing note, a status change, a referral, an
    /// incident, closing an alert, declining an insurance claim.
    pub reason: usize,
    /// An insurance claim's number, as the insurer gives it.
    pub claim_number: usize,
    /// The most one insurance claim pays, in yuan.
    pub claim_yuan: usize,
}

/// The limits in force.
pub const FIELD_LIMITS: FieldLimits = FieldLimits {
    name: 50,
    address: 200,
    phone: 20,
    relation: 20,
    visit_notes: 2_000,
    check_note: 500,
    profile_notes: 10_000,
    reason: 500,
    claim_number: 40,
    claim_yuan: 1_000_000,
};

/// The earliest date any record holds (births, enrolments, status and placement
/// dates): nobody on a roster today was born before it.
pub fn earliest_date() -> Date {
    Date::from_ymd_opt(1900, 1, 1).expect("invariant: 1900-01-01 is a date")
}

/// The earliest instant any record holds (visits, recordings, follow-ups): before
/// this system, or any paper record it could import, existed.
pub fn earliest_instant() -> Timestamp {
    Timestamp::start_of_shanghai_day(Date::from_ymd_opt(2000, 1, 1).expect("invariant: 2000-01-01 is a date"))
}

/// The latest instant any record holds, given the receiver's clock: a follow-up may be
/// due up to a year ahead; nothing else lies further in the future.
pub fn latest_instant(now: Timestamp) -> Timestamp {
    now.plus_hours(24 * 366)
}

/// What kind of text a field holds, for its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A single line: no control characters at all.
    OneLine,
    /// Free text over several lines: line breaks and tabs, no other control characters.
    MultiLine,
}

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    #[error("is {chars} characters long; at most {max} are allowed")]
    TooLong { chars: usize, max: usize },
    #[error("holds the control character U+{code:04X}")]
    ControlCharacter { code: u32 },
}

/// Checks a text against its length limit and the characters its kind allows.
pub fn check_text(text: &str, max: usize, kind: TextKind) -> Result<(), TextError> {
    let mut chars = 0;
    for c in text.chars() {
        chars += 1;
        let allowed_control = kind == TextKind::MultiLine && matches!(c, '\n' | '\r' | '\t');
        // C0 and C1 controls and DEL; NUL among them (PostgreSQL's text cannot hold it).
        if c.is_control() && !allowed_control {
            return Err(TextError::ControlCharacter { code: u32::from(c) });
        }
    }
    if chars > max {
        return Err(TextError::TooLong { chars, max });
    }
    Ok(())
}

/// Whether `text` reads as a phone number: an optional leading `+`, then a digit,
/// then digits, spaces and hyphens, 3 to [`FieldLimits::phone`] characters in all.
pub fn is_phone(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    let count = text.chars().count();
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        && (3..=FIELD_LIMITS.phone).contains(&count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_digits_spaces_and_hyphens_after_an_optional_plus() {
        for good in ["13800000001", "0592-1234567", "+86 138 0000 0001", "110"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["", "12", "phone", "138\n0000", "+", "-138", "1".repeat(21).as_str(), "１３８"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let name: String = "王".repeat(FIELD_LIMITS.name);
        assert_eq!(check_text(&name, FIELD_LIMITS.name, TextKind::OneLine), Ok(()));
        let longer = format!("{name}王");
        assert_eq!(
            check_text(&longer, FIELD_LIMITS.name, TextKind::OneLine),
            Err(TextError::TooLong { chars: 51, max: 50 })
        );
    }

    #[test]
    fn one_line_fields_refuse_every_control_character_and_notes_keep_line_breaks() {
        assert_eq!(check_text("a\0b", 10, TextKind::OneLine), Err(TextError::ControlCharacter { code: 0 }));
        assert_eq!(check_text("a\nb", 10, TextKind::OneLine), Err(TextError::ControlCharacter { code: 10 }));
        assert_eq!(check_text("a\u{85}b", 10, TextKind::OneLine), Err(TextError::ControlCharacter { code: 0x85 }));
        assert_eq!(check_text("第一行\r\n\t第二行", 10, TextKind::MultiLine), Ok(()));
        assert_eq!(check_text("a\0b", 10, TextKind::MultiLine), Err(TextError::ControlCharacter { code: 0 }));
        assert_eq!(check_text("a\u{1b}[31m", 10, TextKind::MultiLine), Err(TextError::ControlCharacter { code: 0x1b }));
    }
}
