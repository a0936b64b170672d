//! Django's own cache settings, asked of the project's Django (`[django]` in bisk-docs.toml).
//!
//! bisk-docs learns prefix, version and location from a hand-written config; when it
//! disagrees with Django's `CACHES`, every probe checks the wrong place. So Django is asked:
//! the operator's interpreter runs a script embedded in this binary (`caches.py`: argv, no
//! shell, under `[django] timeout`, killed after it) that imports the settings module and
//! writes `CACHES['default']` (with `USE_TZ` and `TIME_ZONE`) as JSON to a file of a private
//! folder: stdout is the settings module's, and may carry anything. Nothing a request or a
//! page sends shapes that command: it is built from `[django]` alone.
//!
//! [`ask`] runs it at most once per [`FRESH_FOR`] for the same `[django]` (one `check` asks
//! once; `serve`, which runs probes every few seconds, does not start Python each time).
//! [`resolve_target`] turns the answer into the probe target `django`.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::AsyncReadExt;

use crate::config::{
    self, Config, DJANGO_TARGET, DjangoSection, NamedTarget, RedisTarget, UnknownTarget,
};

/// The script run with the project's interpreter.
pub const SCRIPT: &str = include_str!("caches.py");

/// How long an answer is reused for the same `[django]`.
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// Most bytes of the script's stderr kept (the newest: a failure's last line comes last).
const MAX_OUTPUT: u64 = 256 * 1024;

/// Which of Django's cache backends `CACHES['default']` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DjangoBackend {
    /// `django.core.cache.backends.redis.RedisCache`.
    Redis,
    /// `django.core.cache.backends.filebased.FileBasedCache`.
    File,
    /// `django.core.cache.backends.db.DatabaseCache`.
    Db,
    /// `django.core.cache.backends.locmem.LocMemCache`: each process has its own.
    LocMem,
    /// `django.core.cache.backends.dummy.DummyCache`: stores nothing.
    Dummy,
    /// Anything else (memcached, django-redis, a custom class), as written.
    Other(String),
}

impl DjangoBackend {
    pub fn of(path: &str) -> DjangoBackend {
        match path.trim() {
            "django.core.cache.backends.redis.RedisCache" => DjangoBackend::Redis,
            "django.core.cache.backends.filebased.FileBasedCache" => DjangoBackend::File,
            "django.core.cache.backends.db.DatabaseCache" => DjangoBackend::Db,
            "django.core.cache.backends.locmem.LocMemCache" => DjangoBackend::LocMem,
            "django.core.cache.backends.dummy.DummyCache" => DjangoBackend::Dummy,
            other => DjangoBackend::Other(other.to_string()),
        }
    }

    /// The class name, as people say it ("RedisCache").
    pub fn class_name(&self) -> &str {
        match self {
            DjangoBackend::Redis => "RedisCache",
            DjangoBackend::File => "FileBasedCache",
            DjangoBackend::Db => "DatabaseCache",
            DjangoBackend::LocMem => "LocMemCache",
            DjangoBackend::Dummy => "DummyCache",
            DjangoBackend::Other(p) => p.rsplit('.').next().unwrap_or(p),
        }
    }
}

/// `LOCATION`: a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawLocation {
    One(String),
    Many(Vec<String>),
}

/// A number Django accepts (`TIMEOUT = 300`, `VERSION = 2`), or what was written instead.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

/// `CACHES['default']`, with Django's defaults applied. `location` may hold a password
/// (Redis URLs): Debug redacts it.
#[derive(Clone, PartialEq, Deserialize)]
pub struct CacheConf {
    pub backend: String,
    pub location: RawLocation,
    /// Absolute `LOCATION` of a FileBasedCache, as Django computes it.
    pub location_abs: Option<String>,
    pub key_prefix: String,
    pub version: Option<Num>,
    /// Whether `TIMEOUT` is written in the settings (else Django's default 300 s).
    pub timeout_set: bool,
    /// `None`: `TIMEOUT = None`, no expiry.
    pub timeout: Option<Num>,
    pub key_function: Option<String>,
    pub max_entries: Option<Num>,
    pub cull_frequency: Option<Num>,
    /// `OPTIONS['db']` when written: redis-py's db when the URL names none.
    #[serde(default)]
    pub redis_db: Option<Num>,
}

