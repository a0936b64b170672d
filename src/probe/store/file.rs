//! Django's FileBasedCache: one file per key in `LOCATION`, named `md5(key).djcache` where
//! `key` is the full stored key (`bisk:1:ping`), holding `pickle.dumps(expiry)` followed by
//! `zlib.compress(pickle.dumps(value))`. The expiry is Unix seconds (a float) or `None`.
//!
//! Read as Django's `get` reads: no file is a miss; an empty file is expired (`EOFError`
//! reads as expiry 0); an expiry before now is expired (Django deletes the file then; the
//! probe leaves it); anything else that does not parse makes Django's `get` raise, so it is
//! reported as broken. Written as Django's `set` writes: a temporary file in the directory,
//! then a rename over the final name.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flate2::{Decompress, FlushDecompress, Status as ZStatus};
use md5::{Digest, Md5};

use super::{Count, Elsewhere, Expiry, Read, Stored, now_secs, store_error};
use crate::config::RedisTarget;
use crate::django::{self, PyValue};
use crate::probe::run::connect::ProbeError;
use crate::probe::run::pyval;
use crate::probe::show::hint;

const SUFFIX: &str = ".djcache";
/// Most directory entries one count visits (a cache far past any MAX_ENTRIES).
const COUNT_CAP: u64 = 5_000_000;
/// Versions tried when a key is missing (besides the configured one).
const OTHER_VERSIONS: std::ops::RangeInclusive<i64> = 0..=20;

pub struct FileStore {
    dir: PathBuf,
    /// Bounds a directory count (the probe's own deadline).
    budget: Duration,
}

impl FileStore {
    pub fn new(target: &RedisTarget) -> FileStore {
        FileStore {
            dir: PathBuf::from(target.location.as_deref().unwrap_or_default()),
            budget: target.deadline,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn dir_display(&self) -> String {
        self.dir.display().to_string()
    }

    /// `<dir>/<md5 of the stored key>.djcache`, as Django's `_key_to_file`.
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(file_name(key))
    }

    pub async fn read_many(&self, keys: &[String]) -> Result<Vec<Read>, ProbeError> {
        let paths: Vec<PathBuf> = keys.iter().map(|k| self.path_of(k)).collect();
        let dir = self.dir.clone();
        let until = Instant::now() + self.budget;
        blocking(move || {
            let now = now_secs();
            paths
                .iter()
                .map(|p| read_file(&dir, p, now, until))
                .collect()
        })
        .await
    }

    pub async fn write(&self, key: &str, pickle: &[u8], ttl: u64) -> Result<String, ProbeError> {
        let dir = self.dir.clone();
        let path = self.path_of(key);
        let pickle = pickle.to_vec();
        blocking(move || write_file(&dir, &path, &pickle, ttl)).await
    }

    pub async fn count(&self) -> Result<Count, ProbeError> {
        let dir = self.dir.clone();
        let budget = self.budget;
        blocking(move || count_entries(&dir, budget)).await
    }

    pub async fn elsewhere(
        &self,
        target: &RedisTarget,
        django_key: &str,
    ) -> Result<Vec<Elsewhere>, ProbeError> {
        let mut candidates: Vec<(String, i64)> = Vec::new();
        let prefixes: Vec<&str> = if target.key_prefix.is_empty() {
            vec![""]
        } else {
            vec![target.key_prefix.as_str(), ""]
        };
        for prefix in prefixes {
            let mut versions: Vec<i64> = OTHER_VERSIONS.collect();
            versions.extend([target.version - 1, target.version + 1, target.version]);
            versions.sort_unstable();
            versions.dedup();
            for v in versions {
                if prefix == target.key_prefix && v == target.version {
                    continue;
                }
                candidates.push((prefix.to_string(), v));
            }
        }
        let dir = self.dir.clone();
        let django_key = django_key.to_string();
        let until = Instant::now() + self.budget;
        blocking(move || {
            let now = now_secs();
            let mut found = Vec::new();
            for (prefix, version) in candidates {
                let key = django::key::make_key(&prefix, version, &django_key);
                if let Read::Present(_) = read_file(&dir, &dir.join(file_name(&key)), now, until)? {
                    found.push(Elsewhere {
                        key,
                        prefix,
                        version,
                    });
                    if found.len() >= 3 {
                        break;
                    }
                }
            }
            Ok(found)
        })
        .await
    }
}

/// `md5(key).djcache`.
pub fn file_name(key: &str) -> String {
    let digest = Md5::digest(key.as_bytes());
    let mut name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(SUFFIX);
    name
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ProbeError> + Send + 'static,
) -> Result<T, ProbeError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(store_error(
            format!("internal: file task failed: {e}"),
            None,
        ))
    })
}

