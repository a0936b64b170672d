//! Showing results: the widget's facts for the theme's `probe.html`, hints that point into
//! the guides, causes grouped across probes, and a page's health for the sidebar dot.

pub mod causes;
pub mod health;
pub mod hint;
pub mod widget;
