//! What the command line prints: lines on standard output, progress on standard error.
//!
//! `println!` panics when the reader of standard output has gone (`jinlin-server user
//! list | head`, or a script's `awk '… exit'`). A command here ends quietly instead,
//! with success, as a pipeline expects: [`line`] answers [`OutputClosed`], which the
//! command passes up with `?` and `main` turns into a silent exit 0.

use std::io::{IsTerminal as _, Write as _};

/// The reader of standard output stopped reading; nothing more is worth printing.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed by its reader")]
pub struct OutputClosed;

/// Why a line could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Closed(#[from] OutputClosed),
    #[error("cannot write to standard output: {0}")]
    Io(std::io::Error),
}

/// Prints one line on standard output.
pub fn line(text: std::fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(error) => Err(OutputError::Io(error)),
    }
}

/// Whether an error ending a command is only its reader having gone away.
pub fn is_output_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.is::<OutputClosed>() || matches!(cause.downcast_ref::<OutputError>(), Some(OutputError::Closed(_)))
    })
}

/// Progress on standard error: a bar redrawn in place on a terminal
/// (`[#####-----] 3/6 visits`), one line per stage otherwise (a log, a pipe). A closed
/// standard error is ignored: progress is never worth failing a command over.
pub fn progress(done: usize, of: usize, what: &str) {
    const WIDTH: usize = 24;
    let filled = WIDTH * done.min(of) / of.max(1);
    let bar = format!("[{}{}] {done}/{of} {what:<28}", "#".repeat(filled), "-".repeat(WIDTH - filled));
    let mut err = std::io::stderr().lock();
    let _ = if std::io::stderr().is_terminal() {
        write!(err, "\r{bar}").and_then(|()| err.flush())
    } else {
        writeln!(err, "{}", bar.trim_end())
    };
}

/// Ends a bar drawn in place, so the next line starts on its own.
pub fn progress_done() {
    if std::io::stderr().is_terminal() {
        let _ = writeln!(std::io::stderr().lock());
    }
}
