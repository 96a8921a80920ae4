//! The report as tables: one per section, with headers and sheet names in zh-CN or
//! English and typed cells. CSV, XLSX and PDF render these same tables, so a column
//! is named and filled in one place.

use serde::{Deserialize, Serialize};

use super::{CITY, MonthlyReport, Place};
use crate::coverage::CoverageTotals;
use crate::label::{Labelled, Language};
use crate::time::{Date, Timestamp};

/// A section of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    Summary,
    NotVisited,
    RedRisk,
    FollowUpsPastDue,
    Conflicts,
    Voided,
    Incidents,
    Trend,
    Insurance,
    InsuranceByArea,
}

impl Section {
    pub const ALL: [Section; 10] = [
        Section::Summary,
        Section::NotVisited,
        Section::RedRisk,
        Section::FollowUpsPastDue,
        Section::Conflicts,
        Section::Voided,
        Section::Incidents,
        Section::Trend,
        Section::Insurance,
        Section::InsuranceByArea,
    ];

    /// The name in URLs and file names (`summary`, `not-visited`, …).
    pub fn slug(self) -> &'static str {
        match self {
            Section::Summary => "summary",
            Section::NotVisited => "not-visited",
            Section::RedRisk => "red-risk",
            Section::FollowUpsPastDue => "follow-ups-past-due",
            Section::Conflicts => "conflicts",
            Section::Voided => "voided",
            Section::Incidents => "incidents",
            Section::Trend => "trend",
            Section::Insurance => "insurance",
            Section::InsuranceByArea => "insurance-by-area",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The sheet's name (Excel allows 31 characters).
    pub fn title(self, language: Language) -> &'static str {
        let (zh, en) = match self {
            Section::Summary => ("汇总", "Summary"),
            Section::NotVisited => ("本月未探访", "Not visited"),
            Section::RedRisk => ("红色风险探访", "Red-risk visits"),
            Section::FollowUpsPastDue => ("逾期未跟进", "Follow-ups past due"),
            Section::Conflicts => ("待处理冲突", "Open conflicts"),
            Section::Voided => ("作废记录", "Voided visits"),
            Section::Incidents => ("意外事件", "Incidents"),
            Section::Trend => ("探访率趋势", "Visit-rate trend"),
            Section::Insurance => ("幸福安康险", "Insurance cases"),
            Section::InsuranceByArea => ("幸福安康险分区统计", "Insurance by area"),
        };
        pick(language, zh, en)
    }
}

/// One cell, typed so each format can show it properly (a rate as a percentage, a
/// time in Asia/Shanghai).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A share between 0 and 1; empty when there is nothing to divide by.
    Rate(Option<f64>),
    Date(Option<Date>),
    /// Shown in Asia/Shanghai as `YYYY-MM-DD HH:MM`.
    Time(Option<Timestamp>),
}

impl Cell {
    /// The cell as plain text (CSV, and the PDF's table).
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Rate(Some(rate)) => format!("{:.1}%", rate * 100.0),
            Cell::Date(Some(date)) => date.format("%Y-%m-%d").to_string(),
            Cell::Time(Some(at)) => at.to_shanghai().format("%Y-%m-%d %H:%M").to_string(),
            Cell::Rate(None) | Cell::Date(None) | Cell::Time(None) => String::new(),
        }
    }
}

