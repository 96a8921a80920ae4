//! Sheets an assistant prints: an elder's visit record (探访记录表) and the day's round
//! list (who is due, where, when last seen), as content in zh-CN or English before any
//! drawing. Phones and ID numbers appear in their masked forms only: a printed sheet
//! leaves the office in a bag.

use serde::{Deserialize, Serialize};

use crate::elder::CareTier;
use crate::label::{Labelled, Language};
use crate::materialise::ElderRows;
use crate::privacy::mask_phone;
use crate::report::tables::{Cell, pick};
use crate::roster::RosterEntry;
use crate::time::{Date, Timestamp};
use crate::visit::{CheckArea, CheckState, Visit};
use crate::warning::WarningReason;

/// A printable sheet: a title, labelled facts, then tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sheet {
    pub title: String,
    pub heading: Vec<(String, String)>,
    pub tables: Vec<SheetTable>,
    pub footer: String,
    /// The file name the sheet is saved under (no folder).
    pub file_name: String,
}

/// A table of text, each column with its share of the page's width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetTable {
    pub title: String,
    pub headers: Vec<String>,
    pub shares: Vec<f32>,
    pub rows: Vec<Vec<String>>,
    /// Said instead of rows when there are none.
    pub empty: String,
}

/// A time as every export shows it (Asia/Shanghai, `YYYY-MM-DD HH:MM`).
fn time_text(at: Timestamp) -> String {
    Cell::Time(Some(at)).text()
}

