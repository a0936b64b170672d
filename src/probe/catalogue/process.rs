//! What this host's `/proc` says about one PID: whether it exists, its state (a zombie is no
//! running process), when it started, its command line and its systemd unit (from its
//! cgroup). [`look_up`] does the reading; the parsers are pure and the breadcrumbs judge
//! decides on the typed [`Process`] without any I/O.
//!
//! Costs a few small `/proc` reads per probe (see `benches/process_identity.rs`).

use std::io::Read as _;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};

/// Linux's pid_max ceiling.
const PID_MAX: i64 = 4_194_304;
/// Most bytes read of `cmdline` or `cgroup`: both are small; a huge argv is cut.
const READ_CAP: u64 = 16 * 1024;

/// A process found in `/proc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub pid: i64,
    /// The state letter of `/proc/PID/stat` (`R`, `S`, `D`, `T`, `Z` zombie, `X` dead, …).
    pub state: char,
    /// The parent: the one that must reap a zombie.
    pub ppid: i64,
    /// When it started (wall clock), or why that is unknown.
    pub started: Result<Timestamp, String>,
    /// Its command line, arguments joined by spaces (empty for a zombie or a kernel
    /// thread), or why it is unreadable.
    pub cmdline: Result<String, String>,
    /// Its cgroup, or why it is unreadable.
    pub cgroup: Result<Cgroup, String>,
}

/// A process's cgroup and the systemd unit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup {
    /// The unified (v2) path, else systemd's v1 hierarchy (`name=systemd`).
    pub path: String,
    /// The deepest `.service` or `.scope` component of the path: the unit systemd runs it
    /// in. `None` outside systemd (a container, a host without it).
    pub unit: Option<String>,
}

/// The outcome of looking a PID up.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// This host has no `/proc`.
    NoProc,
    /// No such process.
    Gone,
    /// The process exists but `/proc` does not show it (mounted with `hidepid`), or its stat
    /// cannot be read: the words why.
    Hidden(String),
    Found(Process),
}

/// The fields of `/proc/PID/stat` the judge needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub state: char,
    pub ppid: i64,
    /// Field 22: clock ticks after boot.
    pub start_ticks: u64,
}

/// Parses `/proc/PID/stat`: `pid (comm) state ppid … starttime …`. `comm` is whatever the
/// process named itself (up to 15 bytes, spaces and parentheses included), so the fields
/// start after the *last* `)`.
pub fn parse_stat(text: &str) -> Result<Stat, String> {
    let close = text
        .rfind(')')
        .ok_or_else(|| "no `)` after the command name".to_string())?;
    let fields: Vec<&str> = text[close + 1..].split_ascii_whitespace().collect();
    // fields[0] is field 3 (state); field N is fields[N - 3].
    let state = fields
        .first()
        .and_then(|s| s.chars().next())
        .ok_or_else(|| "no state field".to_string())?;
    let ppid = fields
        .get(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no parent PID field".to_string())?;
    let start_ticks = fields
        .get(22 - 3)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no start time field (22)".to_string())?;
    Ok(Stat {
        state,
        ppid,
        start_ticks,
    })
}

/// `/proc/PID/cmdline`: NUL-separated arguments, joined by spaces for people.
pub fn cmdline_words(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .split('\0')
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `/proc/PID/cgroup`: `hierarchy:controllers:path` lines. The unified line (`0::`) wins,
/// else the v1 `name=systemd` line; the unit is the deepest `*.service` / `*.scope`.
pub fn parse_cgroup(text: &str) -> Cgroup {
    let mut unified = None;
    let mut systemd_v1 = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if id == "0" && controllers.is_empty() {
            unified = Some(path.to_string());
        } else if controllers == "name=systemd" {
            systemd_v1 = Some(path.to_string());
        }
    }
    // A hybrid host has both; the v1 systemd line is the one systemd maintains there, and
    // on a pure v2 host only the unified line exists.
    let path = systemd_v1
        .filter(|p| p != "/")
        .or(unified)
        .unwrap_or_default();
    let unit = path
        .split('/')
        .rev()
        .find(|c| c.ends_with(".service") || c.ends_with(".scope"))
        .map(str::to_string);
    Cgroup { path, unit }
}

/// Clock ticks per second for `/proc/PID/stat` times.
fn clock_ticks() -> Option<u64> {
    // SAFETY: sysconf only reads a constant of the C library.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (t > 0).then_some(t as u64)
}

/// Seconds since boot on the clock `/proc/PID/stat` start times count on (CLOCK_BOOTTIME,
/// which keeps counting through suspend).
fn since_boot() -> Option<SignedDuration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    (rc == 0).then(|| SignedDuration::new(ts.tv_sec, ts.tv_nsec as i32))
}

/// When a process with this stat started, on the wall clock. The boot instant is now minus
/// CLOCK_BOOTTIME, taken at the same moment the start is converted: this is how the kernel
/// derives `/proc/stat`'s `btime`, without its rounding to whole seconds.
fn started_at(start_ticks: u64) -> Result<Timestamp, String> {
    let ticks = clock_ticks().ok_or("sysconf(_SC_CLK_TCK) failed")?;
    let up = since_boot().ok_or("clock_gettime(CLOCK_BOOTTIME) failed")?;
    let after_boot = SignedDuration::new(
        (start_ticks / ticks) as i64,
        ((start_ticks % ticks) * 1_000_000_000 / ticks) as i32,
    );
    Timestamp::now()
        .checked_sub(up)
        .and_then(|boot| boot.checked_add(after_boot))
        .map_err(|e| format!("start time out of range: {e}"))
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(READ_CAP)
        .read_to_end(&mut out)?;
    Ok(out)
}