/// A section as a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    pub section: Section,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The words of `language` (the report's and the printed sheets').
pub(crate) fn pick(language: Language, zh: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn count(value: impl Into<i64>) -> Cell {
    Cell::Count(value.into())
}

/// A section listing elders: their name and place, then the section's own columns.
fn by_person<T, const N: usize>(
    language: Language,
    headers: [String; N],
    lines: &[T],
    cells: impl Fn(&T) -> (&str, &Place, Vec<Cell>),
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let mut all = vec![l("姓名", "Name"), l("区", "District"), l("街道", "Street"), l("社区", "Community")];
    all.extend(headers);
    let rows = lines
        .iter()
        .map(|line| {
            let (name, place, own) = cells(line);
            let mut row = vec![text(name), text(&place.district), text(&place.street), text(&place.community)];
            row.extend(own);
            row
        })
        .collect();
    (all, rows)
}

/// Every section, in order.
pub fn tables(report: &MonthlyReport, language: Language) -> Vec<Table> {
    Section::ALL.into_iter().map(|section| table(report, section, language)).collect()
}

/// One section.
pub fn table(report: &MonthlyReport, section: Section, language: Language) -> Table {
    let (headers, rows) = match section {
        Section::Summary => summary(report, language),
        Section::NotVisited => not_visited(report, language),
        Section::RedRisk => red_risk(report, language),
        Section::FollowUpsPastDue => follow_ups_past_due(report, language),
        Section::Conflicts => conflicts(report, language),
        Section::Voided => voided(report, language),
        Section::Incidents => incidents(report, language),
        Section::Trend => trend(report, language),
        Section::Insurance => insurance_cases(report, language),
        Section::InsuranceByArea => insurance_by_area(report, language),
    };
    Table { section, title: section.title(language).to_owned(), headers, rows }
}

fn summary(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let headers = [
        l("层级", "Level"),
        l("代码", "Code"),
        l("名称", "Name"),
        l("区", "District"),
        l("街道", "Street"),
        l("应探访人数", "Elders due a visit"),
        l("已探访人数", "Visited"),
        l("月探访率", "Monthly visit rate"),
        l("上门探访占比", "Home-visit share"),
        l("上门", "Home visits"),
        l("电话", "Phone visits"),
        l("视频", "Video visits"),
        l("逾期：高风险", "Overdue: high risk"),
        l("逾期：重点", "Overdue: key"),
        l("逾期：一般", "Overdue: general"),
    ];
    let rows = report
        .summary
        .iter()
        .map(|line| {
            let level = match line.level {
                Some(level) => level.label(language).to_owned(),
                None => l("全市", "City"),
            };
            let name = if line.area.is_none() && line.name == CITY { l(CITY, "Whole city") } else { line.name.clone() };
            let mut row = vec![text(level), text(&line.code), text(name), text(&line.district), text(&line.street)];
            row.extend(totals_cells(&line.totals));
            row
        })
        .collect();
    (headers.into(), rows)
}

fn not_visited(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(
        language,
        [
            l("关爱等级", "Care tier"),
            l("状态", "Status"),
            l("上次有效探访", "Last valid visit"),
            l("距上次有效探访天数", "Days since last valid visit"),
            l("逾期天数", "Days overdue"),
            l("助老员", "Assistants"),
            l("电话", "Phone"),
            l("住址", "Address"),
        ],
        &report.not_visited,
        |line| {
            (
                &line.name,
                &line.place,
                [
                    text(line.tier.label(language)),
                    text(line.status.map(|s| s.label(language)).unwrap_or_default()),
                    Cell::Date(line.last_valid_visit_on),
                    count(line.days_since),
                    count(line.days_overdue),
                    text(&line.assistants),
                    text(line.phone.clone().unwrap_or_default()),
                    text(&line.address),
                ]
                .into(),
            )
        },
    )
}

fn red_risk(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let yes_no = |flag: bool| text(if flag { l("是", "Yes") } else { l("否", "No") });
    by_person(
        language,
        [
            l("探访时间", "Visited at"),
            l("助老员", "Assistant"),
            l("跟进事项", "Follow-up"),
            l("跟进完成时间", "Follow-up done at"),
            match language {
                Language::ZhCn => format!("{}小时内跟进", report.red_risk_follow_up_hours),
                Language::En => format!("Followed up in {} h", report.red_risk_follow_up_hours),
            },
        ],
        &report.red_risk_visits,
        |line| {
            (
                &line.name,
                &line.place,
                [
                    Cell::Time(Some(line.visited_at)),
                    text(&line.assistant),
                    text(line.follow_up.clone().unwrap_or_default()),
                    Cell::Time(line.follow_up_resolved_at),
                    yes_no(line.followed_up_in_time),
                ]
                .into(),
            )
        },
    )
}

fn follow_ups_past_due(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(
        language,
        [
            l("跟进事项", "Follow-up"),
            l("截止时间", "Due at"),
            l("逾期天数", "Days past due"),
            l("创建人", "Created by"),
        ],
        &report.follow_ups_past_due,
        |line| {
            (
                &line.name,
                &line.place,
                [text(&line.action), Cell::Time(Some(line.due_at)), count(line.days_past_due), text(&line.created_by)]
                    .into(),
            )
        },
    )
}

fn conflicts(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(language, [l("字段", "Field"), l("并存的值", "Competing values")], &report.open_conflicts, |line| {
        (&line.name, &line.place, [text(&line.field), count(i64::try_from(line.values).unwrap_or(i64::MAX))].into())
    })
}

fn voided(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(
        language,
        [
            l("探访时间", "Visited at"),
            l("方式", "Mode"),
            l("助老员", "Assistant"),
            l("作废原因", "Reason"),
            l("作废时间", "Voided at"),
            l("作废人", "Voided by"),
        ],
        &report.voided_visits,
        |line| {
            (
                &line.name,
                &line.place,
                [
                    Cell::Time(Some(line.visited_at)),
                    text(line.mode.label(language)),
                    text(&line.assistant),
                    text(&line.reason),
                    Cell::Time(Some(line.voided_at)),
                    text(&line.voided_by),
                ]
                .into(),
            )
        },
    )
}

fn incidents(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(
        language,
        [
            l("身份证号", "ID number"),
            l("电话", "Phone"),
            l("探访时间", "Visited at"),
            l("事件", "Incident"),
            l("说明", "Note"),
            l("助老员", "Assistant"),
        ],
        &report.incidents,
        |line| {
            (
                &line.name,
                &line.place,
                [
                    text(line.id_number.clone().unwrap_or_default()),
                    text(line.phone.clone().unwrap_or_default()),
                    Cell::Time(Some(line.visited_at)),
                    text(line.kind.label(language)),
                    text(&line.note),
                    text(&line.assistant),
                ]
                .into(),
            )
        },
    )
}

fn trend(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let headers = vec![
        l("月份", "Month"),
        l("应探访人数", "Elders due a visit"),
        l("已探访人数", "Visited"),
        l("月探访率", "Monthly visit rate"),
    ];
    let rows = report
        .trend
        .iter()
        .map(|point| {
            vec![text(point.month.to_string()), count(point.denominator), count(point.visited), Cell::Rate(point.rate)]
        })
        .collect();
    (headers, rows)
}

/// The sheet of cases.
fn insurance_cases(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    by_person(
        language,
        [
            l("身份证号", "ID number"),
            l("电话", "Phone"),
            l("事件", "Incident"),
            l("探访时间", "Visited at"),
            l("状态", "State"),
            l("报案日期", "Reported on"),
            l("理赔编号", "Claim number"),
            l("赔付日期", "Paid on"),
            l("赔付金额（元）", "Amount paid (yuan)"),
            l("不予赔付原因", "Reason declined"),
            l("事件至报案天数", "Days from incident to report"),
        ],
        &report.insurance_cases,
        |line| {
            (
                &line.name,
                &line.place,
                vec![
                    Cell::Text(line.id_number.clone().unwrap_or_default()),
                    Cell::Text(line.phone.clone().unwrap_or_default()),
                    Cell::Text(line.kind.label(language).to_owned()),
                    Cell::Time(Some(line.incident_at)),
                    Cell::Text(line.state.label(language).to_owned()),
                    Cell::Date(line.reported_on),
                    Cell::Text(line.claim_number.clone().unwrap_or_default()),
                    Cell::Date(line.paid_on),
                    Cell::Text(line.amount_fen.map(super::yuan).unwrap_or_default()),
                    Cell::Text(line.declined_reason.clone().unwrap_or_default()),
                    line.days_to_report.map_or(Cell::Text(String::new()), Cell::Count),
                ],
            )
        },
    )
}

/// The sheet of figures by area.
fn insurance_by_area(report: &MonthlyReport, language: Language) -> (Vec<String>, Vec<Vec<Cell>>) {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let headers = vec![
        l("层级", "Level"),
        l("代码", "Code"),
        l("名称", "Name"),
        l("待报案", "Leads"),
        l("已报案", "Reported"),
        l("已赔付", "Paid"),
        l("不予赔付", "Declined"),
        l("赔付总额（元）", "Total paid (yuan)"),
        l("事件至报案天数中位数", "Median days from incident to report"),
    ];
    let rows = report
        .insurance_by_area
        .iter()
        .map(|f| {
            let level = f.level.map_or_else(|| l("全市", "City"), |level| level.label(language).to_owned());
            let name = if f.area.is_none() { l(CITY, "Whole city") } else { f.name.clone() };
            vec![
                Cell::Text(level),
                Cell::Text(f.code.clone()),
                Cell::Text(name),
                Cell::Count(f.leads.into()),
                Cell::Count(f.reported.into()),
                Cell::Count(f.paid.into()),
                Cell::Count(f.declined.into()),
                Cell::Text(super::yuan(f.total_paid_fen)),
                Cell::Text(f.median_days_to_report.map(|d| format!("{d:.1}")).unwrap_or_default()),
            ]
        })
        .collect();
    (headers, rows)
}

fn totals_cells(totals: &CoverageTotals) -> [Cell; 10] {
    [
        count(totals.denominator),
        count(totals.visited),
        Cell::Rate(totals.rate),
        Cell::Rate(totals.home_visit_share),
        count(totals.valid_visits_by_mode.home),
        count(totals.valid_visits_by_mode.phone),
        count(totals.valid_visits_by_mode.video),
        count(totals.overdue_by_tier.high_risk),
        count(totals.overdue_by_tier.key),
        count(totals.overdue_by_tier.general),
    ]
}

/// The report's title line: area, month, and when it was made.
pub fn heading(report: &MonthlyReport, generated_at: Timestamp, language: Language) -> Vec<(String, String)> {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let area = if report.area.id.is_none() { l(CITY, "Whole city") } else { report.area.name.clone() };
    vec![
        (l("地区", "Area"), area),
        (l("月份", "Month"), report.month.to_string()),
        (l("统计截至", "Counted to"), report.as_of.format("%Y-%m-%d").to_string()),
        (l("生成时间", "Generated at"), Cell::Time(Some(generated_at)).text()),
        (
            l("身份证号和电话", "ID numbers and phones"),
            if report.masked { l("已打码", "masked") } else { l("未打码（已审计）", "unmasked (audited)") },
        ),
    ]
}
