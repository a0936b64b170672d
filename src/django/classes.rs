//! Classes a pickled value names, as far as loading it goes: Django's `cache.get` imports
//! every class a pickle names, so a value holding a class from a module the reading app
//! cannot import raises (`ModuleNotFoundError`, `AttributeError`) instead of returning it.
//! The decoder never imports anything, so it can only say which modules must be importable:
//! Python's standard library and Django always are; anything else is the app's business.

use super::value::{PyTz, PyValue};

/// Python's standard library: `sys.stdlib_module_names` of CPython 3.11, sorted.
#[rustfmt::skip]
const STDLIB: &[&str] = &[
    "__future__", "_abc", "_aix_support", "_ast", "_asyncio", "_bisect", "_blake2",
    "_bootsubprocess", "_bz2", "_codecs", "_codecs_cn", "_codecs_hk", "_codecs_iso2022",
    "_codecs_jp", "_codecs_kr", "_codecs_tw", "_collections", "_collections_abc",
    "_compat_pickle", "_compression", "_contextvars", "_crypt", "_csv", "_ctypes", "_curses",
    "_curses_panel", "_datetime", "_dbm", "_decimal", "_elementtree", "_frozen_importlib",
    "_frozen_importlib_external", "_functools", "_gdbm", "_hashlib", "_heapq", "_imp", "_io",
    "_json", "_locale", "_lsprof", "_lzma", "_markupbase", "_md5", "_msi", "_multibytecodec",
    "_multiprocessing", "_opcode", "_operator", "_osx_support", "_overlapped", "_pickle",
    "_posixshmem", "_posixsubprocess", "_py_abc", "_pydecimal", "_pyio", "_queue", "_random",
    "_scproxy", "_sha1", "_sha256", "_sha3", "_sha512", "_signal", "_sitebuiltins", "_socket",
    "_sqlite3", "_sre", "_ssl", "_stat", "_statistics", "_string", "_strptime", "_struct",
    "_symtable", "_thread", "_threading_local", "_tkinter", "_tokenize", "_tracemalloc",
    "_typing", "_uuid", "_warnings", "_weakref", "_weakrefset", "_winapi", "_zoneinfo", "abc",
    "aifc", "antigravity", "argparse", "array", "ast", "asynchat", "asyncio", "asyncore",
    "atexit", "audioop", "base64", "bdb", "binascii", "bisect", "builtins", "bz2", "cProfile",
    "calendar", "cgi", "cgitb", "chunk", "cmath", "cmd", "code", "codecs", "codeop",
    "collections", "colorsys", "compileall", "concurrent", "configparser", "contextlib",
    "contextvars", "copy", "copyreg", "crypt", "csv", "ctypes", "curses", "dataclasses",
    "datetime", "dbm", "decimal", "difflib", "dis", "distutils", "doctest", "email",
    "encodings", "ensurepip", "enum", "errno", "faulthandler", "fcntl", "filecmp", "fileinput",
    "fnmatch", "fractions", "ftplib", "functools", "gc", "genericpath", "getopt", "getpass",
    "gettext", "glob", "graphlib", "grp", "gzip", "hashlib", "heapq", "hmac", "html", "http",
    "idlelib", "imaplib", "imghdr", "imp", "importlib", "inspect", "io", "ipaddress",
    "itertools", "json", "keyword", "lib2to3", "linecache", "locale", "logging", "lzma",
    "mailbox", "mailcap", "marshal", "math", "mimetypes", "mmap", "modulefinder", "msilib",
    "msvcrt", "multiprocessing", "netrc", "nis", "nntplib", "nt", "ntpath", "nturl2path",
    "numbers", "opcode", "operator", "optparse", "os", "ossaudiodev", "pathlib", "pdb",
    "pickle", "pickletools", "pipes", "pkgutil", "platform", "plistlib", "poplib", "posix",
    "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile", "pyclbr", "pydoc",
    "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib",
    "resource", "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve",
    "shlex", "shutil", "signal", "site", "smtpd", "smtplib", "sndhdr", "socket", "socketserver",
    "spwd", "sqlite3", "sre_compile", "sre_constants", "sre_parse", "ssl", "stat", "statistics",
    "string", "stringprep", "struct", "subprocess", "sunau", "symtable", "sys", "sysconfig",
    "syslog", "tabnanny", "tarfile", "telnetlib", "tempfile", "termios", "textwrap", "this",
    "threading", "time", "timeit", "tkinter", "token", "tokenize", "tomllib", "trace",
    "traceback", "tracemalloc", "tty", "turtle", "turtledemo", "types", "typing", "unicodedata",
    "unittest", "urllib", "uu", "uuid", "venv", "warnings", "wave", "weakref", "webbrowser",
    "winreg", "winsound", "wsgiref", "xdrlib", "xml", "xmlrpc", "zipapp", "zipfile",
    "zipimport", "zlib", "zoneinfo",
];

