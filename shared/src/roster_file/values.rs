//! One row of a roster file read into an elder's record: each cell as civil affairs
//! writes it (dates in several forms, 男/女, 独居、低保 …), birth date and gender taken
//! from the ID number where the file has no column for them, and every problem of the
//! row found, not only the first.

use std::collections::BTreeSet;

use super::{Problem, RosterColumn, RowProblem, Sheet};
use crate::area::{AreaLevel, AreaTree, Scope};
use crate::elder::{Gender, HardshipCategory, LivingArrangement, Profile, SeriousCondition};
use crate::ids::CommunityId;
use crate::limits::{FIELD_LIMITS, TextError, TextKind, check_text, earliest_date, is_phone};
use crate::privacy::IdNumber;
use crate::time::Date;

/// One row read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRecord {
    pub line: usize,
    pub community: CommunityId,
    pub id_number: Option<IdNumber>,
    /// With the ID number's masked form, never the full one.
    pub profile: Profile,
    /// Left empty in the file: the day of the import.
    pub enrolled_on: Option<Date>,
    /// The columns the row gives a value for (birth date and gender also when the ID
    /// number states them): a blank cell never erases what the roster holds.
    pub given: BTreeSet<RosterColumn>,
}

/// Finds communities by code or name, inside the importing user's area.
#[derive(Debug)]
pub struct CommunityLookup<'a> {
    pub areas: &'a AreaTree,
    pub scope: Scope,
}

impl CommunityLookup<'_> {
    fn find(&self, text: &str) -> Result<CommunityId, Problem> {
        let communities = || self.areas.areas().filter(|a| a.level == AreaLevel::Community);
        let by_code: Vec<_> = communities().filter(|a| a.code == text).collect();
        let found = if by_code.is_empty() { communities().filter(|a| a.name == text).collect() } else { by_code };
        match found.as_slice() {
            [] => Err(Problem::UnknownCommunity { text: text.to_owned() }),
            [one] if self.areas.scope_contains(self.scope, one.id) => Ok(one.id),
            [_] => Err(Problem::CommunityOutOfScope { text: text.to_owned() }),
            _ => Err(Problem::AmbiguousCommunity { text: text.to_owned() }),
        }
    }
}

/// Reads every row below the header; a blank row is skipped. `today` bounds dates.
pub(super) fn read_rows(
    sheet: &Sheet,
    header_line: usize,
    mapped: &[Option<RosterColumn>],
    lookup: &CommunityLookup<'_>,
    today: Date,
) -> (Vec<RosterRecord>, Vec<RowProblem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in sheet.rows.iter().enumerate().skip(header_line) {
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cells = Cells { row, mapped };
        let mut row_problems = Vec::new();
        let record = read_row(&cells, index + 1, lookup, today, &mut row_problems);
        match record {
            Some(record) if row_problems.is_empty() => records.push(record),
            _ => problems.extend(row_problems),
        }
    }
    (records, problems)
}

/// A row's cells by the column they hold.
struct Cells<'a> {
    row: &'a [String],
    mapped: &'a [Option<RosterColumn>],
}

impl Cells<'_> {
    /// The cell of `column`, trimmed, with line breaks as spaces; empty when absent.
    fn get(&self, column: RosterColumn) -> String {
        let at = self.mapped.iter().position(|m| *m == Some(column));
        let text = at.and_then(|i| self.row.get(i)).map_or("", String::as_str);
        text.trim().replace(['\r', '\n', '\t'], " ")
    }
}