impl std::fmt::Debug for CacheConf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let servers: Vec<String> = self
            .servers()
            .iter()
            .map(|s| crate::redact::redact_url(s))
            .collect();
        f.debug_struct("CacheConf")
            .field("backend", &self.backend)
            .field("location", &servers)
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CacheConf {
    pub fn kind(&self) -> DjangoBackend {
        DjangoBackend::of(&self.backend)
    }

    /// The servers of `LOCATION`: RedisCache splits a string on `,` and `;`, and writes go
    /// to the first.
    pub fn servers(&self) -> Vec<String> {
        let all: Vec<String> = match &self.location {
            RawLocation::One(s) if self.kind() == DjangoBackend::Redis => {
                s.split([',', ';']).map(|p| p.trim().to_string()).collect()
            }
            RawLocation::One(s) => vec![s.trim().to_string()],
            RawLocation::Many(v) => v.iter().map(|p| p.trim().to_string()).collect(),
        };
        all.into_iter().filter(|s| !s.is_empty()).collect()
    }

    /// The first server of a RedisCache as redis-py connects to it: `OPTIONS['db']` is the
    /// db when the URL names none (redis-py: URL values win over the pool's keyword
    /// arguments), written into the URL as `?db=N` so every reader sees it. `Err` when
    /// that `db` is not an integer (redis-py's SELECT fails then).
    pub fn first_redis_url(&self) -> Result<Option<String>, String> {
        let Some(first) = self.servers().into_iter().next() else {
            return Ok(None);
        };
        match &self.redis_db {
            None => Ok(Some(first)),
            Some(Num::Int(db)) => Ok(Some(crate::redis_url::with_default_db(&first, *db))),
            // redis-py sends it as it is, and Redis reads a decimal text as its number.
            Some(Num::Text(t))
                if t.strip_prefix('-')
                    .unwrap_or(t)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    && let Ok(db) = t.parse::<i64>() =>
            {
                Ok(Some(crate::redis_url::with_default_db(&first, db)))
            }
            Some(other) => Err(format!(
                "Django's CACHES['default'] OPTIONS['db'] is {}, not an integer: redis-py cannot select it",
                match other {
                    Num::Float(f) => f.to_string(),
                    Num::Text(t) => format!("{:?}", crate::text::bound(t, 40)),
                    Num::Int(i) => i.to_string(),
                }
            )),
        }
    }

    /// `VERSION` as an integer, when it is one.
    pub fn version_int(&self) -> Option<i64> {
        match &self.version {
            Some(Num::Int(v)) => Some(*v),
            _ => None,
        }
    }

    /// `MAX_ENTRIES` (FileBasedCache, DatabaseCache cull beyond it), when a positive integer.
    pub fn max_entries_int(&self) -> Option<u64> {
        match &self.max_entries {
            Some(Num::Int(n)) if *n > 0 => Some(*n as u64),
            _ => None,
        }
    }

    /// `TIMEOUT` in seconds: `Some(None)` for no expiry, `None` when it is not a number.
    pub fn timeout_secs(&self) -> Option<Option<f64>> {
        match &self.timeout {
            None => Some(None),
            Some(Num::Int(v)) => Some(Some(*v as f64)),
            Some(Num::Float(v)) => Some(Some(*v)),
            Some(Num::Text(_)) => None,
        }
    }

    /// `TIMEOUT` as the evidence shows it.
    pub fn timeout_words(&self) -> String {
        let set = if self.timeout_set {
            ""
        } else {
            " (not set: Django's default)"
        };
        match &self.timeout {
            None => "None (no expiry)".to_string(),
            Some(Num::Int(v)) => format!("{v} s{set}"),
            Some(Num::Float(v)) => format!("{v} s{set}"),
            Some(Num::Text(t)) => format!("{t:?}"),
        }
    }
}

