//! A progress bar for large builds, drawn on stderr only when it is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::site::Progress;

/// Sites smaller than this build too fast for a bar to be worth drawing.
const MIN_PAGES_FOR_BAR: usize = 300;

pub(super) struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts drawing `progress` if stderr is a terminal; otherwise does nothing.
    pub(super) fn start(progress: Arc<Progress>, quiet: bool) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || draw_until(&progress, &stop))
        });
        Bar { stop, thread }
    }
}

fn draw_until(progress: &Progress, stop: &AtomicBool) {
    let mut drawn = false;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(80));
        let (done, total) = progress.get();
        if total < MIN_PAGES_FOR_BAR {
            continue;
        }
        let width = 30;
        let filled = (done * width / total.max(1)).min(width);
        eprint!(
            "\r  rendering [{}{}] {done}/{total} pages",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        let _ = std::io::stderr().flush();
        drawn = true;
    }
    if drawn {
        // Clear the bar so the summary line starts clean.
        eprint!("\r{}\r", " ".repeat(60));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
