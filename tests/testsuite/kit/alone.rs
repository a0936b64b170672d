//! Running one test alone in a child process of the suite, for what is counted
//! process-wide (Markdown parses: [`bisk_docs::content::markdown::parse_count`]): other
//! tests running on other threads of this process would add to the count.

use std::process::Command;

/// Set in the child to the name of the test it runs.
const ALONE: &str = "BISK_TEST_ALONE";

/// `true` in the suite's process, once the child running test `name` (its full path,
/// `module::function`) alone has passed; the test then returns. `false` in that child,
/// where the test does its work.
#[track_caller]
pub fn alone(name: &str) -> bool {
    if std::env::var(ALONE).as_deref() == Ok(name) {
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, name)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} alone failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}
