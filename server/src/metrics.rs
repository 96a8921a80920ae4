//! Counters for `/metrics`, in Prometheus' text format: pushes, changes stored,
//! rejections by code, push durations. Atomics, no registry: a handful of numbers.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jinlin_shared::validate::RejectCode;

/// Upper bounds of the push-duration histogram, in seconds.
const BUCKETS: [f64; 9] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default)]
pub struct Metrics {
    documents_pushed: AtomicU64,
    changes_stored: AtomicU64,
    pulls: AtomicU64,
    bootstraps: AtomicU64,
    // A std Mutex: held for a few additions, never across an await.
    rejects: Mutex<Vec<(RejectCode, u64)>>,
    durations: Mutex<Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn document_pushed(&self, stored: u32, took: Duration) {
        self.documents_pushed.fetch_add(1, Ordering::Relaxed);
        self.changes_stored.fetch_add(u64::from(stored), Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        let mut histogram = self.durations.lock().unwrap_or_else(|p| p.into_inner());
        histogram.count += 1;
        histogram.sum += seconds;
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
    }

    pub fn document_rejected(&self, code: RejectCode) {
        self.documents_pushed.fetch_add(1, Ordering::Relaxed);
        let mut rejects = self.rejects.lock().unwrap_or_else(|p| p.into_inner());
        match rejects.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => rejects.push((code, 1)),
        }
    }

    pub fn pulled(&self) {
        self.pulls.fetch_add(1, Ordering::Relaxed);
    }

    pub fn bootstrapped(&self) {
        self.bootstraps.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter(
            &mut out,
            "jinlin_documents_pushed_total",
            "Documents received in pushes.",
            self.documents_pushed.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "jinlin_changes_stored_total",
            "Changes stored (new to the server).",
            self.changes_stored.load(Ordering::Relaxed),
        );
        counter(&mut out, "jinlin_pulls_total", "Pull requests answered.", self.pulls.load(Ordering::Relaxed));
        counter(
            &mut out,
            "jinlin_bootstraps_total",
            "Bootstrap pages answered.",
            self.bootstraps.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP jinlin_rejects_total Documents rejected, by code.\n# TYPE jinlin_rejects_total counter"
        );
        for (code, n) in self.rejects.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "jinlin_rejects_total{{code=\"{}\"}} {n}", code.as_str());
        }
        let histogram = self.durations.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(
            out,
            "# HELP jinlin_push_seconds Time to apply and commit one document.\n# TYPE jinlin_push_seconds histogram"
        );
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
            let _ = writeln!(out, "jinlin_push_seconds_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "jinlin_push_seconds_bucket{{le=\"+Inf\"}} {}", histogram.count);
        let _ =
            writeln!(out, "jinlin_push_seconds_sum {}\njinlin_push_seconds_count {}", histogram.sum, histogram.count);
        out
    }
}
