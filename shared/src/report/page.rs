//! The month on one printed page: what it says, in zh-CN or English, before any
//! drawing. The server lays this out as a PDF; keeping the content here means the
//! figures and their wording are tested without a font, and come from the same report
//! as every other format.

use serde::{Deserialize, Serialize};

use super::tables::{Cell, heading, pick};
use super::{MonthlyReport, SummaryLine};
use crate::area::AreaLevel;
use crate::label::Language;
use crate::time::Timestamp;

/// At most this many areas are listed in the page's table; the rest are counted.
pub const PAGE_ROWS: usize = 24;

/// The one-page summary of a monthly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryPage {
    pub title: String,
    /// Area, month, day counted to, time of making, masked or not.
    pub heading: Vec<(String, String)>,
    /// The figures a supervisor answers for, in boxes.
    pub figures: Vec<Figure>,
    /// The areas one level down (or the community itself), one row each.
    pub table_title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Said under the table when it could not list every area.
    pub omitted: Option<String>,
    pub trend_title: String,
    /// The monthly visit rate of the last months, oldest first: a label such as `11月`.
    pub trend: Vec<(String, Option<f64>)>,
    pub footer: String,
}

/// A labelled figure, already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figure {
    pub label: String,
    pub value: String,
    /// The figure asks for attention (a rate under target, anything overdue).
    pub alert: bool,
}

/// The monthly target: every special-hardship elder visited.
const TARGET_RATE: f64 = 1.0;

/// Builds the page.
pub fn summary_page(report: &MonthlyReport, generated_at: Timestamp, language: Language) -> SummaryPage {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let heading = heading(report, generated_at, language);
    let area_name = heading.first().map(|(_, value)| value.clone()).unwrap_or_default();
    let title = match language {
        Language::ZhCn => format!("{area_name} {} 月度探访报告", report.month),
        Language::En => format!("{area_name}: monthly visit report, {}", report.month),
    };
    let AreaTable { table_title, headers, rows, omitted } = area_table(report, language);
    let footer = l(
        "近邻 · 特殊困难老年人探访记录 · 名单明细见 XLSX 或 CSV 导出",
        "Jinlin · visits to special-hardship elders · the lists behind these figures are in the XLSX or CSV export",
    );
    SummaryPage {
        title,
        heading,
        figures: figures(report, language),
        table_title,
        headers,
        rows,
        omitted,
        trend_title: l("近12个月探访率", "Visit rate, last 12 months"),
        trend: trend(report, language),
        footer,
    }
}

/// The month's figures, those asking for attention marked: coverage and follow-through,
/// then the insurance cases.
fn figures(report: &MonthlyReport, language: Language) -> Vec<Figure> {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let totals = report.summary.first().map(|line| line.totals.clone()).unwrap_or_default();
    let overdue = totals.overdue_by_tier.high_risk + totals.overdue_by_tier.key + totals.overdue_by_tier.general;
    let red_in_time = report.red_risk_visits.iter().filter(|line| line.followed_up_in_time).count();
    let hours = report.red_risk_follow_up_hours;
    let figure = |label: String, value: String, alert: bool| Figure { label, value, alert };
    let mut figures = vec![
        figure(l("应探访老人", "Elders due a visit"), totals.denominator.to_string(), false),
        figure(l("已探访", "Visited"), totals.visited.to_string(), false),
        figure(
            l("月探访率", "Monthly visit rate"),
            Cell::Rate(totals.rate).text(),
            totals.rate.is_some_and(|rate| rate < TARGET_RATE),
        ),
        figure(l("上门探访占比", "Home-visit share"), Cell::Rate(totals.home_visit_share).text(), false),
        figure(l("逾期未探访", "Overdue"), overdue.to_string(), overdue > 0),
        figure(
            match language {
                Language::ZhCn => format!("红色风险（{hours}小时内跟进）"),
                Language::En => format!("Red risk (followed up in {hours} h)"),
            },
            format!("{} ({red_in_time})", report.red_risk_visits.len()),
            red_in_time < report.red_risk_visits.len(),
        ),
        figure(l("意外事件", "Incidents"), report.incidents.len().to_string(), !report.incidents.is_empty()),
        figure(
            l("逾期未跟进", "Follow-ups past due"),
            report.follow_ups_past_due.len().to_string(),
            !report.follow_ups_past_due.is_empty(),
        ),
        figure(
            l("待处理冲突", "Open conflicts"),
            report.open_conflicts.len().to_string(),
            !report.open_conflicts.is_empty(),
        ),
        figure(l("作废记录", "Voided visits"), report.voided_visits.len().to_string(), false),
    ];
    // The third row: the area's insurance cases (幸福安康险).
    let cases = report.insurance_by_area.first();
    let count = |pick: fn(&super::InsuranceFigures) -> u32| cases.map_or(0, pick);
    let leads = count(|f| f.leads);
    figures.extend([
        figure(l("保险：待报案", "Insurance: leads"), leads.to_string(), leads > 0),
        figure(l("保险：已报案", "Insurance: reported"), count(|f| f.reported).to_string(), false),
        figure(l("保险：已赔付", "Insurance: paid"), count(|f| f.paid).to_string(), false),
        figure(
            l("保险：赔付总额（元）", "Insurance: total paid (yuan)"),
            super::yuan(cases.map_or(0, |f| f.total_paid_fen)),
            false,
        ),
        figure(
            l("保险：事件至报案天数中位数", "Insurance: median days to report"),
            cases.and_then(|f| f.median_days_to_report).map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into()),
            false,
        ),
    ]);
    figures
}

