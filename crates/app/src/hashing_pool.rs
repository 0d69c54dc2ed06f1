//! A fixed set of OS threads for argon2, each owning one reusable memory buffer.
//!
//! Argon2 fills a large block of memory on every run (19 MiB with the default parameters). Run on
//! Tokio's blocking pool, every run allocated that block afresh on whichever of up to 512 threads
//! picked it up, and glibc kept much of it (freeing the first block raises its dynamic `mmap`
//! threshold, so later blocks come from heaps that are not trimmed): resident memory grew with
//! sign-ins and never came back (see `docs/performance.md`). Here the number of threads is fixed when the pool starts, and each keeps
//! its buffer for the life of the process, so hashing memory is at most `workers × buffer`.
//!
//! Requests wait for a free worker on an async semaphore with one permit per worker, so the async
//! executor never blocks, and a request that waits longer than the queue timeout is answered
//! [`AppError::Busy`]. The permit travels with the job and is released only when the worker has
//! finished it, so even a request abandoned by its client never lets more jobs queue than there
//! are workers.

use std::{
    panic::AssertUnwindSafe,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

use argon2::Block;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::AppError;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// What the workers have allocated, counted so the tests can check the bound.
#[derive(Debug, Default)]
struct Allocations {
    /// Worker buffers allocated: at most one per worker for the life of the pool.
    buffers: AtomicUsize,
    /// Runs whose parameters needed more memory than a worker's buffer, each given a buffer of
    /// its own that was freed afterwards.
    one_off: AtomicUsize,
}

/// A worker's argon2 memory: one buffer of `capacity` blocks, allocated on the worker's first run
/// and reused by every run after it.
pub(crate) struct Memory {
    blocks: Vec<Block>,
    capacity: usize,
    allocations: Arc<Allocations>,
}

impl Memory {
    /// Runs `work` on the first `count` blocks of this worker's buffer. Argon2 writes every block
    /// before it reads it, so what an earlier run left there cannot change a result. A stored hash
    /// whose parameters need more blocks than the buffer holds gets a one-off buffer, freed when
    /// the run ends.
    pub(crate) fn with_blocks<T>(
        &mut self,
        count: usize,
        work: impl FnOnce(&mut [Block]) -> T,
    ) -> T {
        if self.blocks.is_empty() && count <= self.capacity {
            self.allocations.buffers.fetch_add(1, Ordering::Relaxed);
            self.blocks = vec![Block::new(); self.capacity];
        }
        if let Some(blocks) = self.blocks.get_mut(..count) {
            return work(blocks);
        }
        self.allocations.one_off.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            blocks = count,
            capacity = self.capacity,
            "a stored password hash needs more memory than a hashing worker keeps; allocated once"
        );
        let mut blocks = vec![Block::new(); count];
        work(&mut blocks)
    }
}

/// A fixed number of hashing threads and the queue in front of them.
pub(crate) struct HashingPool {
    jobs: mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    workers: usize,
    queue_timeout: Duration,
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
    allocations: Arc<Allocations>,
}

impl HashingPool {
    /// Starts `workers` threads, each of which will keep a buffer of `buffer_blocks` argon2
    /// blocks (1 KiB each) once it first runs. A request waits at most `queue_timeout` for one.
    pub(crate) fn new(workers: usize, buffer_blocks: usize, queue_timeout: Duration) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let allocations = Arc::new(Allocations::default());
        let mut started = 0;
        for index in 0..workers {
            let queue = Arc::clone(&queue);
            let mut memory = Memory {
                blocks: Vec::new(),
                capacity: buffer_blocks,
                allocations: Arc::clone(&allocations),
            };
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work_through(&queue, &mut memory));
            match spawned {
                Ok(_) => started += 1,
                Err(err) => {
                    tracing::error!(error = %err, "could not start a password hashing thread")
                }
            }
        }
        Self {
            jobs,
            permits: Arc::new(Semaphore::new(started)),
            workers: started,
            queue_timeout,
            allocations,
        }
    }

    /// Runs `work` on a worker once one is free, without blocking the caller's thread.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        if self.workers == 0 {
            return Err(AppError::Internal(
                "no password hashing thread is running".into(),
            ));
        }
        let permit: OwnedSemaphorePermit = tokio::time::timeout(
            self.queue_timeout,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        .map_err(|_| {
            tracing::warn!("password hashing queue is full");
            AppError::Busy
        })?
        .map_err(|_| AppError::Internal("the password hashing pool is closed".into()))?;
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let result = work(memory);
            drop(permit);
            // The request may have been abandoned meanwhile; then nobody wants the answer.
            let _ = reply.send(result);
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal("no password hashing thread takes jobs".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("a password hashing thread dropped its job".into()))
    }

    /// How many worker buffers have been allocated since the pool started.
    #[cfg(test)]
    pub(crate) fn buffers_allocated(&self) -> usize {
        self.allocations.buffers.load(Ordering::Relaxed)
    }

    /// How many runs needed a one-off buffer because their parameters asked for more memory.
    #[cfg(test)]
    pub(crate) fn one_off_allocations(&self) -> usize {
        self.allocations.one_off.load(Ordering::Relaxed)
    }
}

/// A worker's loop: take the next job, run it on this worker's memory, until the pool is gone.
fn work_through(queue: &Mutex<mpsc::Receiver<Job>>, memory: &mut Memory) {
    loop {
        // The lock is held only while waiting for a job, never while running one.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else {
            return;
        };
        // A panic drops the job's reply, which its request reports as an internal error; the
        // worker and its buffer carry on.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(memory))).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}