/// A failure inside the script, as Python named it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PyError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl std::fmt::Display for PyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RedisClient {
    pub version: Option<String>,
    pub error: Option<PyError>,
}

/// The database a DatabaseCache uses (`DATABASES[router.db_for_write(...)]`). Debug
/// leaves the password out.
#[derive(Clone, PartialEq, Deserialize)]
pub struct CacheDatabase {
    pub alias: Option<String>,
    #[serde(default)]
    pub engine: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: String,
    #[serde(default)]
    pub user: String,
    /// Needed to connect (`target = "django"`); never shown.
    #[serde(default)]
    pub password: String,
    pub error: Option<PyError>,
}

impl std::fmt::Debug for CacheDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheDatabase")
            .field("alias", &self.alias)
            .field("engine", &self.engine)
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl CacheDatabase {
    /// The database as a bisk-docs `database` URL (`sqlite:////abs/path`,
    /// `postgres://user:password@host:port/name`), or why it has none.
    pub fn url(&self) -> Result<String, String> {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        if let Some(e) = &self.error {
            return Err(format!(
                "Django cannot say which database the cache table is in: {}",
                scrub(&e.to_string())
            ));
        }
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        if self.engine.ends_with("sqlite3") {
            if self.name.starts_with('/') {
                return Ok(format!("sqlite:///{}", self.name));
            }
            return Err(format!(
                "the SQLite database NAME {:?} is not a file bisk-docs can open",
                self.name
            ));
        }
        if self.engine.contains("postgresql") {
            let auth = match (self.user.is_empty(), self.password.is_empty()) {
                (true, _) => String::new(),
                (false, true) => format!("{}@", enc(&self.user)),
                (false, false) => format!("{}:{}@", enc(&self.user), enc(&self.password)),
            };
            // An empty HOST is libpq's default; a HOST starting with / is a socket folder.
            let (host, query) = match self.host.as_str() {
                "" => ("localhost".to_string(), String::new()),
                h if h.starts_with('/') => ("localhost".to_string(), format!("?host={}", enc(h))),
                h if h.contains(':') => (format!("[{h}]"), String::new()),
                h => (h.to_string(), String::new()),
            };
            let port = if self.port.is_empty() {
                "5432"
            } else {
                &self.port
            };
            return Ok(format!(
                "postgres://{auth}{host}:{port}/{}{query}",
                enc(&self.name)
            ));
        }
        Err(format!(
            "the cache table is in a {} database, which the probes cannot read (SQLite and PostgreSQL only)",
            self.engine.rsplit('.').next().unwrap_or(&self.engine)
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Failed {
    stage: String,
    error: PyError,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Answer {
    python: String,
    python_version: String,
    django_version: Option<String>,
    failed: Option<Failed>,
    #[serde(default)]
    aliases: Vec<String>,
    default: Option<CacheConf>,
    redis_client: Option<RedisClient>,
    cache_database: Option<CacheDatabase>,
    use_tz: Option<bool>,
    time_zone: Option<String>,
    clock_error: Option<PyError>,
}

/// What Django said about its caches.
#[derive(Debug, Clone, PartialEq)]
pub struct DjangoCaches {
    /// `sys.executable` of the interpreter that answered.
    pub python: String,
    pub python_version: String,
    pub django_version: String,
    /// Every alias of `CACHES`.
    pub aliases: Vec<String>,
    /// `CACHES['default']`; `None` when there is no such alias.
    pub default: Option<CacheConf>,
    /// For a Redis backend: whether `import redis` works in that interpreter.
    pub redis_client: Option<RedisClient>,
    /// For a DatabaseCache: the database it uses.
    pub cache_database: Option<CacheDatabase>,
    /// `settings.USE_TZ` (`None`: Django could not say).
    pub use_tz: Option<bool>,
    /// `settings.TIME_ZONE` (`None`: `TIME_ZONE = None`, the host's zone, or not said).
    pub time_zone: Option<String>,
    /// Why `USE_TZ`/`TIME_ZONE` could not be read.
    pub clock_error: Option<PyError>,
}

impl DjangoCaches {
    /// How the app reads naive datetimes, from its `USE_TZ` and `TIME_ZONE`.
    pub fn app_clock(&self) -> super::time::AppClock {
        super::time::AppClock::of(self.use_tz, self.time_zone.as_deref())
    }
}

/// Why Django could not be asked; each names its cause.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AskError {
    #[error(
        "no [django] section in bisk-docs.toml: bisk-docs does not know where the project's Django is"
    )]
    NotConfigured,
    #[error("the interpreter {0} does not exist on this host")]
    NoPython(String),
    #[error("the project folder {0} does not exist on this host")]
    NoProjectDir(String),
    #[error("cannot start {python}: {message}")]
    Spawn { python: String, message: String },
    #[error("Django did not answer within {} and was killed (importing {settings} hangs or is slow; raise [django] timeout if it is only slow)", humantime::format_duration(*.timeout))]
    Timeout { settings: String, timeout: Duration },
    #[error("Django is not importable with {python}: {error}")]
    NoDjango { python: String, error: String },
    #[error("Django cannot load the settings module {settings}: {error}")]
    Settings { settings: String, error: String },
    #[error("{python} ended without an answer ({status}){}", if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    NoAnswer {
        python: String,
        status: String,
        stderr: String,
    },
}

type Asked = Arc<Result<DjangoCaches, AskError>>;

struct Slot {
    started: Instant,
    cell: Arc<tokio::sync::OnceCell<Asked>>,
}

static ASKED: LazyLock<Mutex<HashMap<DjangoSection, Slot>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Django's answer for `section`: asked now, or reused when asked less than
/// [`FRESH_FOR`] ago. Concurrent callers share one run of Python.
pub async fn ask(section: &DjangoSection) -> Asked {
    let cell = {
        let mut asked = ASKED.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = asked
            .get(section)
            .is_some_and(|s| s.started.elapsed() < FRESH_FOR);
        if !fresh {
            asked.insert(
                section.clone(),
                Slot {
                    started: Instant::now(),
                    cell: Arc::new(tokio::sync::OnceCell::new()),
                },
            );
        }
        asked[section].cell.clone()
    };
    cell.get_or_init(|| async { Arc::new(ask_now(section).await) })
        .await
        .clone()
}

/// Runs the script once, without the reuse of [`ask`].
pub async fn ask_now(section: &DjangoSection) -> Result<DjangoCaches, AskError> {
    let python = section.python.display().to_string();
    if section.python.is_absolute() && !section.python.exists() {
        return Err(AskError::NoPython(python));
    }
    if let Some(dir) = &section.project_dir
        && !dir.is_dir()
    {
        return Err(AskError::NoProjectDir(dir.display().to_string()));
    }
    let project_dir = section
        .project_dir
        .as_deref()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    // The answer comes back in a file of a private folder, not on stdout: a settings module
    // may print anything (megabytes, or at exit), and a daemon it forks may hold stdout
    // open for ever. The script writes it whole and renames it into place, so its
    // appearance means the answer is complete, whenever the interpreter ends.
    let answer_dir = AnswerDir::create().map_err(|e| AskError::Spawn {
        python: python.clone(),
        message: format!("cannot make a private folder for the answer: {e}"),
    })?;
    let answer_path = answer_dir.0.join("answer.json");
    let mut cmd = tokio::process::Command::new(&section.python);
    cmd.arg("-c")
        .arg(SCRIPT)
        .arg(&project_dir)
        .arg(&section.settings)
        .arg(&answer_path)
        .env("DJANGO_SETTINGS_MODULE", &section.settings)
        // No .pyc files written into the operator's checkout on our behalf.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &section.project_dir {
        cmd.current_dir(dir);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AskError::NoPython(python));
        }
        Err(e) => {
            return Err(AskError::Spawn {
                python,
                message: e.to_string(),
            });
        }
    };
    let Some(stderr) = child.stderr.take() else {
        return Err(AskError::Spawn {
            python,
            message: "no pipe to the child".into(),
        });
    };
    // stderr is kept up to the bound (its last line names a failure) and drained beyond it,
    // so a chatty module never blocks on a full pipe; the reader is aborted when done.
    let err_buf = Arc::new(Mutex::new(Vec::new()));
    let reader = tokio::spawn(drain(stderr, err_buf.clone()));
    let waited = tokio::time::timeout(section.timeout, async {
        loop {
            tokio::select! {
                status = child.wait() => break status.map(Some),
                () = tokio::time::sleep(ANSWER_POLL) => {
                    if answer_path.exists() {
                        // Answered: what the interpreter does after (atexit handlers, a
                        // hang) no longer matters; it is killed when `child` is dropped.
                        break Ok(None);
                    }
                }
            }
        }
    })
    .await;
    let status = match waited {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            reader.abort();
            return Err(AskError::Spawn {
                python,
                message: e.to_string(),
            });
        }
        Err(_) if !answer_path.exists() => {
            reader.abort();
            return Err(AskError::Timeout {
                settings: section.settings.clone(),
                timeout: section.timeout,
            });
        }
        Err(_) => None,
    };
    let answer = read_answer(&answer_path);
    let mut reader = reader;
    if answer.is_none() {
        // The last words on stderr: give the pipe a moment to deliver them after the exit
        // (a daemon that inherited it may keep it open; then what arrived is what counts).
        let _ = tokio::time::timeout(STDERR_GRACE, &mut reader).await;
    }
    reader.abort();
    let Some(answer) = answer else {
        let err = err_buf.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let stderr = scrub(last_line(&String::from_utf8_lossy(&err)));
        return Err(AskError::NoAnswer {
            python,
            status: match status.and_then(|s| s.code()) {
                Some(0) => {
                    "exit code 0: the settings module ended the interpreter before Django answered"
                        .into()
                }
                Some(c) => format!("exit code {c}"),
                None => "killed by a signal".into(),
            },
            stderr,
        });
    };
    from_answer(answer, section)
}

