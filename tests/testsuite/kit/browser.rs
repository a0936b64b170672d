//! Browser helpers (filled below).