/// The largest file read whole: the decoder's bound plus zlib's worst-case growth and the
/// expiry header.
fn max_file_bytes() -> usize {
    pyval::max_value_bytes() + pyval::max_value_bytes() / 1000 + 64 * 1024
}

/// Bytes read between two looks at the deadline.
const CHUNK: usize = 256 * 1024;

/// Reads one cache file, by `until` at the latest. Only a regular file is opened: opening a
/// FIFO waits for a writer (forever, with none), and opening a device can act on it, so
/// neither is ever opened, and a probe's file work ends when its deadline does.
fn read_file(dir: &Path, path: &Path, now: f64, until: Instant) -> Result<Read, ProbeError> {
    if Instant::now() > until {
        return Err(past_deadline(path));
    }
    // Followed like Django's open() follows a symlink: what it points to is judged.
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Read::Missing),
        Err(e) => return Err(io_error(dir, Some(path), &e)),
        Ok(m) if !m.is_file() => return Err(not_a_cache_file(path, m.file_type())),
        Ok(_) => {}
    }
    // O_NONBLOCK: an entry swapped for a FIFO between that look and this open still opens
    // at once (and the check on the open file below refuses it); it changes nothing for a
    // regular file. O_NOCTTY: a terminal put there never becomes ours.
    let mut f = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Read::Missing),
        Err(e) => return Err(io_error(dir, Some(path), &e)),
    };
    let meta = f.metadata().map_err(|e| io_error(dir, Some(path), &e))?;
    if !meta.is_file() {
        return Err(not_a_cache_file(path, meta.file_type()));
    }
    let size = meta.len() as usize;
    let cap = max_file_bytes() + 1; // one byte past the bound, to know the file is larger
    let mut bytes = Vec::with_capacity(size.min(cap));
    let mut chunk = vec![0u8; CHUNK.min(cap)];
    while bytes.len() < cap {
        if Instant::now() > until {
            return Err(past_deadline(path));
        }
        let want = chunk.len().min(cap - bytes.len());
        match f.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(dir, Some(path), &e)),
        }
    }
    Ok(parse(&bytes, now))
}

/// What a non-regular entry is, in words.
fn kind_words(t: std::fs::FileType) -> &'static str {
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn not_a_cache_file(path: &Path, t: std::fs::FileType) -> ProbeError {
    store_error(
        format!(
            "{} is {}, not a cache file: FileBasedCache writes only regular files, and Django's cache.get {} on it",
            path.display(),
            kind_words(t),
            if t.is_fifo() {
                "blocks forever"
            } else {
                "fails"
            }
        ),
        hint::file_cache(format!(
            "Find what created it (`ls -l {0}`), move it out of the cache directory, and let the app write the key again.",
            path.display()
        )),
    )
}

fn past_deadline(path: &Path) -> ProbeError {
    store_error(
        format!(
            "reading {} did not finish within the probe's deadline (a slow or hung file system?)",
            path.display()
        ),
        hint::file_cache(
            "Check the file system of the cache directory (`df`, `mount`); a network file system that hangs makes the app hang too.",
        ),
    )
}