/// How often the answer file is looked for while the interpreter runs.
const ANSWER_POLL: Duration = Duration::from_millis(20);

/// How long stderr may take to deliver its last words after the interpreter ended.
const STDERR_GRACE: Duration = Duration::from_millis(200);

/// Most bytes of the answer file read (the answer is a few hundred bytes).
const MAX_ANSWER: u64 = 1024 * 1024;

/// Reads `pipe` into `buf` up to [`MAX_OUTPUT`], then keeps reading and dropping.
async fn drain(mut pipe: tokio::process::ChildStderr, buf: Arc<Mutex<Vec<u8>>>) {
    let mut chunk = [0u8; 8192];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut b = buf.lock().unwrap_or_else(|p| p.into_inner());
                let room = (MAX_OUTPUT as usize).saturating_sub(b.len());
                if room == 0 {
                    // Keep the newest words: a failure's last line comes last.
                    let keep = b.len() / 2;
                    b.drain(..keep);
                }
                let room = (MAX_OUTPUT as usize).saturating_sub(b.len());
                b.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
}

/// The script's answer, when it wrote a whole one.
fn read_answer(path: &Path) -> Option<Answer> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    let mut text = Vec::new();
    file.take(MAX_ANSWER).read_to_end(&mut text).ok()?;
    serde_json::from_slice(&text).ok()
}

