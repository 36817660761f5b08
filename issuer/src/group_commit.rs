//! Group commit (spec/issuer.md §Group commit): concurrent requests of one replica share one
//! database transaction, so one fsync acknowledges many issuances.
//!
//! No background task: each request queues its job, then either finds its answer ready or
//! becomes the leader (one at a time, FIFO) and commits everything queued so far — its own
//! job and the jobs of the requests waiting behind it. While a leader commits, new jobs pile
//! up and form the next group, so groups grow with load and a lone request is committed at
//! once (no timer, no added latency when idle).
//!
//! Cancellation: a leader whose request is dropped mid-commit drops its group's answer
//! channels; the waiting requests then get `None` and must fall back to committing alone
//! (issuance is idempotent, so that is safe whatever the dropped transaction did).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Most jobs in one group; the rest wait for the next leader.
pub const MAX_GROUP: usize = 256;

type Queue<T, R> = Vec<(T, oneshot::Sender<R>)>;

/// The queue and the leader lock of one kind of grouped write.
pub struct GroupCommit<T, R> {
    queue: Mutex<Queue<T, R>>,
    leader: tokio::sync::Mutex<()>,
    groups: AtomicU64,
    jobs: AtomicU64,
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        GroupCommit {
            queue: Mutex::new(Vec::new()),
            leader: tokio::sync::Mutex::new(()),
            groups: AtomicU64::new(0),
            jobs: AtomicU64::new(0),
        }
    }
}

/// Counters of one [`GroupCommit`] since start (the average group size is their ratio).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    /// Groups committed (one transaction each).
    pub groups: u64,
    /// Jobs in those groups.
    pub jobs: u64,
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<T, R> GroupCommit<T, R> {
    /// Groups and jobs committed so far.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            groups: self.groups.load(Ordering::Relaxed),
            jobs: self.jobs.load(Ordering::Relaxed),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue<T, R>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue `job` and wait for its result. `commit` receives a group (in arrival order) and
    /// must return one result per job, in the same order. `None`: the answer was lost (the
    /// leader carrying this job was cancelled); the caller commits the job alone.
    pub async fn submit<F, Fut>(&self, job: T, commit: F) -> Option<R>
    where
        F: Fn(Vec<T>) -> Fut,
        Fut: Future<Output = Vec<R>>,
    {
        let (tx, mut rx) = oneshot::channel();
        self.queue().push((job, tx));
        loop {
            tokio::select! {
                biased;
                answer = &mut rx => return answer.ok(),
                guard = self.leader.lock() => {
                    let group: Queue<T, R> = {
                        let mut q = self.queue();
                        let n = q.len().min(MAX_GROUP);
                        q.drain(..n).collect()
                    };
                    if !group.is_empty() {
                        let (jobs, replies): (Vec<T>, Vec<oneshot::Sender<R>>) =
                            group.into_iter().unzip();
                        self.groups.fetch_add(1, Ordering::Relaxed);
                        self.jobs.fetch_add(jobs.len() as u64, Ordering::Relaxed);
                        let results = commit(jobs).await;
                        // A short result list leaves the missing jobs' senders dropped: those
                        // requests fall back to committing alone.
                        for (reply, result) in replies.into_iter().zip(results) {
                            // The receiver is gone only if its request was cancelled.
                            let _ = reply.send(result);
                        }
                    }
                    drop(guard);
                    // Our job was in this group or in an earlier leader's (finished, since we
                    // held the lock); or it is still queued behind MAX_GROUP others: go again.
                    match rx.try_recv() {
                        Ok(answer) => return Some(answer),
                        Err(oneshot::error::TryRecvError::Closed) => return None,
                        Err(oneshot::error::TryRecvError::Empty) => continue,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_jobs_share_groups_and_each_gets_its_own_answer() {
        let gc: Arc<GroupCommit<u32, u32>> = Arc::new(GroupCommit::default());
        let groups = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for i in 0..200u32 {
            let (gc, groups) = (gc.clone(), groups.clone());
            handles.push(tokio::spawn(async move {
                gc.submit(i, |jobs| {
                    let groups = groups.clone();
                    async move {
                        groups.fetch_add(1, Ordering::SeqCst);
                        // A slow commit lets the others queue up behind it.
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        jobs.iter().map(|j| j * 10).collect()
                    }
                })
                .await
            }));
        }
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), Some(i as u32 * 10));
        }
        let g = groups.load(Ordering::SeqCst);
        assert!(g < 200, "{g} commits for 200 jobs: nothing was grouped");
        assert_eq!(
            gc.stats(),
            GroupStats {
                groups: g as u64,
                jobs: 200
            }
        );
    }

    #[tokio::test]
    async fn a_lone_job_is_committed_at_once_by_its_own_request() {
        let gc: GroupCommit<&str, usize> = GroupCommit::default();
        let r = gc
            .submit("only", |jobs| async move {
                jobs.iter().map(|j| j.len()).collect()
            })
            .await;
        assert_eq!(r, Some(4));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_leader_leaves_its_followers_a_none_to_fall_back_on() {
        let gc: Arc<GroupCommit<u32, u32>> = Arc::new(GroupCommit::default());
        let (entered_tx, entered_rx) = oneshot::channel::<()>();
        let leader = {
            let gc = gc.clone();
            tokio::spawn(async move {
                let entered = Mutex::new(Some(entered_tx));
                gc.submit(1, |jobs| {
                    let tx = entered.lock().unwrap().take();
                    async move {
                        if let Some(tx) = tx {
                            let _ = tx.send(());
                        }
                        // Never finishes: the leader is aborted mid-commit.
                        std::future::pending::<()>().await;
                        jobs
                    }
                })
                .await
            })
        };
        entered_rx.await.unwrap();
        // A follower queued while the leader commits; it will lead the next group (its own
        // job) only after the leader lock is released, i.e. after the abort.
        let follower = {
            let gc = gc.clone();
            tokio::spawn(async move { gc.submit(2, |jobs| async move { jobs }).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        leader.abort();
        assert!(leader.await.is_err());
        // The follower's job was still queued (the leader had taken only job 1): it commits it.
        assert_eq!(follower.await.unwrap(), Some(2));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_taken_by_a_cancelled_leader_get_none() {
        let gc: Arc<GroupCommit<u32, u32>> = Arc::new(GroupCommit::default());
        // Hold the leader lock so that two jobs queue up, then let a leader take both and
        // abort it mid-commit.
        let hold = gc.leader.lock().await;
        let (entered_tx, entered_rx) = oneshot::channel::<()>();
        let a = {
            let gc = gc.clone();
            tokio::spawn(async move {
                let entered = Mutex::new(Some(entered_tx));
                gc.submit(1, |jobs| {
                    let tx = entered.lock().unwrap().take();
                    async move {
                        if let Some(tx) = tx {
                            let _ = tx.send(());
                        }
                        std::future::pending::<()>().await;
                        jobs
                    }
                })
                .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let b = {
            let gc = gc.clone();
            tokio::spawn(async move { gc.submit(2, |jobs| async move { jobs }).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        drop(hold);
        entered_rx.await.unwrap();
        a.abort();
        assert!(a.await.is_err());
        // b's job was in a's group: its answer is lost, so it must fall back.
        assert_eq!(b.await.unwrap(), None);
    }
}
