//! Failed sign-ins slow the one who fails, instead of locking the account.
//!
//! A lockout after a few wrong passwords lets anyone who knows a login keep its
//! assistant out of the server all day. Here failures are counted per subject (the
//! login tried, whether or not it exists, and the client's address), and after a few
//! free failures each attempt on that subject must wait a delay that doubles with every
//! failure, up to a ceiling. A guesser gets a handful of tries an hour; an assistant
//! who mistyped waits seconds, and meanwhile signs in offline on a workstation that
//! knows them. Counts live in the database (so every replica sees them) and grow with
//! one atomic statement (`failures = failures + 1`, never read-then-write); a
//! subject's count is forgotten an hour after its last failure.

use std::net::IpAddr;
use std::time::Duration;

use jinlin_shared::time::Timestamp;
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entity::sign_in_failure;

/// Failures a subject may have before attempts are delayed.
pub const FREE_FAILURES: i32 = 3;
/// The first delay, doubled with each further failure.
const FIRST_DELAY_SECONDS: i64 = 2;
/// The longest delay between two attempts on one subject.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// How long after its last failure a subject's count is forgotten.
const FORGET_AFTER_MINUTES: i64 = 60;

/// Something failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    /// The login as typed (trimmed, at most 64 characters kept), known or not, so that
    /// an unknown login is throttled exactly as a known one.
    pub fn login(login: &str) -> Self {
        Self(format!("login:{}", login.trim().chars().take(64).collect::<String>()))
    }

    /// The client's address (the peer of the connection).
    pub fn address(address: IpAddr) -> Self {
        Self(format!("address:{address}"))
    }
}

/// The delay owed after `failures` failures (none within the free ones).
pub fn delay_after(failures: i32) -> Duration {
    let over = failures - FREE_FAILURES;
    if over <= 0 {
        return Duration::ZERO;
    }
    let seconds = FIRST_DELAY_SECONDS.saturating_mul(1i64 << Ord::min(over - 1, 20));
    Duration::from_secs(seconds as u64).min(MAX_DELAY)
}

/// How long the caller must still wait before trying any of `subjects` again; `None`
/// when they may try now.
pub async fn wait(db: &impl ConnectionTrait, subjects: &[Subject], now: Timestamp) -> Result<Option<Duration>, DbErr> {
    let rows = sign_in_failure::Entity::find()
        .filter(sign_in_failure::Column::Subject.is_in(subjects.iter().map(|s| s.0.clone())))
        .all(db)
        .await?;
    let forget_before = now.plus_minutes(-FORGET_AFTER_MINUTES).as_millis();
    let longest = rows
        .iter()
        .filter(|row| row.last_failure_at >= forget_before)
        .filter_map(|row| {
            let free_at = row.last_failure_at.saturating_add(delay_after(row.failures).as_millis() as i64);
            (free_at > now.as_millis()).then(|| Duration::from_millis((free_at - now.as_millis()) as u64))
        })
        .max();
    Ok(longest)
}

/// Counts one more failure against each subject.
pub async fn failed(db: &impl ConnectionTrait, subjects: &[Subject], now: Timestamp) -> Result<(), DbErr> {
    let forget_before = now.plus_minutes(-FORGET_AFTER_MINUTES).as_millis();
    for subject in subjects {
        // A count whose last failure is an hour old starts again.
        sign_in_failure::Entity::update_many()
            .col_expr(sign_in_failure::Column::Failures, Expr::value(0))
            .filter(sign_in_failure::Column::Subject.eq(subject.0.clone()))
            .filter(sign_in_failure::Column::LastFailureAt.lt(forget_before))
            .exec(db)
            .await?;
        let add_one = Expr::col((sign_in_failure::Entity, sign_in_failure::Column::Failures)).add(1);
        sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
            subject: Set(subject.0.clone()),
            failures: Set(1),
            last_failure_at: Set(now.as_millis()),
        })
        .on_conflict(
            OnConflict::column(sign_in_failure::Column::Subject)
                .value(sign_in_failure::Column::Failures, add_one)
                .value(sign_in_failure::Column::LastFailureAt, Expr::value(now.as_millis()))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Forgets the failures of `subject` (a successful sign-in, a new password).
pub async fn forget(db: &impl ConnectionTrait, subject: &Subject) -> Result<(), DbErr> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::Subject.eq(subject.0.clone()))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_ceiling() {
        assert_eq!(delay_after(FREE_FAILURES), Duration::ZERO);
        assert_eq!(delay_after(FREE_FAILURES + 1), Duration::from_secs(2));
        assert_eq!(delay_after(FREE_FAILURES + 2), Duration::from_secs(4));
        assert_eq!(delay_after(FREE_FAILURES + 5), Duration::from_secs(32));
        assert_eq!(delay_after(FREE_FAILURES + 30), MAX_DELAY);
        assert_eq!(delay_after(i32::MAX), MAX_DELAY);
    }

    #[test]
    fn subjects_keep_logins_and_addresses_apart_and_bound_a_login() {
        assert_ne!(Subject::login("127.0.0.1"), Subject::address("127.0.0.1".parse().unwrap_or(IpAddr::from([0; 4]))));
        assert_eq!(Subject::login(&"x".repeat(1000)).0.len(), "login:".len() + 64);
        assert_eq!(Subject::login(" heping "), Subject::login("heping"));
    }
}