/// The exception classes of `builtins` (CPython 3.11), sorted.
#[rustfmt::skip]
const BUILTIN_EXCEPTIONS: &[&str] = &[
    "ArithmeticError", "AssertionError", "AttributeError", "BaseException",
    "BaseExceptionGroup", "BlockingIOError", "BrokenPipeError", "BufferError", "BytesWarning",
    "ChildProcessError", "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError",
    "ConnectionResetError", "DeprecationWarning", "EOFError", "EncodingWarning",
    "EnvironmentError", "Exception", "ExceptionGroup", "FileExistsError", "FileNotFoundError",
    "FloatingPointError", "FutureWarning", "GeneratorExit", "IOError", "ImportError",
    "ImportWarning", "IndentationError", "IndexError", "InterruptedError", "IsADirectoryError",
    "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError",
    "NameError", "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError",
    "PendingDeprecationWarning", "PermissionError", "ProcessLookupError", "RecursionError",
    "ReferenceError", "ResourceWarning", "RuntimeError", "RuntimeWarning", "StopAsyncIteration",
    "StopIteration", "SyntaxError", "SyntaxWarning", "SystemError", "SystemExit", "TabError",
    "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
    "UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError", "UnicodeWarning",
    "UserWarning", "ValueError", "Warning", "ZeroDivisionError",
];

/// Whether `builtins.<name>` is an exception class.
pub(crate) fn is_builtin_exception(name: &str) -> bool {
    BUILTIN_EXCEPTIONS.binary_search(&name).is_ok()
}

/// Whether a class of `module` is taken for an exception: a builtin one by name, any other
/// by Python's naming convention (PEP 8: exception names end in `Error`; `Exception` and
/// `Warning` are the other suffixes the standard library uses). Only a name: how such a
/// class is pickled (the class called with its `args`) is the same for every exception.
pub(crate) fn is_exception_class(module: &str, name: &str) -> bool {
    if module == "builtins" {
        return is_builtin_exception(name);
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    ["Error", "Exception", "Warning"]
        .iter()
        .any(|suffix| last.len() > suffix.len() && last.ends_with(suffix))
}

/// Whether every Django app can import `module`: the standard library (Python 2 names the
/// unpickler maps included) and Django itself.
pub(crate) fn always_importable(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    STDLIB.binary_search(&top).is_ok() || matches!(top, "django" | "__builtin__" | "copy_reg")
}

/// `module.Name` → (module, name): the module is everything before the last dot.
pub(crate) fn split_class(class: &str) -> (&str, &str) {
    class.rsplit_once('.').unwrap_or(("", class))
}

impl PyValue {
    /// Classes in the value (`module.Name`) whose module is not always importable: Django
    /// loads the value only if the reading app can import each. In order, once each.
    pub fn foreign_classes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut note = |class: &str| {
            if !always_importable(split_class(class).0) && !out.iter().any(|c| c == class) {
                out.push(class.to_string());
            }
        };
        let mut stack: Vec<&PyValue> = vec![self];
        while let Some(v) = stack.pop() {
            match v {
                PyValue::Unsupported { class, .. } => note(class),
                PyValue::Exception { class, args } => {
                    note(class);
                    stack.extend(args.iter().rev());
                }
                PyValue::List(items)
                | PyValue::Tuple(items)
                | PyValue::Set(items)
                | PyValue::FrozenSet(items) => stack.extend(items.iter().rev()),
                PyValue::Dict(pairs) => {
                    for (k, v) in pairs.iter().rev() {
                        stack.push(v);
                        stack.push(k);
                    }
                }
                PyValue::DateTime(dt) => {
                    if let Some(PyTz::Other { class }) = &dt.tz {
                        note(class);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_for_binary_search() {
        assert!(STDLIB.windows(2).all(|w| w[0] < w[1]));
        assert!(BUILTIN_EXCEPTIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn which_modules_and_classes() {
        assert!(always_importable("uuid"));
        assert!(always_importable("collections.abc"));
        assert!(always_importable("_codecs"));
        assert!(always_importable("django.utils.safestring"));
        assert!(!always_importable("nosuchmodule"));
        assert!(!always_importable("myapp.errors"));
        assert!(is_exception_class("builtins", "ValueError"));
        assert!(is_exception_class("builtins", "KeyboardInterrupt"));
        assert!(!is_exception_class("builtins", "set"));
        assert!(is_exception_class("myapp.errors", "EnforcerError"));
        assert!(!is_exception_class("myapp.models", "Error"));
        assert!(!is_exception_class("nosuchmodule", "Foo"));
        let v = PyValue::List(vec![
            PyValue::Unsupported {
                class: "uuid.UUID".into(),
                preview_hex: String::new(),
            },
            PyValue::Dict(vec![(
                PyValue::Str("k".into()),
                PyValue::Unsupported {
                    class: "nosuchmodule.Foo".into(),
                    preview_hex: String::new(),
                },
            )]),
            PyValue::Exception {
                class: "myapp.errors.EnforcerError".into(),
                args: vec![PyValue::Unsupported {
                    class: "nosuchmodule.Foo".into(),
                    preview_hex: String::new(),
                }],
            },
        ]);
        assert_eq!(
            v.foreign_classes(),
            ["nosuchmodule.Foo", "myapp.errors.EnforcerError"]
        );
    }
}
