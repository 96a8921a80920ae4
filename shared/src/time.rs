//! Instants, calendar dates and months, all read in Asia/Shanghai.
//!
//! China has kept UTC+8 all year since 1991, so Asia/Shanghai is a fixed offset for
//! every date this system handles; a fixed offset spares us the time-zone database.
//! Instants are milliseconds since the Unix epoch (UTC), which is also what Automerge
//! records as a change's time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Calendar dates (birth, enrolment, status changes, due dates).
pub type Date = NaiveDate;

const SHANGHAI_OFFSET_SECONDS: i32 = 8 * 3600;

/// The Asia/Shanghai offset (UTC+8, no daylight saving since 1991).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(SHANGHAI_OFFSET_SECONDS).expect("invariant: +08:00 is a valid offset")
}

/// An instant: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Timestamp(#[cfg_attr(feature = "ts", ts(type = "number"))] i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The calendar date of this instant in Asia/Shanghai.
    pub fn shanghai_date(self) -> Date {
        self.to_shanghai().date_naive()
    }

    pub fn to_shanghai(self) -> DateTime<FixedOffset> {
        let utc = DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::UNIX_EPOCH);
        utc.with_timezone(&shanghai())
    }

    /// The first instant of `date` in Asia/Shanghai.
    pub fn start_of_shanghai_day(date: Date) -> Self {
        let midnight = date.and_hms_opt(0, 0, 0).expect("invariant: midnight exists");
        let local = shanghai()
            .from_local_datetime(&midnight)
            .single()
            .expect("invariant: a fixed offset maps every local time once");
        Self(local.timestamp_millis())
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self(self.0.saturating_add(minutes.saturating_mul(60_000)))
    }

    pub fn plus_hours(self, hours: i64) -> Self {
        self.plus_minutes(hours.saturating_mul(60))
    }

    /// Whole days from `self` to `later`, counted in Asia/Shanghai calendar days.
    pub fn days_until(self, later: Date) -> i64 {
        (later - self.shanghai_date()).num_days()
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_shanghai().format("%Y-%m-%dT%H:%M:%S%.3f%:z"))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Whole days between two calendar dates (`to - from`).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).num_days()
}

/// Months are `YYYY-MM` strings on the wire.
#[cfg(feature = "ts")]
impl ts_rs::TS for Month {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "Month".into()
    }

    fn inline(_: &ts_rs::Config) -> String {
        "string".into()
    }

    fn decl(_: &ts_rs::Config) -> String {
        "type Month = string;".into()
    }

    fn decl_concrete(config: &ts_rs::Config) -> String {
        Self::decl(config)
    }
}

/// A calendar month, e.g. `2026-11`, in Asia/Shanghai.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month of the form YYYY-MM")]
pub struct MonthParseError(String);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    pub fn containing(date: Date) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> Date {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("invariant: Month is valid")
    }

    pub fn last_day(self) -> Date {
        self.next().first_day().pred_opt().expect("invariant: a month has a last day")
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    /// The first instant of the month in Asia/Shanghai (inclusive).
    pub fn start(self) -> Timestamp {
        Timestamp::start_of_shanghai_day(self.first_day())
    }

    /// The first instant of the next month in Asia/Shanghai (exclusive end).
    pub fn end(self) -> Timestamp {
        self.next().start()
    }

    pub fn contains_date(self, date: Date) -> bool {
        Self::containing(date) == self
    }

    pub fn contains(self, instant: Timestamp) -> bool {
        self.start() <= instant && instant < self.end()
    }
}

impl FromStr for Month {
    type Err = MonthParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MonthParseError(s.chars().take(32).collect());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year = y.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        Self::new(year, month).ok_or_else(bad)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Debug for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_month_starts_at_shanghai_midnight_which_is_sixteen_hundred_utc_the_day_before() {
        let nov = Month::new(2026, 11).unwrap();
        // 2026-10-31T16:00:00Z
        assert_eq!(nov.start().as_millis(), 1_793_462_400_000);
        assert!(nov.contains(Timestamp::from_millis(1_793_462_400_000)));
        assert!(!nov.contains(Timestamp::from_millis(1_793_462_400_000 - 1)));
        assert_eq!(nov.end(), Month::new(2026, 12).unwrap().start());
    }

    #[test]
    fn months_parse_print_and_step_across_years() {
        let dec: Month = "2026-12".parse().unwrap();
        assert_eq!(dec.to_string(), "2026-12");
        assert_eq!(dec.next().to_string(), "2027-01");
        assert_eq!(dec.next().previous(), dec);
        assert_eq!(dec.last_day(), date(2026, 12, 31));
        assert_eq!("2028-02".parse::<Month>().unwrap().last_day(), date(2028, 2, 29));
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"] {
            assert!(bad.parse::<Month>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn instants_map_to_shanghai_calendar_dates() {
        let just_before = Timestamp::start_of_shanghai_day(date(2026, 11, 1)).plus_minutes(-1);
        assert_eq!(just_before.shanghai_date(), date(2026, 10, 31));
        assert_eq!(just_before.plus_minutes(1).shanghai_date(), date(2026, 11, 1));
        assert_eq!(just_before.days_until(date(2026, 11, 30)), 30);
    }
}
