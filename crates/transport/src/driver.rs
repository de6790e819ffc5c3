//! The thread behind an [`HttpsClient`](crate::HttpsClient): it drives the
//! client's connections (reqwest is asynchronous) while callers simply block.
//!
//! This is what `reqwest::blocking` does too, with one difference that
//! matters here: a call may come from a thread that belongs to another async
//! runtime (the desktop app's commands run on Tauri's), where
//! `reqwest::blocking` refuses to work in debug builds. Waiting on a channel
//! is fine anywhere.

use std::future::Future;
use std::sync::mpsc;

use tokio::runtime::{Builder, Handle, Runtime};

/// A one-thread async runtime owned by one client (and its clones).
pub(crate) struct Driver {
    /// `Some` until dropped.
    runtime: Option<Runtime>,
}

impl Driver {
    /// Starts the runtime thread.
    pub(crate) fn start() -> std::io::Result<Driver> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            // Name look-ups (getaddrinfo) block; they get threads of their own.
            .max_blocking_threads(4)
            .thread_name("kuvert-https")
            .enable_io()
            .enable_time()
            .build()?;
        Ok(Driver {
            runtime: Some(runtime),
        })
    }

    /// The runtime, for building the client inside its context.
    pub(crate) fn handle(&self) -> &Handle {
        // Only `Drop` takes the runtime out.
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the driver")
            .handle()
    }

    /// Runs `future` on the runtime thread and waits for its output. `None`
    /// if the future panicked (the panic is not propagated into the caller).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (done, output) = mpsc::sync_channel(1);
        self.handle().spawn(async move {
            let _ = done.send(future.await);
        });
        output.recv().ok()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Does not wait: open connections are simply closed. (Waiting is
            // also forbidden when the last clone is dropped on a thread of
            // another async runtime.)
            runtime.shutdown_background();
        }
    }
}
