//! A probe status as the theme's templates draw it: the guide widget's chip (colour, icon
//! and word, so colour is never the only cue).

use serde::Serialize;

use crate::probe::Status;

/// `<span class="probe-chip probe-chip-{{ status }}"><span class="probe-icon">{{ icon }}</span> {{ word }}</span>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Chip {
    /// `pass`, `warn`, `fail`, `error`, `skipped`: the CSS class suffix and `data-status`.
    pub status: &'static str,
    pub icon: &'static str,
    /// `PASS`, `FAIL`, …
    pub word: &'static str,
}

impl Chip {
    pub fn of(s: Status) -> Chip {
        Chip {
            status: s.as_str(),
            icon: s.icon(),
            word: s.word(),
        }
    }
}