fn unreadable(what: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => format!("{what} is closed to this user"),
        _ => format!("{what} cannot be read ({e})"),
    }
}

/// Whether a process exists, asked of the kernel (not of `/proc`, which `hidepid` can
/// hide): `None` when it exists, else the errno.
fn signal_zero(pid: i64) -> Option<i32> {
    // SAFETY: signal 0 sends nothing; it only checks that the PID exists and may be
    // signalled.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    if rc == 0 {
        None
    } else {
        Some(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

/// Looks `pid` up in this host's `/proc`.
pub fn look_up(pid: i64) -> Lookup {
    if !Path::new("/proc/self/stat").exists() {
        return Lookup::NoProc;
    }
    if pid <= 0 || pid > PID_MAX {
        return Lookup::Gone;
    }
    let dir = Path::new("/proc").join(pid.to_string());
    let text = match std::fs::read_to_string(dir.join("stat")) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Not in /proc: gone, unless the kernel says it exists (hidepid).
            return match signal_zero(pid) {
                Some(libc::ESRCH) => Lookup::Gone,
                _ => Lookup::Hidden(
                    "the process exists but /proc does not show it (mounted with hidepid)".into(),
                ),
            };
        }
        Err(e) => return Lookup::Hidden(unreadable(&format!("/proc/{pid}/stat"), &e)),
    };
    let stat = match parse_stat(&text) {
        Ok(s) => s,
        Err(why) => return Lookup::Hidden(format!("/proc/{pid}/stat is unreadable: {why}")),
    };
    let cmdline = read_capped(&dir.join("cmdline"))
        .map(|b| cmdline_words(&b))
        .map_err(|e| unreadable(&format!("/proc/{pid}/cmdline"), &e));
    let cgroup = read_capped(&dir.join("cgroup"))
        .map(|b| parse_cgroup(&String::from_utf8_lossy(&b)))
        .map_err(|e| unreadable(&format!("/proc/{pid}/cgroup"), &e));
    Lookup::Found(Process {
        pid,
        state: stat.state,
        ppid: stat.ppid,
        started: started_at(stat.start_ticks),
        cmdline,
        cgroup,
    })
}

/// The state letter in words.
pub fn state_words(state: char) -> &'static str {
    match state {
        'R' => "running",
        'S' => "sleeping",
        'D' => "in uninterruptible wait",
        'T' | 't' => "stopped",
        'Z' => "zombie",
        'X' | 'x' => "dead",
        'I' => "idle",
        'P' => "parked",
        'W' => "paging",
        _ => "unknown state",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_follow_the_last_parenthesis() {
        let tail = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
        for comm in ["sleep", "a b) c", ") (", "x)) S 9 9"] {
            let s = parse_stat(&format!("42 ({comm}) {tail}")).unwrap();
            assert_eq!(
                s,
                Stat {
                    state: 'S',
                    ppid: 1,
                    start_ticks: 987654
                },
                "{comm}"
            );
        }
        assert!(parse_stat("42 sleep S").is_err());
        assert!(parse_stat("42 (sleep) S 1 2").is_err());
        assert!(parse_stat("42 (sleep)").is_err());
    }

    #[test]
    fn cgroup_units() {
        let v2 = parse_cgroup("0::/system.slice/bisk-enforcer.service\n");
        assert_eq!(v2.unit.as_deref(), Some("bisk-enforcer.service"));
        let nested = parse_cgroup("0::/system.slice/bisk-enforcer.service/worker\n");
        assert_eq!(nested.unit.as_deref(), Some("bisk-enforcer.service"));
        let session = parse_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n");
        assert_eq!(session.unit.as_deref(), Some("session-3.scope"));
        let hybrid =
            parse_cgroup("1:name=systemd:/system.slice/redis.service\n0::/\n4:memory:/x\n");
        assert_eq!(hybrid.unit.as_deref(), Some("redis.service"));
        let none = parse_cgroup("0::/\n");
        assert_eq!((none.path.as_str(), none.unit), ("/", None));
        assert_eq!(parse_cgroup("garbage").unit, None);
    }

    #[test]
    fn this_process_is_found_running_and_started_in_the_past() {
        let Lookup::Found(p) = look_up(std::process::id() as i64) else {
            panic!("this process is not in /proc");
        };
        assert!(matches!(p.state, 'R' | 'S'), "{p:?}");
        let started = p.started.unwrap();
        assert!(started <= Timestamp::now(), "{started}");
        assert!(!p.cmdline.unwrap().is_empty());
        assert_eq!(look_up(4_194_303), Lookup::Gone);
        assert_eq!(look_up(-5), Lookup::Gone);
        assert_eq!(look_up(0), Lookup::Gone);
    }

    #[test]
    fn cmdline_joins_arguments() {
        assert_eq!(
            cmdline_words(b"python\0manage.py\0enforce\0"),
            "python manage.py enforce"
        );
        assert_eq!(cmdline_words(b""), "");
    }
}