/// A FileBasedCache file's bytes, judged as Django's `get` judges them.
pub fn parse(bytes: &[u8], now: f64) -> Read {
    if bytes.is_empty() {
        // `pickle.load` raises EOFError on an empty file, which Django reads as expiry 0.
        return Read::Expired { at: 0.0 };
    }
    let limits = django::Limits::default();
    let (expiry, used) = match django::decode_pickle_prefix(bytes, &limits) {
        Ok(x) => x,
        Err(e) => {
            return Read::Broken(format!(
                "the file does not start with the pickled expiry Django writes ({e}); Django's cache.get raises on it"
            ));
        }
    };
    // Django only asks `exp is not None and exp < time.time()`: any number compares. NaN
    // and +inf are never smaller, so they never expire; -inf always is; an int beyond
    // i64 (10**30) is as far as its sign says.
    let expiry = match expiry {
        PyValue::None => Expiry::Never,
        PyValue::Float(t) if t.is_nan() || t == f64::INFINITY => Expiry::Never,
        PyValue::Float(t) => Expiry::At(t),
        PyValue::Int(t) => Expiry::At(t as f64),
        PyValue::Bool(b) => Expiry::At(f64::from(u8::from(b))),
        PyValue::BigInt(digits) if digits.starts_with('-') => Expiry::At(f64::NEG_INFINITY),
        PyValue::BigInt(_) => Expiry::Never,
        other => {
            return Read::Broken(format!(
                "the file's expiry is {}, not a time; Django's cache.get raises on it",
                pyval::display(&other)
            ));
        }
    };
    if let Expiry::At(t) = expiry
        && t < now
    {
        return Read::Expired { at: t };
    }
    if bytes.len() > max_file_bytes() {
        // Too large to inflate within the bounds: present, but not inspected.
        return Read::Present(Stored {
            raw: Vec::new(),
            len: bytes.len(),
            expiry,
        });
    }
    match inflate(&bytes[used..], pyval::max_value_bytes()) {
        Ok(Inflated::Whole(raw)) => Read::Present(Stored {
            len: raw.len(),
            raw,
            expiry,
        }),
        Ok(Inflated::Beyond(len)) => Read::Present(Stored {
            raw: Vec::new(),
            len,
            expiry,
        }),
        Err(why) => Read::Broken(format!(
            "the value after the expiry is not zlib data Django can read ({why}); Django's cache.get raises on it"
        )),
    }
}

enum Inflated {
    Whole(Vec<u8>),
    /// More than the bound: how many bytes were inflated before stopping.
    Beyond(usize),
}

/// `zlib.decompress`, stopping past `cap` bytes of output; a stream without its end is an
/// error, as in Python ("incomplete or truncated stream").
fn inflate(input: &[u8], cap: usize) -> Result<Inflated, String> {
    let mut d = Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity((input.len() * 4).clamp(256, cap + 1));
    loop {
        if out.len() > cap {
            return Ok(Inflated::Beyond(out.len()));
        }
        if out.len() == out.capacity() {
            let more = out.len().max(4096).min(cap + 1 - out.len());
            out.reserve_exact(more);
        }
        let (in_before, out_before) = (d.total_in(), d.total_out());
        let rest = &input[(d.total_in() as usize).min(input.len())..];
        let status = d
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|e| format!("invalid zlib stream: {e}"))?;
        if status == ZStatus::StreamEnd {
            return Ok(Inflated::Whole(out));
        }
        if d.total_in() == in_before && d.total_out() == out_before {
            return Err(if input.is_empty() {
                "no compressed value follows the expiry".into()
            } else {
                "incomplete or truncated stream".into()
            });
        }
    }
}