/// Collects one row's problems while reading it.
struct Reader<'a> {
    line: usize,
    problems: &'a mut Vec<RowProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, column: RosterColumn, problem: Problem) {
        self.problems.push(RowProblem::new(self.line, Some(column), problem));
    }

    /// A text of `column` within `limit`; `None` (a problem noted) otherwise.
    fn text(&mut self, column: RosterColumn, text: String, limit: usize, required: bool) -> Option<String> {
        if required && text.is_empty() {
            self.problem(column, Problem::Missing);
            return None;
        }
        match check_text(&text, limit, TextKind::OneLine) {
            Ok(()) => Some(text),
            Err(TextError::ControlCharacter { code }) => {
                self.problem(column, Problem::BadCharacter { code });
                None
            }
            Err(_) => {
                self.problem(column, Problem::TooLong { limit });
                None
            }
        }
    }

    /// The birth date: the cell's, which must agree with the ID number's; the ID
    /// number's when the cell is blank.
    fn birth_date(&mut self, text: String, from_id: Option<(Date, Gender)>, today: Date) -> Option<Date> {
        let column = RosterColumn::BirthDate;
        match (text.as_str(), from_id) {
            ("", Some((born, _))) => Some(born),
            ("", None) => {
                self.problem(column, Problem::Missing);
                None
            }
            (text, from_id) => self.date(column, text, today).filter(|date| match from_id {
                Some((born, _)) if born != *date => {
                    self.problem(column, Problem::DisagreesWithIdNumber { from_id_number: born.to_string() });
                    false
                }
                _ => true,
            }),
        }
    }

    /// The gender, the same way.
    fn gender(&mut self, text: String, from_id: Option<(Date, Gender)>) -> Option<Gender> {
        use crate::label::{Labelled as _, Language};
        let column = RosterColumn::Gender;
        match (text.as_str(), from_id) {
            ("", Some((_, gender))) => Some(gender),
            ("", None) => {
                self.problem(column, Problem::Missing);
                None
            }
            (text, from_id) => self.choice(column, text, Gender::from_text).filter(|gender| match from_id {
                Some((_, said)) if said != *gender => {
                    let from_id_number = said.label(Language::ZhCn).to_owned();
                    self.problem(column, Problem::DisagreesWithIdNumber { from_id_number });
                    false
                }
                _ => true,
            }),
        }
    }

    fn date(&mut self, column: RosterColumn, text: &str, today: Date) -> Option<Date> {
        let Some(date) = parse_date(text) else {
            self.problem(column, Problem::NotADate { text: clip(text) });
            return None;
        };
        if date < earliest_date() || date > today {
            self.problem(column, Problem::DateOutOfRange { date, earliest: earliest_date(), latest: today });
            return None;
        }
        Some(date)
    }

    fn choice<T>(&mut self, column: RosterColumn, text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let found = parse(text);
        if found.is_none() {
            self.problem(column, Problem::UnknownValue { text: clip(text) });
        }
        found
    }

    fn set<T: Ord>(&mut self, column: RosterColumn, text: &str, parse: impl Fn(&str) -> Option<T>) -> BTreeSet<T> {
        let mut found = BTreeSet::new();
        for part in text.split(['、', ',', '，', ';', '；', '|', '/', ' ']).map(str::trim).filter(|p| !p.is_empty())
        {
            found.extend(self.choice(column, part, &parse));
        }
        found
    }
}

fn read_row(
    cells: &Cells<'_>,
    line: usize,
    lookup: &CommunityLookup<'_>,
    today: Date,
    problems: &mut Vec<RowProblem>,
) -> Option<RosterRecord> {
    use RosterColumn as C;
    let mut r = Reader { line, problems };
    let community_text = cells.get(C::Community);
    let community = if community_text.is_empty() {
        r.problem(C::Community, Problem::Missing);
        None
    } else {
        lookup.find(&community_text).map_err(|problem| r.problem(C::Community, problem)).ok()
    };
    let name = r.text(C::Name, cells.get(C::Name), FIELD_LIMITS.name, true);
    let address = r.text(C::Address, cells.get(C::Address), FIELD_LIMITS.address, true);
    let id_number = match cells.get(C::IdNumber).to_uppercase().as_str() {
        "" => Ok(None),
        text => IdNumber::parse(text).map(Some).map_err(|e| r.problem(C::IdNumber, Problem::of_id_number(&e))),
    };
    let from_id = id_number.as_ref().ok().and_then(|n| n.as_ref()).and_then(birth_and_gender);

    let birth_date = r.birth_date(cells.get(C::BirthDate), from_id, today);
    let gender = r.gender(cells.get(C::Gender), from_id);
    let phone = match cells.get(C::Phone) {
        text if text.is_empty() => Some(None),
        text if is_phone(&text) => Some(Some(text)),
        text => {
            r.problem(C::Phone, Problem::UnknownValue { text: clip(&text) });
            None
        }
    };
    let living_text = cells.get(C::LivingArrangement);
    let living_arrangement = match living_text.as_str() {
        "" => Some(LivingArrangement::Other),
        text => r.choice(C::LivingArrangement, text, living_arrangement_of),
    };
    let categories = r.set(C::Categories, &cells.get(C::Categories), category_of);
    let conditions = r.set(C::Conditions, &cells.get(C::Conditions), |t| {
        SeriousCondition::from_text(t).or_else(|| SeriousCondition::from_text(t.trim_end_matches("患者")))
    });
    let unable_to_communicate = match cells.get(C::UnableToCommunicate).to_lowercase().as_str() {
        "" | "否" | "no" | "false" | "0" => Some(false),
        "是" | "yes" | "true" | "1" => Some(true),
        text => r.choice(C::UnableToCommunicate, text, |_| None::<bool>),
    };
    let enrolled_on = match cells.get(C::EnrolledOn).as_str() {
        "" => Some(None),
        text => r.date(C::EnrolledOn, text, today).map(Some),
    };
    if let (Some(born), Some(Some(enrolled))) = (birth_date, enrolled_on)
        && born > enrolled
    {
        r.problem(C::EnrolledOn, Problem::BornAfterEnrolment);
    }
    let id_number = id_number.ok()?;
    let mut given: BTreeSet<RosterColumn> =
        RosterColumn::ALL.iter().copied().filter(|column| !cells.get(*column).is_empty()).collect();
    if from_id.is_some() {
        given.extend([C::BirthDate, C::Gender]);
    }
    Some(RosterRecord {
        given,
        line,
        community: community?,
        profile: Profile {
            name: name?,
            gender: gender?,
            birth_date: birth_date?,
            id_number_masked: id_number.as_ref().map(IdNumber::masked),
            phone: phone?,
            address: address?,
            living_arrangement: living_arrangement?,
            categories,
            conditions,
            unable_to_communicate: unable_to_communicate?,
            emergency_contacts: Default::default(),
            notes: String::new(),
        },
        id_number,
        enrolled_on: enrolled_on?,
    })
}

