//! A real terminal for the tests: `bisk-docs` in a tmux pane of a private tmux server
//! (its own socket in a temp folder, killed on drop), typed into with `send-keys` and read
//! back with `capture-pane`, so a test sees what an operator's 80x24 terminal shows,
//! wrapping included.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    _dir: tempfile::TempDir,
    socket: PathBuf,
}

/// Whether tmux is installed (the tests that need it say so and stop when it is not).
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Tmux {
    /// A `cols`x`rows` pane running `bisk-docs <args> --root <root>` (colour on, as in a
    /// terminal); the pane stays after the command exits, its exit code printed.
    pub fn start(root: &Path, args: &[&str], cols: u16, rows: u16) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let mut line = vec![shell_quote(super::tree::bin())];
        line.extend(args.iter().map(|a| shell_quote(a)));
        line.push("--root".into());
        line.push(shell_quote(&root.to_string_lossy()));
        let script = format!(
            "unset BISK_REDIS_URL COLUMNS NO_COLOR; {}; echo \"[exit $?]\"; sleep 600",
            line.join(" ")
        );
        let t = Tmux { _dir: dir, socket };
        t.tmux(&[
            "new-session",
            "-d",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            "sh",
            "-c",
            &script,
        ]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` and Enter.
    pub fn send(&self, text: &str) {
        if !text.is_empty() {
            self.tmux(&["send-keys", "-l", text]);
        }
        self.tmux(&["send-keys", "Enter"]);
    }

    /// Everything the pane showed (scrollback included), one screen row a line.
    pub fn rows(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-S", "-"])
    }

    /// Everything the pane showed with wrapped rows joined: one line per line the program
    /// wrote (a line longer than the pane shows as one long line here).
    pub fn lines(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-"])
    }

    /// Waits until `text` shows `times` times in the pane; returns its lines.
    #[track_caller]
    pub fn wait_for_n(&self, text: &str, times: usize) -> String {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let lines = self.lines();
            if lines.matches(text).count() >= times {
                return lines;
            }
            assert!(
                Instant::now() < until,
                "waited 30 s for {text:?} ×{times}; the pane shows:\n{lines}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[track_caller]
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_n(text, 1)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