fn write_file(dir: &Path, path: &Path, pickle: &[u8], ttl: u64) -> Result<String, ProbeError> {
    let meta = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => m,
        Ok(_) => return Err(not_a_dir(dir)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Django creates the directory on every write, so none here means no process on
            // this host uses it (skipped); under /tmp it may be the PrivateTmp trap (error).
            // bisk-docs does not create it: a directory owned by this user could lock the
            // app out.
            let kind = if under_tmp(dir) {
                crate::probe::run::connect::ErrorKind::Other
            } else {
                crate::probe::run::connect::ErrorKind::NotHere
            };
            return Err(ProbeError::new(
                kind,
                format!(
                    "not judged here: the cache directory {} does not exist on this host (Django creates it on its first write; bisk-docs does not)",
                    dir.display()
                ),
                hint::file_cache(missing_dir_advice(dir)),
            ));
        }
        Err(e) => return Err(io_error(dir, None, &e)),
    };
    let expiry = now_secs() + ttl as f64;
    let header = pyval::pickle(&PyValue::Float(expiry))
        .map_err(|e| store_error(format!("cannot encode the expiry: {e}"), None))?;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(pickle)
        .and_then(|_| z.flush())
        .map_err(|e| store_error(format!("cannot compress the value: {e}"), None))?;
    let body = z
        .finish()
        .map_err(|e| store_error(format!("cannot compress the value: {e}"), None))?;
    // Django's mkstemp names never end in .djcache, so a culling count never sees them.
    let tmp = dir.join(format!(
        "tmp.bisk-docs.{}.{:x}",
        std::process::id(),
        (now_secs() * 1e6) as u64
    ));
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        // Run as root, the file goes to the directory's owner: a root-owned 0600 file would
        // make the app's own cache.get of this key fail with PermissionError.
        if is_root() {
            std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()))?;
        }
        f.write_all(&header)?;
        f.write_all(&body)?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(dir, Some(path), &e));
    }
    Ok(format!(
        "wrote {} ({} bytes: pickled expiry now + {ttl} s, then zlib of the {}-byte pickle) through a temporary file and a rename, as Django's set does",
        file_name_of(path),
        header.len() + body.len(),
        pickle.len()
    ))
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn count_entries(dir: &Path, budget: Duration) -> Result<Count, ProbeError> {
    let started = Instant::now();
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, None, &e))?;
    let mut n = 0u64;
    for (i, e) in entries.enumerate() {
        // The clock is read every 1024 entries: a directory of millions stays bounded.
        if i % 1024 == 1023 && (started.elapsed() > budget / 2 || n >= COUNT_CAP) {
            return Ok(Count {
                entries: n,
                complete: false,
            });
        }
        let Ok(e) = e else { continue };
        if e.file_name()
            .as_encoded_bytes()
            .ends_with(SUFFIX.as_bytes())
        {
            n += 1;
        }
    }
    Ok(Count {
        entries: n,
        complete: true,
    })
}

/// What is wrong with the cache directory, when something is.
#[derive(Debug, Clone, PartialEq)]
pub enum DirProblem {
    Missing,
    /// The path (or a parent) is a symlink loop: it resolves to nothing.
    SymlinkLoop,
    NotADirectory,
    /// Cannot be listed or entered by this user: owner, group and mode for the message.
    Unreadable {
        owner: String,
        mode: u32,
    },
}

/// Looks at the directory itself (exists, is one, this user may list it).
pub fn dir_problem(dir: &Path) -> Option<DirProblem> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(DirProblem::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Some(DirProblem::SymlinkLoop),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            // A parent is closed to us: report the nearest one we can see.
            Some(DirProblem::Unreadable {
                owner: "unknown (a parent directory is closed to this user)".into(),
                mode: 0,
            })
        }
        Err(_) => Some(DirProblem::Missing),
        Ok(m) if !m.is_dir() => Some(DirProblem::NotADirectory),
        Ok(m) => match std::fs::read_dir(dir) {
            Ok(_) => None,
            Err(_) => Some(DirProblem::Unreadable {
                owner: owner_words(m.uid(), m.gid()),
                mode: m.mode() & 0o7777,
            }),
        },
    }
}

