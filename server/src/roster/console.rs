//! `jinlin-server roster check FILE` and `roster import FILE`: the dry run printed
//! (new elders, changed fields old → new, elders the file leaves out, bad rows by
//! line and column), then, for `import`, a question before anything is written
//! (`--yes` answers it; without a terminal and without `--yes`, nothing is written).

use jinlin_shared::label::Language;
use jinlin_shared::roster_file::RosterCheck;

use super::{RosterError, apply_roster, check_roster, importer};
use crate::console::{line, progress, progress_done};
use crate::state::AppState;

macro_rules! say {
    ($($arg:tt)*) => { line(format_args!($($arg)*))? };
}

/// Checks `file`, prints what applying it would do, and (for an import) asks and applies.
pub async fn run(state: &AppState, file: &std::path::Path, login: &str, apply: bool, yes: bool) -> anyhow::Result<()> {
    let bytes = read_file(file)?;
    let caller = importer(state, login).await?;
    let plan = check_roster(state, &caller, bytes.clone()).await?;
    print_check(state, &plan.check).await?;
    if !apply {
        say!("this was a check; nothing was written (`roster import` applies it)");
        return Ok(());
    }
    if !plan.check.writes_anything() {
        say!("nothing to apply: the roster already says what the file says");
        return Ok(());
    }
    if !yes && !confirmed(&plan.check)? {
        say!("nothing was written");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let show = |done: usize, of: usize| progress(done, of, "elders written");
    let applied = apply_roster(state, &caller, bytes, &plan.check.digest, &show).await?;
    progress_done();
    say!(
        "enrolled {}, updated {}, refused {} in {:.1} s",
        applied.enrolled,
        applied.updated,
        applied.refused.len(),
        started.elapsed().as_secs_f64()
    );
    for refused in &applied.refused {
        say!("  line {}: {}", refused.line, refused.reason);
    }
    Ok(())
}

fn read_file(file: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(file)?.len();
    if size > super::MAX_FILE_BYTES as u64 {
        return Err(RosterError::File(super::FileError::TooLarge).into());
    }
    Ok(std::fs::read(file)?)
}

/// Asks on the terminal; no terminal, no answer: nothing is written.
fn confirmed(check: &RosterCheck) -> anyhow::Result<bool> {
    use std::io::IsTerminal as _;
    if !std::io::stdin().is_terminal() {
        say!("standard input is not a terminal: give --yes to apply without asking");
        return Ok(false);
    }
    eprint!("enrol {} and update {} elders now? [y/N] ", check.enrol.len(), check.update.len());
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The check as a supervisor reads it, Chinese and English side by side.
async fn print_check(state: &AppState, check: &RosterCheck) -> anyhow::Result<()> {
    use jinlin_shared::label::Labelled as _;
    let areas = state.areas().await?;
    let community = |id| areas.get(id).map_or_else(|| id.to_string(), |a| a.name.clone());
    let ignored: Vec<&str> =
        check.header.columns.iter().filter(|(_, column)| column.is_none()).map(|(name, _)| name.as_str()).collect();
    say!(
        "header on line {}; columns ignored: {}",
        check.header.line,
        if ignored.is_empty() { "none".into() } else { ignored.join(", ") }
    );
    say!(
        "rows {} · new {} · changed {} · unchanged {} · not in the file {} · problems {}",
        check.rows,
        check.enrol.len(),
        check.update.len(),
        check.unchanged,
        check.missing.len(),
        check.problems.len()
    );
    for new in &check.enrol {
        say!("enrol   line {}: {} ({}) in {}", new.line, new.name, new.birth_date, community(new.community));
    }
    for update in &check.update {
        for change in &update.changes {
            let (old, new) = (&change.old, &change.new);
            say!(
                "update  line {}: {} {}: {old:?} → {new:?}",
                update.line,
                update.name,
                change.column.label(Language::En)
            );
        }
    }
    for missing in &check.missing {
        say!(
            "missing {} in {} ({}): on the roster, not in the file; a supervisor decides (a status change; never deleted)",
            missing.name,
            community(missing.community),
            missing.status.label(Language::En)
        );
    }
    for problem in &check.problems {
        say!("problem line {}: {} / {}", problem.line, problem.zh, problem.en);
    }
    Ok(())
}
