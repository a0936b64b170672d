//! Snapshot helpers (filled below).
