//! The record of a run: an append-only JSONL file, one event per line.
//!
//! Every append happens under an exclusive lock on the file: the log is re-read, the caller
//! validates its action against it, the event is written in one `write` and `fsync`'d, and
//! only then is it acknowledged. So a terminal and a browser (two processes) can act on the
//! same run without racing, and a crash or a killed terminal loses nothing acknowledged.
//! A torn last line (a crash in the middle of a write) is reported, skipped, and sealed with
//! a newline before the next append so it never corrupts the next event.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RunbookError;
use crate::probe::ProbeResult;
use crate::probe::result::TargetRef;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 1, 2, 3… in file order; a gap means an event was lost.
    pub seq: u64,
    /// RFC 3339, UTC, when the event was written.
    pub at: String,
    /// Who acted (free text the operator gave).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Where: `terminal`, `browser` or `yes` (non-interactive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// How the browser's operator is known: `proxy` (a trusted reverse proxy's
    /// authenticated user) or `typed` (the name field, taken on trust).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(flatten)]
    pub event: Event,
}

/// A step as the run saw it when it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepInfo {
    pub number: usize,
    pub id: String,
    pub title: String,
    pub probes: Vec<String>,
    /// The step's task-list items as the guide said them when the run started, so the
    /// report lists the ones nobody ticked (older logs have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<String>,
}

/// Start or end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Before,
    After,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every step done or skipped.
    Completed,
    /// A step's probes failed and were not overridden (`--yes`).
    Failed,
    /// Stopped before the end, on purpose.
    Abandoned,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        /// Docs-relative page path.
        guide: String,
        guide_title: String,
        guide_sha256: String,
        /// Redacted: never a password.
        target: TargetRef,
        host: String,
        steps: Vec<StepInfo>,
        tool_version: String,
    },
    /// Every probe of the guide at the start or the end of the run.
    Snapshot {
        phase: Phase,
        results: Vec<ProbeResult>,
    },
    /// A step's probes were run (on entering the step, or on request).
    ProbesRun {
        step: usize,
        results: Vec<ProbeResult>,
    },
    /// A step signed off, with the evidence captured at that moment. `override_reason` is
    /// set when a probe failed and the operator signed off anyway.
    StepDone {
        step: usize,
        results: Vec<ProbeResult>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// A sign-off refused: a probe failed and no override reason was given. The evidence of
    /// the attempt is kept; the step stays pending.
    SignOffRefused {
        step: usize,
        results: Vec<ProbeResult>,
    },
    StepSkipped {
        step: usize,
        reason: String,
    },
    /// A step that could not be signed off (non-interactive runs do not override).
    StepFailed {
        step: usize,
        results: Vec<ProbeResult>,
        reason: String,
    },
    Note {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        text: String,
    },
    /// A task-list item of a step was ticked (`done`) or unticked. `task` is its 1-based
    /// position in the step; `text` is the item as the guide said it at that moment.
    TaskTicked {
        step: usize,
        task: usize,
        text: String,
        done: bool,
    },
    /// A settled step was opened again; it is pending until settled anew. The log keeps
    /// the earlier sign-off: nothing is rewritten.
    StepReopened {
        step: usize,
        reason: String,
    },
    /// Someone picked the run up again (`--resume`, or a browser joining).
    Resumed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        guide_sha256: Option<String>,
    },
    RunFinished {
        outcome: Outcome,
    },
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogProblem {
    /// 1-based line in the file.
    pub line: usize,
    pub bytes: usize,
    /// A write cut short (the line ends mid-event), rather than a corrupted line.
    pub torn: bool,
    pub message: String,
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.torn {
            write!(
                f,
                "line {}: torn ({} bytes, a write cut short by a crash), ignored",
                self.line, self.bytes
            )
        } else {
            write!(
                f,
                "line {}: unreadable ({}), ignored",
                self.line, self.message
            )
        }
    }
}

/// The readable events of a log and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    pub records: Vec<Record>,
    pub problems: Vec<LogProblem>,
}