/// A folder only this user can enter, removed when dropped.
struct AnswerDir(std::path::PathBuf);

impl AnswerDir {
    fn create() -> std::io::Result<AnswerDir> {
        use std::os::unix::fs::DirBuilderExt;
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let name = format!(
            "bisk-docs-django-{}-{}",
            std::process::id(),
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(AnswerDir(dir))
    }
}

impl Drop for AnswerDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn from_answer(answer: Answer, section: &DjangoSection) -> Result<DjangoCaches, AskError> {
    if let Some(failed) = answer.failed {
        let error = scrub(&failed.error.to_string());
        return Err(if failed.stage == "django" {
            AskError::NoDjango {
                python: answer.python,
                error,
            }
        } else {
            AskError::Settings {
                settings: section.settings.clone(),
                error,
            }
        });
    }
    Ok(DjangoCaches {
        python: answer.python,
        python_version: answer.python_version,
        django_version: answer.django_version.unwrap_or_default(),
        aliases: answer.aliases,
        default: answer.default,
        redis_client: answer.redis_client,
        cache_database: answer.cache_database,
        use_tz: answer.use_tz,
        time_zone: answer.time_zone,
        clock_error: answer.clock_error,
    })
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Text from Python (an exception message, a traceback line) for messages: every word
/// that looks like a URL is redacted (a settings module may quote its LOCATION or a
/// database URL), control characters are escaped, and the whole is bounded.
pub fn scrub(text: &str) -> String {
    let mut joined = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(word_end);
        if word.contains("://") || word.contains('@') {
            // Quotes and brackets around a URL are not part of it.
            let core = word.trim_matches(|c: char| "'\"()[]{}<>,;".contains(c));
            let at = word.find(core).unwrap_or(0);
            joined.push_str(&word[..at]);
            joined.push_str(&crate::redact::redact_url(core));
            joined.push_str(&word[at + core.len()..]);
        } else {
            joined.push_str(word);
        }
        let space_end = tail
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(tail.len());
        joined.push_str(&tail[..space_end]);
        rest = &tail[space_end..];
    }
    let escaped: String = joined
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    crate::text::bound(&escaped, 300)
}

/// Why the `django` target cannot be probed.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Unknown(#[from] UnknownTarget),
    #[error("target django: cannot read Django's CACHES: {0}")]
    Ask(AskError),
    #[error("target django: {0}")]
    Unusable(String),
}