/// The table of the areas one level below the report's, at most [`PAGE_ROWS`] of them.
struct AreaTable {
    table_title: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    omitted: Option<String>,
}

fn area_table(report: &MonthlyReport, language: Language) -> AreaTable {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let below = match report.area.level {
        None => Some(AreaLevel::District),
        Some(AreaLevel::District) => Some(AreaLevel::Street),
        Some(AreaLevel::Street) => Some(AreaLevel::Community),
        Some(AreaLevel::Community) => None,
    };
    let mut lines: Vec<&SummaryLine> = match below {
        Some(level) => report.summary.iter().filter(|line| line.level == Some(level)).collect(),
        None => report.summary.iter().take(1).collect(),
    };
    let all = lines.len();
    let omitted = (all > PAGE_ROWS).then(|| {
        // The areas most in need of attention stay on the page.
        lines.sort_by(|a, b| a.totals.rate.partial_cmp(&b.totals.rate).unwrap_or(std::cmp::Ordering::Equal));
        lines.truncate(PAGE_ROWS);
        match language {
            Language::ZhCn => format!("按探访率由低到高列出 {PAGE_ROWS} 个，共 {all} 个；完整名单见 XLSX。"),
            Language::En => format!("The {PAGE_ROWS} lowest rates of {all} are listed; the XLSX has them all."),
        }
    });
    let table_title = match below {
        Some(AreaLevel::District) => l("各区", "By district"),
        Some(AreaLevel::Street) => l("各街道", "By street"),
        Some(AreaLevel::Community) => l("各社区", "By community"),
        None => l("本社区", "This community"),
    };
    let headers = vec![
        l("名称", "Name"),
        l("应探访", "Due"),
        l("已探访", "Visited"),
        l("探访率", "Rate"),
        l("上门占比", "Home share"),
        l("逾期", "Overdue"),
    ];
    let rows = lines
        .iter()
        .map(|line| {
            let t = &line.totals;
            vec![
                Cell::Text(line.name.clone()),
                Cell::Count(t.denominator.into()),
                Cell::Count(t.visited.into()),
                Cell::Rate(t.rate),
                Cell::Rate(t.home_visit_share),
                Cell::Count((t.overdue_by_tier.high_risk + t.overdue_by_tier.key + t.overdue_by_tier.general).into()),
            ]
        })
        .collect();
    AreaTable { table_title, headers, rows, omitted }
}

/// The visit rate of each of the trend's months, labelled by month.
fn trend(report: &MonthlyReport, language: Language) -> Vec<(String, Option<f64>)> {
    report
        .trend
        .iter()
        .map(|point| {
            let label = match language {
                Language::ZhCn => format!("{}月", point.month.month()),
                Language::En => MONTHS_EN[(point.month.month() as usize).saturating_sub(1) % 12].to_owned(),
            };
            (label, point.rate)
        })
        .collect()
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
