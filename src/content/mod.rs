//! The content model: the docs folder walked into pages and sections, in navigation order.

pub mod paths;