/// Copies of the directory in systemd's private /tmp folders (`PrivateTmp=yes`):
/// `/tmp/systemd-private-<id>-<unit>-<rand>/tmp/<rest>`. Only root can look inside them;
/// `looked` says how many such folders exist and whether they could be searched.
pub fn private_tmp_copies(dir: &Path) -> (Vec<PathBuf>, usize, bool) {
    let (root, rest) = if let Ok(rest) = dir.strip_prefix("/tmp") {
        ("/tmp", rest)
    } else if let Ok(rest) = dir.strip_prefix("/var/tmp") {
        ("/var/tmp", rest)
    } else {
        return (Vec::new(), 0, true);
    };
    let Ok(entries) = std::fs::read_dir(root) else {
        return (Vec::new(), 0, false);
    };
    let mut found = Vec::new();
    let mut private = 0;
    let mut searchable = true;
    for e in entries.take(100_000).flatten() {
        let name = e.file_name();
        if !name.as_encoded_bytes().starts_with(b"systemd-private-") {
            continue;
        }
        private += 1;
        let inner = e.path().join("tmp");
        match std::fs::metadata(inner.join(rest)) {
            Ok(m) if m.is_dir() => found.push(inner.join(rest)),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => searchable = false,
            Err(_) => {}
        }
    }
    (found, private, searchable)
}

/// Whether the directory sits where a `PrivateTmp=yes` unit sees its own copy.
pub fn under_tmp(dir: &Path) -> bool {
    dir.starts_with("/tmp") || dir.starts_with("/var/tmp")
}

pub fn missing_dir_advice(dir: &Path) -> String {
    let mut s = format!(
        "Create it for the app's user (`sudo install -d -o APPUSER -m 0700 {}`), or point `location` at the LOCATION in the app's CACHES.",
        dir.display()
    );
    if under_tmp(dir) {
        s.push_str(" Under /tmp, a unit with PrivateTmp=yes writes into its own private /tmp: move LOCATION out of /tmp (e.g. /var/cache/bisk_cache).");
    }
    s
}

/// `location` resolves through a loop of symlinks: nothing can be read or written in it.
pub fn symlink_loop(dir: &Path) -> ProbeError {
    store_error(
        format!(
            "the cache directory {} is a symlink loop (too many levels of symbolic links): it resolves to no directory, so Django can neither read nor write the cache",
            dir.display()
        ),
        hint::file_cache(format!(
            "Find the loop with `namei -l {}` and point the link (or `location` and the app's LOCATION) at the real directory.",
            dir.display()
        )),
    )
}

fn not_a_dir(dir: &Path) -> ProbeError {
    store_error(
        format!(
            "{} is not a directory: FileBasedCache's LOCATION must be one",
            dir.display()
        ),
        hint::file_cache("Point `location` at the LOCATION of the app's CACHES block."),
    )
}

/// An I/O failure in words: permission problems name the owner and mode of what refused.
fn io_error(dir: &Path, file: Option<&Path>, e: &std::io::Error) -> ProbeError {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        let what = match dir_problem(dir) {
            Some(DirProblem::Unreadable { owner, mode }) => format!(
                "cannot read the cache directory {} (owner {owner}, mode {mode:04o}) as {}",
                dir.display(),
                owner_words(effective_uid(), effective_gid())
            ),
            _ => match file.and_then(|f| std::fs::metadata(f).ok().map(|m| (f, m))) {
                Some((f, m)) => format!(
                    "cannot read {} (owner {}, mode {:04o}) as {}",
                    f.display(),
                    owner_words(m.uid(), m.gid()),
                    m.mode() & 0o7777,
                    owner_words(effective_uid(), effective_gid())
                ),
                None => format!(
                    "permission denied in {} as {}",
                    dir.display(),
                    owner_words(effective_uid(), effective_gid())
                ),
            },
        };
        return store_error(what, hint::file_cache(unreadable_advice(dir)));
    }
    if e.raw_os_error() == Some(20) {
        // ENOTDIR: the LOCATION (or a parent) is a file.
        return not_a_dir(dir);
    }
    if e.raw_os_error() == Some(libc::ELOOP) {
        return match (dir_problem(dir), file) {
            (Some(DirProblem::SymlinkLoop), _) | (_, None) => symlink_loop(dir),
            (_, Some(f)) => store_error(
                format!(
                    "{} is a symlink loop (too many levels of symbolic links), not a cache file: Django's cache.get fails on it",
                    f.display()
                ),
                hint::file_cache(format!(
                    "Remove the link (`rm {}`) and let the app write the key again.",
                    f.display()
                )),
            ),
        };
    }
    let at = file.unwrap_or(dir);
    store_error(format!("cannot read {}: {e}", at.display()), None)
}

