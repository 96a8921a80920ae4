//! Sensitive personal information: resident ID numbers and phone numbers, and their
//! masked forms (DOMAIN.md, Privacy).
//!
//! A CRDT keeps every value ever written, so the full ID number never enters an elder
//! document: the server keeps it in an identity record that can be corrected or erased,
//! and the document holds only [`IdNumber::masked`].

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdNumberError {
    #[error("an ID number has 18 characters, this one has {0}")]
    Length(usize),
    #[error("an ID number is 17 digits and a final digit or X; character {position} is {found:?}")]
    Character { position: usize, found: char },
    #[error("the ID number's check character should be {expected}, not {found}")]
    Checksum { expected: char, found: char },
}

/// A full 18-character resident identity number (GB 11643), checksum verified.
///
/// `Debug` and `Display` print only the masked form, so a full number cannot reach a
/// log by accident; [`IdNumber::reveal`] is the one way to read it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let text: String = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(IdNumberError::Length(chars.len()));
        }
        let mut sum = 0;
        for (position, (&c, weight)) in chars.iter().zip(WEIGHTS).enumerate() {
            let digit = c.to_digit(10).ok_or(IdNumberError::Character { position: position + 1, found: c })?;
            sum += digit * weight;
        }
        let expected = CHECK_CHARS[(sum % 11) as usize];
        let found = chars[17];
        if !(found.is_ascii_digit() || found == 'X') {
            return Err(IdNumberError::Character { position: 18, found });
        }
        if found != expected {
            return Err(IdNumberError::Checksum { expected, found });
        }
        Ok(Self(text))
    }

    /// The full number, for the identity record and audited unmasked exports only.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// First four and last four characters, the rest starred.
    pub fn masked(&self) -> String {
        mask_keep(&self.0, 4, 4)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Whether `text` holds a full ID number anywhere in it: 17 digits and a digit or X
/// whose GB 11643 checksum holds, standing alone (not part of a longer run of digits,
/// which a bank account or two phone numbers side by side would make; their windows
/// of 18 would pass the checksum one time in eleven).
///
/// The server refuses every value a change writes that holds one, whether it wins,
/// loses a conflict or is overwritten in the same push, because a CRDT keeps them all.
pub fn contains_full_id_number(text: &str) -> bool {
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || c == 'X' || c == 'x' {
            run.push(c);
            continue;
        }
        if run.len() == 18 && IdNumber::parse(&run).is_ok() {
            return true;
        }
        run.clear();
    }
    false
}

/// Whether `text` is an ID number's masked form: 18 characters, the middle ten
/// starred, the first four and last four digits (the last may be X).
pub fn looks_masked(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.len() == 18
        && chars[4..14].iter().all(|&c| c == '*')
        && chars[..4].iter().all(char::is_ascii_digit)
        && chars[14..17].iter().all(char::is_ascii_digit)
        && (chars[17].is_ascii_digit() || chars[17] == 'X')
}

/// Whether `text` is a phone's masked form: stars, then its last four digits (what
/// [`mask_phone`] makes of a number of 7 to 20 characters).
pub fn looks_masked_phone(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (7..=20).contains(&chars.len())
        && chars[..chars.len() - 4].iter().all(|&c| c == '*')
        && chars[chars.len() - 4..].iter().all(char::is_ascii_digit)
}

/// A phone number shown with only its last four digits.
pub fn mask_phone(phone: &str) -> String {
    mask_keep(phone.trim(), 0, 4)
}

fn mask_keep(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    chars.iter().enumerate().map(|(i, &c)| if i < head || i >= chars.len() - tail { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_phone_is_stars_then_four_digits() {
        assert!(looks_masked_phone(&mask_phone("13900001111")));
        assert!(!looks_masked_phone("13900001111"));
        assert!(!looks_masked_phone("****"));
        assert!(!looks_masked_phone("***-***1111"));
    }

    // A well-known sample number from the GB 11643 standard's examples.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn a_valid_id_number_is_masked_to_first_four_and_last_four() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
        assert_eq!(id.reveal(), SAMPLE);
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap(), id);
    }

    #[test]
    fn bad_id_numbers_say_what_is_wrong() {
        assert_eq!(IdNumber::parse("1234"), Err(IdNumberError::Length(4)));
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::Checksum { expected: 'X', found: '1' }));
        assert_eq!(IdNumber::parse("1101051949123A002X"), Err(IdNumberError::Character { position: 14, found: 'A' }));
    }

    #[test]
    fn full_id_numbers_are_found_inside_any_text_but_not_inside_longer_numbers() {
        assert!(contains_full_id_number(SAMPLE));
        assert!(contains_full_id_number(&format!("身份证{SAMPLE}，已核对")));
        assert!(contains_full_id_number("id: 11010519491231002x."));
        assert!(!contains_full_id_number("110105194912310021"), "a wrong checksum is not an ID number");
        assert!(!contains_full_id_number("1101**********002X"), "the masked form is not");
        assert!(!contains_full_id_number(&format!("9{SAMPLE}")), "part of a longer number");
        assert!(!contains_full_id_number("13800000001 13900000002"));
    }

    #[test]
    fn phones_keep_only_their_last_four_digits() {
        assert_eq!(mask_phone("13912345678"), "*******5678");
        assert_eq!(mask_phone("123"), "***");
    }
}
