//! Failed-attempt guards (spec/issuer.md §Holder retrieval): guessing is slowed per guarded
//! subject *and client network*, in the database so that every replica sees the same count.
//! The first [`FREE_FAILURES`] failures in a [`WINDOW`] cost nothing; each one after that makes
//! the next attempt from that network wait twice as long, up to [`MAX_DELAY`]. An attempt
//! inside the wait is refused unchecked (`RETRIEVAL_LOCKED` + `Retry-After`). Nobody can lock a
//! citizen out: another network (the citizen's own phone or home) is not slowed, and even the
//! same network waits at most [`MAX_DELAY`]. A success clears the guard. With 50-bit codes,
//! [`FREE_FAILURES`] guesses per network per hour leave guessing hopeless.

use super::Issuer;
use crate::db::prelude::*;
use crate::error::{Error, Result};
use crate::with_db;

/// Failures per window that cost nothing.
pub const FREE_FAILURES: i64 = 10;
/// A window of failures (seconds): one hour.
pub const WINDOW: i64 = 3600;
/// The longest wait after a failure (seconds).
pub const MAX_DELAY: i64 = 300;

/// The wait after the `failures`-th failure of a window.
pub fn delay_after(failures: i64) -> i64 {
    let over = failures.saturating_sub(FREE_FAILURES);
    if over < 0 {
        return 0;
    }
    // 2^over seconds; past 2^20 the cap applies anyway.
    (1i64 << over.min(20)).min(MAX_DELAY)
}

impl Issuer {
    /// Refuse the attempt unchecked if `key` must still wait. `Ok(true)` when `key` has a
    /// guard (a success must then clear it; otherwise a success writes nothing).
    pub(super) async fn guard_check(&self, key: &[u8], now: i64) -> Result<bool> {
        let row = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.guard_get(key).await?
        });
        match row {
            Some(g) if g.next_allowed > now => Err(Error::RetrievalLocked {
                retry_after: g.next_allowed - now,
            }),
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    /// Count a failure of `key` and set its wait.
    pub(super) async fn guard_fail(&self, key: &[u8], now: i64) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let failures = c.guard_fail(key, now, now - WINDOW).await?;
            let delay = delay_after(failures);
            if delay > 0 {
                c.guard_delay(key, now + delay).await?;
            }
            Ok(())
        })
    }

    /// Forget `key`'s failures after a success.
    pub(super) async fn guard_clear(&self, key: &[u8]) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.guard_clear(key).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_after_the_free_failures_and_is_capped() {
        assert_eq!(delay_after(FREE_FAILURES - 1), 0);
        assert_eq!(delay_after(FREE_FAILURES), 1);
        assert_eq!(delay_after(FREE_FAILURES + 3), 8);
        assert_eq!(delay_after(FREE_FAILURES + 30), MAX_DELAY);
        assert_eq!(delay_after(i64::MAX), MAX_DELAY);
    }
}
