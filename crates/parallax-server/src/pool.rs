//! A small pool of read-only store connections used from blocking threads.
//!
//! A SQLite connection is not `Sync`, and a query blocks; so each request
//! takes a connection out of the pool, runs its queries on Tokio's blocking
//! threads, and puts it back. A semaphore bounds the requests that hold one,
//! so a burst of requests waits in the async world instead of parking
//! hundreds of blocking threads on a lock.

use std::sync::{Arc, Mutex, PoisonError};

use parallax_store::{Store, StoreError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a read could not run.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("server: {0}")]
    Store(#[from] StoreError),
    #[error("server: the read pool is closed")]
    Closed,
    #[error("server: a read crashed: {0}")]
    Crashed(String),
}

pub struct ReadPool {
    idle: Arc<Mutex<Vec<Box<dyn Store>>>>,
    permits: Arc<Semaphore>,
    size: u32,
}

/// A connection out of the pool; goes back on drop, even when the read
/// panics.
struct Lease {
    store: Option<Box<dyn Store>>,
    idle: Arc<Mutex<Vec<Box<dyn Store>>>>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(store);
        }
    }
}

impl ReadPool {
    pub fn new(stores: Vec<Box<dyn Store>>) -> ReadPool {
        let size = u32::try_from(stores.len()).unwrap_or(u32::MAX);
        let permits = Arc::new(Semaphore::new(stores.len()));
        ReadPool { idle: Arc::new(Mutex::new(stores)), permits, size }
    }

    /// Runs `read` on a pooled connection on a blocking thread.
    pub async fn read<T, F>(&self, read: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| PoolError::Closed)?;
        let store = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        // A permit is only handed out while a connection is idle.
        let Some(store) = store else { return Err(PoolError::Closed) };
        // The lease owns the permit, so a request that is cancelled while
        // its read runs does not let another request in before the
        // connection is back.
        let lease = Lease { store: Some(store), idle: self.idle.clone(), _permit: permit };
        let joined = tokio::task::spawn_blocking(move || {
            let lease = lease;
            lease.store.as_deref().map(read)
        })
        .await;
        match joined {
            Ok(Some(result)) => Ok(result?),
            Ok(None) => Err(PoolError::Closed),
            Err(error) => Err(PoolError::Crashed(error.to_string())),
        }
    }

    /// Closes the pool: waits for reads in flight, then drops every
    /// connection.
    pub async fn close(&self) {
        let _all = self.permits.acquire_many(self.size).await;
        self.permits.close();
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}