/// What a visit found: each area not good, with its note.
fn findings(visit: &Visit, language: Language) -> String {
    CheckArea::ALL
        .iter()
        .filter_map(|area| {
            let check = visit.record.checks.get(*area);
            matches!(check.state, CheckState::Concern | CheckState::Serious).then(|| {
                let note = if check.note.is_empty() { String::new() } else { format!(" {}", check.note) };
                format!("{}：{}{note}", area.label(language), check.state.label(language))
            })
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// An elder's visit record: who they are (masked), every visit, every follow-up.
/// `person` names a user by id; `community` is the name of the community holding them.
pub fn visit_record(
    rows: &ElderRows,
    community: &str,
    person: &dyn Fn(crate::ids::UserId) -> String,
    printed_at: Timestamp,
    language: Language,
) -> Sheet {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let p = &rows.elder.profile;
    let today = printed_at.shanghai_date();
    let contacts = p
        .emergency_contacts
        .values()
        .map(|c| format!("{}（{}）{}", c.name, c.relation, mask_phone(&c.phone)))
        .collect::<Vec<_>>()
        .join("；");
    let heading = vec![
        (l("姓名", "Name"), p.name.clone()),
        (l("性别 / 年龄", "Gender / age"), format!("{} / {}", p.gender.label(language), p.age_on(today))),
        (l("身份证号", "ID number"), p.id_number_masked.clone().unwrap_or_default()),
        (l("电话", "Phone"), p.phone.as_deref().map(mask_phone).unwrap_or_default()),
        (l("住址", "Address"), p.address.clone()),
        (l("所属社区", "Community"), community.to_owned()),
        (l("困难类别", "Hardship"), p.categories.iter().map(|c| c.label(language)).collect::<Vec<_>>().join("、")),
        (l("紧急联系人", "Emergency contacts"), contacts),
    ];
    let visits = visits_table(rows, person, language);
    let follow_ups = follow_ups_table(rows, language);
    Sheet {
        title: l("特殊困难老年人探访记录表", "Visit record of a special-hardship elder"),
        heading,
        tables: vec![visits, follow_ups],
        footer: footer(printed_at, language),
        file_name: file_name(&format!("{}-{}", l("探访记录表", "visit-record"), p.name)),
    }
}

/// Every visit, newest first; a voided one says so with its reason.
fn visits_table(rows: &ElderRows, person: &dyn Fn(crate::ids::UserId) -> String, language: Language) -> SheetTable {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    SheetTable {
        title: l("探访记录", "Visits"),
        headers: vec![
            l("探访时间", "Visited at"),
            l("方式", "Mode"),
            l("结果", "Outcome"),
            l("风险", "Risk"),
            l("发现的问题", "Findings"),
            l("意外事件", "Incident"),
            l("备注", "Notes"),
            l("助老员", "Assistant"),
        ],
        shares: vec![0.13, 0.07, 0.1, 0.06, 0.24, 0.12, 0.18, 0.1],
        rows: rows
            .visits
            .iter()
            .rev()
            .map(|row| {
                let v = &row.visit;
                let outcome = match &v.void {
                    Some(void) => format!("{}（{}）", l("已作废", "Voided"), void.reason),
                    None => v.record.outcome.label(language).to_owned(),
                };
                vec![
                    time_text(v.visited_at),
                    v.record.mode.label(language).to_owned(),
                    outcome,
                    v.record.risk.label(language).to_owned(),
                    findings(v, language),
                    v.record
                        .incident
                        .as_ref()
                        .map(|i| format!("{} {}", i.kind.label(language), i.note))
                        .unwrap_or_default(),
                    v.record.notes.clone(),
                    person(v.assistant),
                ]
            })
            .collect(),
        empty: l("尚无探访记录。", "No visits yet."),
    }
}

/// Every follow-up, by due time, and how it was closed.
fn follow_ups_table(rows: &ElderRows, language: Language) -> SheetTable {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    SheetTable {
        title: l("跟进事项", "Follow-ups"),
        headers: vec![l("事项", "Action"), l("截止时间", "Due"), l("完成情况", "Done")],
        shares: vec![0.5, 0.2, 0.3],
        rows: rows
            .follow_ups
            .iter()
            .map(|row| {
                let f = &row.follow_up;
                let done = match &f.resolution {
                    Some(r) if r.note.is_empty() => time_text(r.at),
                    Some(r) => format!("{} {}", time_text(r.at), r.note),
                    None => l("未完成", "Open"),
                };
                vec![f.action.clone(), time_text(f.due_at), done]
            })
            .collect(),
        empty: l("没有跟进事项。", "No follow-ups."),
    }
}

/// Why an elder is on the day's round list, most pressing first; `None`: not due.
fn why_due(entry: &RosterEntry, language: Language) -> Option<(u8, String)> {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    if entry.warnings.contains(&WarningReason::HighRiskOverdue) {
        return Some((0, WarningReason::HighRiskOverdue.label(language).to_owned()));
    }
    if entry.follow_ups_past_due > 0 {
        return Some((1, l("跟进事项已逾期", "Follow-up past due")));
    }
    if entry.warnings.contains(&WarningReason::Unvisited) {
        let days = match language {
            Language::ZhCn => format!("（逾期 {} 天）", entry.days_overdue),
            Language::En => format!(" ({} days overdue)", entry.days_overdue),
        };
        return Some((
            2,
            format!(
                "{}{}",
                WarningReason::Unvisited.label(language),
                if entry.days_overdue > 0 { days } else { String::new() }
            ),
        ));
    }
    if entry.due_this_week || (entry.due_this_month && !entry.visited_this_month) {
        return Some((3, l("本月尚未探访", "Not visited this month")));
    }
    None
}

/// The day's round list of `assistant`: every elder of the roster who is due (high
/// risk past the interval, a follow-up past due, warned as not visited, not yet visited
/// this month), most pressing first (then longest unseen), with a blank column for
/// notes by hand.
pub fn round_list(
    elders: &[(RosterEntry, &ElderRows)],
    assistant: &str,
    day: Date,
    printed_at: Timestamp,
    language: Language,
) -> Sheet {
    let l = |zh: &'static str, en: &'static str| pick(language, zh, en).to_owned();
    let mut due: Vec<(u8, i64, &RosterEntry, &ElderRows, String)> = elders
        .iter()
        .filter_map(|(entry, rows)| {
            why_due(entry, language).map(|(rank, why)| (rank, -entry.days_overdue, entry, *rows, why))
        })
        .collect();
    // Most pressing reason, most days overdue, longest unseen (never first), then name.
    due.sort_by(|a, b| {
        (a.0, a.1, a.2.last_valid_visit_on, &a.2.name).cmp(&(b.0, b.1, b.2.last_valid_visit_on, &b.2.name))
    });
    let rows = due
        .iter()
        .enumerate()
        .map(|(i, (_, _, entry, rows, why))| {
            let p = &rows.elder.profile;
            vec![
                (i + 1).to_string(),
                entry.name.clone(),
                entry.tier.label(language).to_owned(),
                p.address.clone(),
                p.phone.as_deref().map(mask_phone).unwrap_or_default(),
                entry.last_valid_visit_on.map(|d| d.to_string()).unwrap_or_else(|| l("从未", "Never")),
                why.clone(),
                String::new(),
            ]
        })
        .collect();
    let high_risk = due.iter().filter(|d| d.2.tier == CareTier::HighRisk).count();
    let table = SheetTable {
        title: match language {
            Language::ZhCn => format!("待探访 {} 人（其中高风险 {high_risk} 人）", due.len()),
            Language::En => format!("{} to visit ({high_risk} high risk)", due.len()),
        },
        headers: vec![
            l("序号", "No."),
            l("姓名", "Name"),
            l("关爱等级", "Tier"),
            l("住址", "Address"),
            l("电话", "Phone"),
            l("上次有效探访", "Last valid visit"),
            l("事由", "Why"),
            l("探访情况（手写）", "Notes (by hand)"),
        ],
        shares: vec![0.05, 0.1, 0.08, 0.25, 0.11, 0.11, 0.15, 0.15],
        rows,
        empty: l("今天没有待探访的老人。", "Nobody is due today."),
    };
    Sheet {
        title: l("助老员每日探访名单", "The day's round list"),
        heading: vec![(l("助老员", "Assistant"), assistant.to_owned()), (l("日期", "Date"), day.to_string())],
        tables: vec![table],
        footer: footer(printed_at, language),
        file_name: file_name(&format!("{}-{day}", l("探访名单", "round-list"))),
    }
}

/// `stem` as a PDF's file name on any system: no folder separators, nothing Windows
/// refuses (`:*?"<>|`), no control characters, not hidden; an elder's name is typed by
/// people and must not lead the file out of the export folder.
pub fn file_name(stem: &str) -> String {
    let cleaned: String =
        stem.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    format!("{}.pdf", cleaned.trim().trim_start_matches('.'))
}

fn footer(printed_at: Timestamp, language: Language) -> String {
    match language {
        Language::ZhCn => format!("近邻 · 打印于 {} · 电话和身份证号已打码", time_text(printed_at)),
        Language::En => format!("Jinlin · printed {} · phones and ID numbers masked", time_text(printed_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn a_name_never_leads_the_file_out_of_its_folder() {
        assert_eq!(file_name("探访记录表-陈阿婆"), "探访记录表-陈阿婆.pdf");
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd.pdf");
        assert_eq!(file_name("a\\b:c*d?e\"f<g>h|i\nj"), "a_b_c_d_e_f_g_h_i_j.pdf");
    }
}