/// The named target, with `django` filled in from Django's `CACHES['default']`: its
/// backend, location (the first server of a list), `KEY_PREFIX` and `VERSION`. The
/// connect timeout, deadline, `allow_writes` and `local` come from `[redis]`.
/// `BISK_REDIS_URL` does not apply to it: Django is the authority on where its cache is.
pub async fn resolve_target(
    config: &Config,
    name: Option<&str>,
) -> Result<NamedTarget, TargetError> {
    let named = config.target(name)?;
    if named.name != DJANGO_TARGET {
        return Ok(named);
    }
    let Some(section) = &config.django else {
        return Err(TargetError::Ask(AskError::NotConfigured));
    };
    let asked = ask(section).await;
    let caches = match asked.as_ref() {
        Ok(c) => c,
        Err(e) => return Err(TargetError::Ask(e.clone())),
    };
    let target = target_from(caches, &config.redis).map_err(TargetError::Unusable)?;
    Ok(NamedTarget {
        name: DJANGO_TARGET.to_string(),
        target,
    })
}

/// The probe target Django's `CACHES['default']` describes (with `MAX_ENTRIES` for the
/// culling diagnosis of file and db caches), on `base`'s timeouts.
pub fn target_from(caches: &DjangoCaches, base: &RedisTarget) -> Result<RedisTarget, String> {
    let Some(conf) = &caches.default else {
        return Err("Django's CACHES has no 'default' alias".into());
    };
    let version = conf.version_int().ok_or_else(|| {
        format!(
            "Django's CACHES['default'] VERSION is {:?}, not an integer",
            conf.version
        )
    })?;
    // The app's clock, so naive times (USE_TZ = False) read in its TIME_ZONE.
    let base = &RedisTarget {
        use_tz: caches.use_tz.or(base.use_tz),
        time_zone: caches.time_zone.clone(),
        ..base.clone()
    };
    match conf.kind() {
        DjangoBackend::Redis => {
            let Some(first) = conf.first_redis_url()? else {
                return Err("Django's CACHES['default'] has no LOCATION".into());
            };
            Ok(RedisTarget {
                backend: config::Backend::Redis,
                url: first,
                location: None,
                database: None,
                key_prefix: conf.key_prefix.clone(),
                version,
                ..base.clone()
            })
        }
        DjangoBackend::File => {
            let dir = conf
                .location_abs
                .clone()
                .or_else(|| conf.servers().into_iter().next())
                .filter(|d| !d.is_empty())
                .ok_or("Django's CACHES['default'] has no LOCATION")?;
            Ok(RedisTarget {
                backend: config::Backend::File,
                url: String::new(),
                location: Some(dir),
                database: None,
                key_prefix: conf.key_prefix.clone(),
                version,
                max_entries: conf.max_entries_int().unwrap_or(base.max_entries),
                ..base.clone()
            })
        }
        DjangoBackend::Db => {
            let table = conf
                .servers()
                .into_iter()
                .next()
                .ok_or("Django's CACHES['default'] has no LOCATION (the cache table)")?;
            if !config::valid_table_name(&table) {
                return Err(format!(
                    "Django's cache table {table:?} is not a name bisk-docs will query"
                ));
            }
            let database = caches
                .cache_database
                .as_ref()
                .ok_or("Django did not say which database holds the cache table")?
                .url()?;
            Ok(RedisTarget {
                backend: config::Backend::Db,
                url: String::new(),
                location: Some(table),
                database: Some(database),
                key_prefix: conf.key_prefix.clone(),
                version,
                max_entries: conf.max_entries_int().unwrap_or(base.max_entries),
                ..base.clone()
            })
        }
        DjangoBackend::LocMem | DjangoBackend::Dummy => Err(format!(
            "Django's cache is {}: not shared across processes, nothing outside the process can read it",
            conf.kind().class_name()
        )),
        other => Err(format!(
            "Django's cache is {} ({}), which the probes cannot read",
            other.class_name(),
            conf.backend
        )),
    }
}