impl Replay {
    pub fn last_seq(&self) -> u64 {
        self.records.last().map(|r| r.seq).unwrap_or(0)
    }
}

/// A run's log file.
#[derive(Debug, Clone)]
pub struct RunLog {
    path: PathBuf,
}

/// Who writes an event.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub operator: Option<String>,
    pub via: Option<String>,
    /// `proxy` or `typed` for browser actions (see [`Record::identity`]).
    pub identity: Option<String>,
}

impl RunLog {
    /// The log at `path` (it need not exist yet).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        RunLog { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the log with its first event; fails if it already exists.
    pub fn create(&self, first: Event, actor: &Actor) -> Result<Record, RunbookError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| RunbookError::io(dir, e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&self.path)
            .map_err(|e| RunbookError::io(&self.path, e))?;
        file.lock().map_err(|e| RunbookError::io(&self.path, e))?;
        let record = self.write(&mut file, 1, first, actor)?;
        // The file's name must survive a crash too.
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(record)
    }

    /// Reads every readable event (under a shared lock, so never half of an append).
    pub fn read(&self) -> Result<Replay, RunbookError> {
        let mut file = File::open(&self.path).map_err(|e| RunbookError::io(&self.path, e))?;
        file.lock_shared()
            .map_err(|e| RunbookError::io(&self.path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| RunbookError::io(&self.path, e))?;
        Ok(parse(&bytes))
    }

    /// Appends one event decided by `decide` from the log as it is now, atomically with
    /// respect to every other writer. `decide` may refuse (its error is returned and nothing
    /// is written). The event is on disk (fsync'd) when this returns `Ok`.
    pub fn append_with<T>(
        &self,
        actor: &Actor,
        decide: impl FnOnce(&Replay) -> Result<(Event, T), RunbookError>,
    ) -> Result<(Record, T), RunbookError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| RunbookError::io(&self.path, e))?;
        file.lock().map_err(|e| RunbookError::io(&self.path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| RunbookError::io(&self.path, e))?;
        let replay = parse(&bytes);
        let (event, extra) = decide(&replay)?;
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            // Seal a torn last line so the new event starts on a line of its own.
            file.write_all(b"\n")
                .map_err(|e| RunbookError::io(&self.path, e))?;
        }
        let record = self.write(&mut file, replay.last_seq() + 1, event, actor)?;
        Ok((record, extra))
    }

    /// Appends one event unconditionally.
    pub fn append(&self, event: Event, actor: &Actor) -> Result<Record, RunbookError> {
        self.append_with(actor, |_| Ok((event, ())))
            .map(|(r, ())| r)
    }

    fn write(
        &self,
        file: &mut File,
        seq: u64,
        event: Event,
        actor: &Actor,
    ) -> Result<Record, RunbookError> {
        let record = Record {
            seq,
            at: now_rfc3339(),
            operator: actor.operator.clone(),
            via: actor.via.clone(),
            identity: actor.identity.clone(),
            event,
        };
        let mut line = serde_json::to_vec(&record).map_err(|e| RunbookError::Log {
            path: self.path.clone(),
            line: 0,
            message: format!("cannot encode event: {e}"),
        })?;
        line.push(b'\n');
        // One write call: an append of one line, never interleaved with another writer's.
        file.write_all(&line)
            .and_then(|()| file.flush())
            .and_then(|()| file.sync_data())
            .map_err(|e| RunbookError::io(&self.path, e))?;
        Ok(record)
    }
}

