//! Navigation order: folders are sections, pages sort by weight then file name, and the
//! configured section order wins at the top level. From the tree come the sidebar, the
//! breadcrumbs, prev/next and section listings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::load::Page;

#[derive(Debug, Clone)]
pub struct FolderNode {
    /// Docs-relative folder (`""` for the root).
    pub path: PathBuf,
    /// Index of the folder's index page in the page list.
    pub index: usize,
    pub items: Vec<NavItem>,
}

#[derive(Debug, Clone)]
pub enum NavItem {
    Page(usize),
    Folder(FolderNode),
}

#[derive(Debug, Clone)]
pub struct NavTree {
    pub root: FolderNode,
    /// Every page in reading order (pre-order: a folder's index, then its items).
    pub order: Vec<usize>,
    /// Per page: the index pages of its ancestor folders, outermost first (the page
    /// itself excluded).
    pub ancestors: Vec<Vec<usize>>,
    /// Per page: its position in `order`.
    pub position: Vec<usize>,
    /// Per index page: the pages and sub-folder indexes directly inside its folder.
    pub children: HashMap<usize, Vec<usize>>,
}

type SortKey = (usize, i64, String);

/// Builds the tree. `section_order` lists top-level folder names to put first.
pub fn build<P: AsRef<Page> + Sync>(pages: &[P], section_order: &[String]) -> NavTree {
    let mut index_of_folder: HashMap<PathBuf, usize> = HashMap::new();
    let mut members: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (i, p) in pages.iter().map(AsRef::as_ref).enumerate() {
        if p.is_index {
            index_of_folder.insert(p.folder(), i);
        } else {
            members.entry(p.folder()).or_default().push(i);
        }
    }
    let mut subfolders: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for folder in index_of_folder.keys() {
        if let Some(parent) = folder.parent() {
            subfolders
                .entry(parent.to_path_buf())
                .or_default()
                .push(folder.clone());
        }
    }

    let builder = Builder {
        pages,
        index_of_folder: &index_of_folder,
        members: &members,
        subfolders: &subfolders,
        section_order,
    };
    let root = builder.folder(Path::new(""));

    let mut tree = NavTree {
        root,
        order: Vec::with_capacity(pages.len()),
        ancestors: vec![Vec::new(); pages.len()],
        position: vec![usize::MAX; pages.len()],
        children: HashMap::new(),
    };
    let root = tree.root.clone();
    walk(&root, &mut Vec::new(), &mut tree);
    tree
}

struct Builder<'a, P> {
    pages: &'a [P],
    index_of_folder: &'a HashMap<PathBuf, usize>,
    members: &'a HashMap<PathBuf, Vec<usize>>,
    subfolders: &'a HashMap<PathBuf, Vec<PathBuf>>,
    section_order: &'a [String],
}

impl<P: AsRef<Page>> Builder<'_, P> {
    fn folder(&self, path: &Path) -> FolderNode {
        let mut keyed: Vec<(SortKey, NavItem)> = Vec::new();
        for &i in self.members.get(path).into_iter().flatten() {
            let p = self.pages[i].as_ref();
            keyed.push((self.key(path, p.front.weight, &p.stem()), NavItem::Page(i)));
        }
        for sub in self.subfolders.get(path).into_iter().flatten() {
            let node = self.folder(sub);
            let weight = self.pages[node.index].as_ref().front.weight;
            let name = sub
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            keyed.push((self.key(path, weight, &name), NavItem::Folder(node)));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        FolderNode {
            path: path.to_path_buf(),
            index: self.index_of_folder[path],
            items: keyed.into_iter().map(|(_, item)| item).collect(),
        }
    }

    /// Configured sections first (top level only), then weight, then name
    /// (case-insensitive, so `deploy.md` and `Debug.md` sort as a reader expects).
    fn key(&self, folder: &Path, weight: Option<i64>, name: &str) -> SortKey {
        let configured = if folder.as_os_str().is_empty() {
            self.section_order
                .iter()
                .position(|s| s == name)
                .unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        (configured, weight.unwrap_or(i64::MAX), name.to_lowercase())
    }
}

fn walk(node: &FolderNode, stack: &mut Vec<usize>, tree: &mut NavTree) {
    tree.position[node.index] = tree.order.len();
    tree.order.push(node.index);
    tree.ancestors[node.index] = stack.clone();
    stack.push(node.index);
    let mut kids = Vec::with_capacity(node.items.len());
    for item in &node.items {
        match item {
            NavItem::Page(i) => {
                tree.position[*i] = tree.order.len();
                tree.order.push(*i);
                tree.ancestors[*i] = stack.clone();
                kids.push(*i);
            }
            NavItem::Folder(sub) => {
                kids.push(sub.index);
                walk(sub, stack, tree);
            }
        }
    }
    tree.children.insert(node.index, kids);
    stack.pop();
}

impl NavTree {
    pub fn prev(&self, page: usize) -> Option<usize> {
        let pos = self.position[page];
        pos.checked_sub(1).map(|p| self.order[p])
    }

    pub fn next(&self, page: usize) -> Option<usize> {
        self.order.get(self.position[page] + 1).copied()
    }
}
