//! File watching: `docs/`, the theme folder and the config, debounced in tens of
//! milliseconds so an editor's write-and-rename save arrives as one batch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc::UnboundedSender;

/// How long the debouncer waits for more events of a save before reporting it.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(20);

/// Keeps the OS watches alive; dropping it stops watching.
pub(crate) struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// What to watch: (path, recursive). Paths that do not exist are skipped (a theme folder
/// or config created later needs a restart).
pub(crate) fn start(
    paths: &[(PathBuf, bool)],
    tx: UnboundedSender<Vec<PathBuf>>,
) -> Result<Watcher, notify::Error> {
    let mut debouncer = new_debouncer(
        DEBOUNCE,
        Some(DEBOUNCE / 4),
        move |res: DebounceEventResult| match res {
            Ok(events) => {
                let mut paths: Vec<PathBuf> = events
                    .into_iter()
                    .filter(|e| !e.kind.is_access())
                    .flat_map(|e| e.event.paths)
                    .collect();
                paths.sort();
                paths.dedup();
                if !paths.is_empty() {
                    let _ = tx.send(paths);
                }
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("warning: file watching: {e}");
                }
            }
        },
    )?;
    for (path, recursive) in paths {
        if !path.exists() {
            continue;
        }
        let mode = if *recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        debouncer.watch(path, mode)?;
    }
    Ok(Watcher {
        _debouncer: debouncer,
    })
}

/// Absolute form of `p` (watch events carry absolute paths).
pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