/// Splits a log's bytes into records and problems.
pub(crate) fn parse(bytes: &[u8]) -> Replay {
    let mut out = Replay::default();
    let ends_clean = bytes.is_empty() || bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // `split` yields a last empty piece after a final newline.
    let count = if ends_clean {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };
    for (i, line) in lines.iter().take(count).enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let torn = !ends_clean && i + 1 == count;
        match serde_json::from_slice::<Record>(line) {
            Ok(r) if !torn => out.records.push(r),
            // A complete-looking last line without its newline was still cut short: the
            // newline is written in the same call, so its absence means the write did not end.
            Ok(_) => out.problems.push(LogProblem {
                line: i + 1,
                bytes: line.len(),
                torn: true,
                message: "no newline at the end".into(),
            }),
            // A line that ends mid-JSON was cut short, also once a later append sealed it.
            Err(e) => out.problems.push(LogProblem {
                line: i + 1,
                bytes: line.len(),
                torn: torn || e.is_eof(),
                message: e.to_string(),
            }),
        }
    }
    out
}

/// Now, RFC 3339 UTC with millisecond precision.
pub(crate) fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Millisecond)
        .unwrap_or(now)
        .to_string()
}

/// A new run id: UTC time and 24 random bits, `20261125T184900Z-3fa9c1`. Only ids of
/// exactly this shape are ever turned into file names.
pub(crate) fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    format!("{stamp}-{:06x}", h.finish() & 0xff_ffff)
}

/// Whether `id` has the shape of a run id (and so is safe as a file name).
pub(crate) fn is_run_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 23
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && b[16] == b'-'
        && b[17..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> Event {
        Event::Note {
            step: None,
            text: text.into(),
        }
    }

    #[test]
    fn a_corrupted_line_is_not_called_torn() {
        let r = parse(b"{\"seq\":1}garbage\n");
        assert_eq!(r.problems.len(), 1);
        assert!(!r.problems[0].torn);
    }

    #[test]
    fn run_ids_are_recognised() {
        let id = new_run_id();
        assert!(is_run_id(&id), "{id}");
        for bad in [
            "",
            "../../etc/passwd",
            "20261125T184900Z-3fa9cg",
            "x".repeat(23).as_str(),
        ] {
            assert!(!is_run_id(bad), "{bad}");
        }
    }

    #[test]
    fn appends_are_sequenced_and_torn_lines_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let log = RunLog::at(dir.path().join("r.jsonl"));
        let actor = Actor::default();
        log.create(note("one"), &actor).unwrap();
        log.append(note("two"), &actor).unwrap();
        // A crash in the middle of the third write.
        let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
        f.write_all(b"{\"seq\":3,\"at\":\"2026").unwrap();
        let r = log.read().unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].torn);
        assert_eq!(r.problems[0].line, 3);
        let rec = log.append(note("three"), &actor).unwrap();
        assert_eq!(rec.seq, 3);
        let r = log.read().unwrap();
        assert_eq!(r.records.len(), 3);
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(r.problems[0].torn, "sealed, and still known as torn");
        assert_eq!(r.problems[0].line, 3);
        assert!(matches!(&r.records[2].event, Event::Note { text, .. } if text == "three"));
    }

    #[test]
    fn a_refused_action_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = RunLog::at(dir.path().join("r.jsonl"));
        log.create(note("one"), &Actor::default()).unwrap();
        let before = std::fs::read(log.path()).unwrap();
        let e = log
            .append_with::<()>(&Actor::default(), |_| {
                Err(RunbookError::Refused("no".into()))
            })
            .unwrap_err();
        assert!(matches!(e, RunbookError::Refused(_)));
        assert_eq!(std::fs::read(log.path()).unwrap(), before);
        assert!(log.create(note("again"), &Actor::default()).is_err());
    }

    #[test]
    fn concurrent_writers_never_interleave_or_reuse_a_sequence_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        RunLog::at(&path)
            .create(note("start"), &Actor::default())
            .unwrap();
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    // Each writer opens its own handle, as two processes would.
                    let log = RunLog::at(path);
                    for i in 0..20 {
                        log.append(
                            note(&format!("{t}-{i} {}", "x".repeat(3000))),
                            &Actor::default(),
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = RunLog::at(&path).read().unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.records.len(), 121);
        for (i, rec) in r.records.iter().enumerate() {
            assert_eq!(rec.seq, i as u64 + 1);
        }
    }
}