/// `project_dir` as shown in messages.
pub fn shown_project_dir(section: &DjangoSection) -> String {
    section
        .project_dir
        .as_deref()
        .map(Path::display)
        .map(|d| d.to_string())
        .unwrap_or_else(|| "(none)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_redacts_urls_and_bounds() {
        let s = scrub("ConnectionError: cannot reach 'redis://:hunter2@h:6379/1'\n(retry)");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("redis://:***@h:6379/1"), "{s}");
        assert!(s.contains("\\n"), "{s}");
        assert!(scrub(&"x".repeat(5000)).chars().count() < 330);
    }

    #[test]
    fn servers_split_like_redis_cache() {
        let conf = CacheConf {
            backend: "django.core.cache.backends.redis.RedisCache".into(),
            location: RawLocation::One("redis://a:1/1, redis://b:2/1;redis://c:3/1".into()),
            location_abs: None,
            key_prefix: "".into(),
            version: Some(Num::Int(1)),
            timeout_set: false,
            timeout: Some(Num::Int(300)),
            key_function: None,
            max_entries: None,
            cull_frequency: None,
            redis_db: None,
        };
        assert_eq!(
            conf.servers(),
            vec!["redis://a:1/1", "redis://b:2/1", "redis://c:3/1"]
        );
    }
}
