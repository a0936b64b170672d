//! The content model: the docs folder walked into pages and folders, in navigation order.

pub mod document;
pub mod frontmatter;
pub mod index;
pub mod load;
pub mod markdown;
pub mod paths;
pub mod slug;
pub mod tree;
pub mod walk;

pub use load::{Asset, Loaded, Page};
pub use tree::NavTree;

/// A readable title from a file or folder name: `REDIS_CACHE` → `Redis cache`,
/// `deploy-checklist` → `Deploy checklist`.
pub fn title_from_name(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    let spaced = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let shouting =
        spaced.chars().any(char::is_alphabetic) && !spaced.chars().any(char::is_lowercase);
    let base = if shouting {
        spaced.to_lowercase()
    } else {
        spaced
    };
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::title_from_name;

    #[test]
    fn titles_from_names() {
        assert_eq!(title_from_name("REDIS_CACHE"), "Redis cache");
        assert_eq!(title_from_name("deploy-checklist"), "Deploy checklist");
        assert_eq!(title_from_name("ops"), "Ops");
        assert_eq!(title_from_name("MyGuide"), "MyGuide");
    }
}