/// A cell's text as a problem quotes it: at most 40 characters.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A date as files write it: 1940-03-05, 1940/3/5, 1940.03.05, 19400305,
/// 1940年3月5日, each perhaps followed by a time.
fn parse_date(text: &str) -> Option<Date> {
    let day = text.split([' ', 'T']).next().unwrap_or_default();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|format| Date::parse_from_str(day, format).ok())
}

/// The birth date and gender an ID number states (digits 7–14; the 17th is odd for men).
fn birth_and_gender(number: &IdNumber) -> Option<(Date, Gender)> {
    let digits = number.reveal();
    let born = Date::parse_from_str(digits.get(6..14)?, "%Y%m%d").ok()?;
    let sequence = digits.get(16..17)?.parse::<u8>().ok()?;
    Some((born, if sequence % 2 == 1 { Gender::Male } else { Gender::Female }))
}

/// Living arrangements as civil affairs' files word them, besides Jinlin's labels.
fn living_arrangement_of(text: &str) -> Option<LivingArrangement> {
    LivingArrangement::from_text(text).or(match text {
        "独居" | "一人居住" => Some(LivingArrangement::Alone),
        "空巢" | "与配偶同住" | "夫妻同住" => Some(LivingArrangement::SpouseOnly),
        "与子女同住" | "与家人同住" | "与亲属同住" | "与子女居住" => {
            Some(LivingArrangement::WithFamily)
        }
        "与保姆同住" | "与护工同住" | "与护理人员居住" => Some(LivingArrangement::WithCarer),
        _ => None,
    })
}

/// Hardship categories as civil affairs' files word them, besides Jinlin's labels
/// ("独居老人" for 独居, "特困" for 特困（分散供养）…).
fn category_of(text: &str) -> Option<HardshipCategory> {
    let plain = text.trim_end_matches("老人").trim_end_matches('户');
    HardshipCategory::from_text(text).or_else(|| HardshipCategory::from_text(plain)).or(match plain {
        "特困" | "特困供养" | "分散供养特困" => Some(HardshipCategory::ExtremePoverty),
        "计生特殊家庭" | "失独" | "计划生育特殊困难家庭" => {
            Some(HardshipCategory::SpecialFamilyPlanning)
        }
        "重度残疾" | "残疾" => Some(HardshipCategory::SeverelyDisabled),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_the_forms_files_use() {
        let want = Date::from_ymd_opt(1940, 3, 5);
        for text in ["1940-03-05", "1940/3/5", "1940.03.05", "19400305", "1940年3月5日", "1940-03-05 00:00:00"] {
            assert_eq!(parse_date(text), want, "{text}");
        }
        assert_eq!(parse_date("三月五日"), None);
        assert_eq!(parse_date("1940-02-30"), None);
    }

    #[test]
    fn an_id_number_states_birth_date_and_gender() {
        let number = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(birth_and_gender(&number), Some((Date::from_ymd_opt(1949, 12, 31).unwrap(), Gender::Female)));
    }

    #[test]
    fn civil_affairs_wordings_map_to_the_closed_sets() {
        assert_eq!(category_of("独居老人"), Some(HardshipCategory::LivingAlone));
        assert_eq!(category_of("低保户"), Some(HardshipCategory::MinimumLivingAllowance));
        assert_eq!(category_of("特困"), Some(HardshipCategory::ExtremePoverty));
        assert_eq!(category_of("高龄"), Some(HardshipCategory::AdvancedAge));
        assert_eq!(category_of("富裕"), None);
        assert_eq!(living_arrangement_of("空巢"), Some(LivingArrangement::SpouseOnly));
        assert_eq!(living_arrangement_of("独自居住"), Some(LivingArrangement::Alone));
    }
}