pub fn unreadable_advice(dir: &Path) -> String {
    format!(
        "Run the check as the app's user (`sudo -u APPUSER bisk-docs check`), or let this user read the cache (a shared group: `chgrp -R GROUP {0}; chmod 0750 {0}`).",
        dir.display()
    )
}

fn effective_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

fn effective_gid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.gid())
        .unwrap_or(u32::MAX)
}

/// `www-data:www-data (uid 33, gid 33)` from /etc/passwd and /etc/group; the numbers alone
/// when the names are not there.
pub fn owner_words(uid: u32, gid: u32) -> String {
    let user = name_in("/etc/passwd", uid);
    let group = name_in("/etc/group", gid);
    match (user, group) {
        (Some(u), Some(g)) => format!("{u}:{g} (uid {uid}, gid {gid})"),
        (Some(u), None) => format!("{u} (uid {uid}, gid {gid})"),
        _ => format!("uid {uid}, gid {gid}"),
    }
}

fn name_in(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.split(':');
        let name = parts.next()?;
        let _ = parts.next()?;
        (parts.next()?.parse::<u32>().ok()? == id).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_md5_of_the_full_key() {
        // python3 -c "import hashlib; print(hashlib.md5(b'bisk:1:ping').hexdigest())"
        assert_eq!(
            file_name("bisk:1:ping"),
            "cfe19ca8b3e8c2ab47a8f950ac836901.djcache"
        );
    }

    #[test]
    fn bad_files_are_broken_or_expired_never_a_panic() {
        assert_eq!(parse(b"", 10.0), Read::Expired { at: 0.0 });
        for garbage in [
            &b"garbage"[..],
            b"\x80",
            b"\x80\x05N",
            b"\x80\x05N.",
            b"\x80\x05N.x\x9c",
        ] {
            assert!(
                matches!(parse(garbage, 10.0), Read::Broken(_)),
                "{garbage:?}"
            );
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8c\x04pong\x94.")
            .unwrap();
        let body = z.finish().unwrap();
        let mut whole = b"\x80\x05N.".to_vec();
        whole.extend_from_slice(&body);
        match parse(&whole, 10.0) {
            Read::Present(s) => {
                assert_eq!(s.expiry, Expiry::Never);
                assert_eq!(
                    pyval::decode_pickle(&s.raw).unwrap(),
                    PyValue::Str("pong".into())
                );
            }
            other => panic!("{other:?}"),
        }
        for cut in 1..whole.len() {
            // Every truncation is an answer: broken, expired or present, never a panic.
            let _ = parse(&whole[..cut], 10.0);
        }
        assert!(matches!(
            parse(&whole[..whole.len() - 2], 10.0),
            Read::Broken(_)
        ));
    }

    proptest::proptest! {
        /// Any bytes are an answer (missing, expired, present, broken), never a panic.
        #[test]
        fn any_file_parses_or_is_broken(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse(&bytes, 10.0);
            let mut framed = b"\x80\x05N.x\x9c".to_vec();
            framed.extend_from_slice(&bytes);
            let _ = parse(&framed, 10.0);
        }
    }
}
