//! Terminal output: colour only on a TTY and never with `NO_COLOR`.

use std::io::IsTerminal;

pub(crate) fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn paint(code: &str, text: &str) -> String {
    if color_enabled() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub(crate) fn error(msg: &str) {
    eprintln!("{} {msg}", paint("1;31", "error:"));
}

pub(crate) fn warning(msg: &str) {
    eprintln!("{} {msg}", paint("1;33", "warning:"));
}

/// Prints a diagnostic, colouring its severity word.
pub(crate) fn diagnostic(d: &crate::diag::Diagnostic) {
    let text = d.to_string();
    let (word, rest) = text.split_once(':').unwrap_or(("", &text));
    let code = if d.is_error() { "1;31" } else { "1;33" };
    eprintln!("{}:{rest}", paint(code, word));
}

/// A one-line progress or summary message on stderr (stdout is kept for data, e.g. JSON).
pub(crate) fn status(msg: &str) {
    eprintln!("{msg}");
}

/// The width of terminal text: `COLUMNS` when set to a number (at least 40), else 80. No
/// terminal query: `COLUMNS` is what shells and CI set, and 80 keeps piped output and logs
/// readable.
pub(crate) fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .unwrap_or(80)
        .max(40)
}
