//! Prints the monthly coverage of a generated community: what the run command shows
//! until the sync server and the desktop app exist.
//!
//! `cargo run -p jinlin-shared --example community_coverage -- [--lang en] [--elders N] [--seed S]`
//!
//! Every elder's record is a real Automerge document built by the shared core's
//! operations (enrolment, a year of visits by two assistants on two workstations,
//! merged); the figures come from the same materialisation and coverage code the
//! server and the workstation use.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use jinlin_shared::ActorId;
use jinlin_shared::coverage::monthly_coverage;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::label::{Labelled, Language};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::privacy::mask_phone;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::{Month, Timestamp};

struct Options {
    language: Language,
    elders: usize,
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options { language: Language::ZhCn, elders: 40, seed: 7 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--lang" => {
                options.language = match value()?.as_str() {
                    "en" => Language::En,
                    "zh-CN" | "zh" => Language::ZhCn,
                    other => return Err(format!("unknown language {other:?} (zh-CN or en)")),
                }
            }
            "--elders" => options.elders = value()?.parse().map_err(|_| "--elders takes a number".to_owned())?,
            "--seed" => options.seed = value()?.parse().map_err(|_| "--seed takes a number".to_owned())?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn text(language: Language, zh: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let lang = options.language;
    let now_millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let now = Timestamp::from_millis(now_millis);
    let today = now.shanghai_date();
    let month = Month::containing(today);
    let policy = Policy::default();
    let mut rng = Rng::new(options.seed);
    let city = synthetic::city(&mut rng, 6, now);
    let community = city.communities[0];
    let community_name = city.areas.iter().find(|a| a.id == community).map_or("", |a| a.name.as_str());
    let assistants = [synthetic::author(&mut rng, now), synthetic::author(&mut rng, now)];

    // A year of visits: each elder seen most months, alternately by both assistants,
    // each on their own workstation; the two replicas are then merged as sync would.
    let year_ago = Timestamp::start_of_shanghai_day(month.first_day()).plus_hours(-24 * 365);
    let mut rows: Vec<ElderRows> = Vec::new();
    for _ in 0..options.elders {
        let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
        let edit = Edit { author: assistants[0], at: year_ago };
        let (mut first, _) = ElderDocument::enrol(enrolment, &edit, ActorId::from(rng.actor_bytes())).expect("enrol");
        let mut second = ElderDocument::load(&first.save(), ActorId::from(rng.actor_bytes())).expect("load");
        let mut visit_at = year_ago.plus_hours(24 * rng.below(20) as i64 + 9);
        while visit_at < now {
            if rng.chance(88) {
                let (doc, author) =
                    if rng.chance(50) { (&mut first, assistants[0]) } else { (&mut second, assistants[1]) };
                let visit = synthetic::visit(&mut rng, visit_at);
                doc.record_visit(&Edit { author, at: visit_at.plus_minutes(15) }, visit, &policy).expect("visit");
            }
            visit_at = visit_at.plus_hours(24 * (20 + rng.below(20) as i64));
        }
        first.merge(&second).expect("merge");
        rows.push(materialise(&first).expect("rows"));
    }

    let area = BTreeSet::from([community]);
    let coverage = monthly_coverage(month, &area, rows.iter().map(Into::into), &policy, today);
    let totals = &coverage.totals;
    println!("{} · {} {}", community_name, text(lang, "月份", "month"), month);
    println!("{:<16}{}", text(lang, "应探访老人", "Elders due"), totals.denominator);
    println!("{:<16}{}", text(lang, "本月已探访", "Visited"), totals.visited);
    println!("{:<16}{}", text(lang, "月探访率", "Visit rate"), percent(totals.rate));
    println!("{:<16}{}", text(lang, "上门占比", "Home visits"), percent(totals.home_visit_share));
    for tier in [
        jinlin_shared::elder::CareTier::HighRisk,
        jinlin_shared::elder::CareTier::Key,
        jinlin_shared::elder::CareTier::General,
    ] {
        println!(
            "{:<16}{} / {}",
            format!("{} {}", tier.label(lang), text(lang, "逾期", "overdue")),
            totals.overdue_by_tier.get(tier),
            totals.elders_by_tier.get(tier)
        );
    }
    println!();
    println!("{}", text(lang, "本月未探访（最紧急在前）：", "Not visited this month (most urgent first):"));
    for elder in coverage.elders.iter().filter(|e| !e.visited_in_month) {
        let Some(row) = rows.iter().find(|r| r.elder.elder_id == elder.elder_id) else { continue };
        let phone = row.elder.profile.phone.as_deref().map(mask_phone).unwrap_or_default();
        let overdue = match lang {
            Language::ZhCn => format!("逾期 {} 天", elder.days_overdue),
            Language::En => format!("{} days overdue", elder.days_overdue),
        };
        println!(
            "  {:<6} {:<6} {:<12} {}",
            row.elder.profile.name,
            elder.tier.label(lang),
            phone,
            if elder.days_overdue > 0 { overdue } else { String::new() }
        );
    }
}
