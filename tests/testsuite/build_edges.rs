//! Bad docs trees: a missing, misplaced or empty docs folder, odd file names, and symlinks
//! (the docs folder is the boundary of what gets published). Each is a clear error or a
//! working site, never a panic.

use crate::kit;

use std::os::unix::fs::symlink;
use std::path::Path;

use kit::{Tree, bisk_docs};

const CONFIG: &str = "title = \"Edges\"\n";

/// Exit 1 with exactly one line on stderr that names `folder`.
fn assert_one_line_error(code: i32, stderr: &str, folder: &Path, what: &str) {
    assert_eq!(code, 1, "{what}: exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: one line wanted: {stderr}");
    assert!(
        lines[0].contains(&folder.display().to_string()),
        "{what}: names the folder: {stderr}"
    );
}

#[test]
fn missing_docs_folder_is_one_line_error_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    for args in [
        &["build"][..],
        &["serve", "--bind", "127.0.0.1:0"],
        &["check"],
        &["runbook", "a.md"],
    ] {
        let (code, _, err) = bisk_docs(dir.path(), args, &[]);
        assert_one_line_error(code, &err, &docs, args[0]);
        assert!(err.contains("does not exist"), "{err}");
        assert!(err.contains("bisk-docs init"), "says what to do: {err}");
    }
}

#[test]
fn docs_folder_that_is_a_file_is_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("docs"), "not a folder").unwrap();
    for args in [
        &["build"][..],
        &["serve", "--bind", "127.0.0.1:0"],
        &["check"],
    ] {
        let (code, _, err) = bisk_docs(dir.path(), args, &[]);
        assert_one_line_error(code, &err, &dir.path().join("docs"), args[0]);
        assert!(err.contains("is not a folder"), "{err}");
    }
}

#[test]
fn unreadable_docs_folder_is_one_line_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::set_permissions(&docs, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read_dir(&docs).is_ok() {
        // Running as root: permissions do not apply, nothing to test here.
        std::fs::set_permissions(&docs, std::fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    let (code, _, err) = bisk_docs(dir.path(), &["build"], &[]);
    std::fs::set_permissions(&docs, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_one_line_error(code, &err, &docs, "build");
    assert!(err.contains("cannot be read"), "{err}");
}

#[test]
fn empty_docs_folder_builds_a_home_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    let (code, _, err) = bisk_docs(dir.path(), &["build"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("site/index.html").is_file());
}

#[test]
fn non_utf8_names_do_not_panic() {
    use std::os::unix::ffi::OsStrExt;
    let site = Tree::site(CONFIG, &[("README.md", "# Home\n")]);
    let docs = site.root().join("docs");
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9");
    std::fs::create_dir(docs.join(odd)).unwrap();
    std::fs::write(docs.join(odd).join("page.md"), "# Page\n").unwrap();
    std::fs::write(
        docs.join(std::ffi::OsStr::from_bytes(b"n\xffme.md")),
        "# N\n",
    )
    .unwrap();
    std::fs::write(
        docs.join(std::ffi::OsStr::from_bytes(b"img\xfe.png")),
        "png",
    )
    .unwrap();
    for args in [&["build"][..], &["check"]] {
        let (code, _, err) = bisk_docs(site.root(), args, &[]);
        assert!(!err.contains("panicked"), "{err}");
        assert!(code == 0 || code == 1, "{args:?}: {code} {err}");
    }
}

#[test]
fn unreadable_subfolder_is_reported_and_the_rest_builds() {
    use std::os::unix::fs::PermissionsExt;
    let site = Tree::site(
        CONFIG,
        &[("README.md", "# Home\n"), ("locked/a.md", "# A\n")],
    );
    let locked = site.root().join("docs/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read_dir(&locked).is_ok();
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    if !readable {
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("locked"), "{err}");
    }
}

/// A site with links leaving the docs folder: a page, an asset and a folder.
fn site_with_outside_links() -> (Tree, tempfile::TempDir) {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "# Secret\n\nTOP-SECRET-PAGE\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("hosts.txt"), "TOP-SECRET-ASSET\n").unwrap();
    std::fs::create_dir(outside.path().join("dir")).unwrap();
    std::fs::write(
        outside.path().join("dir/inner.md"),
        "# Inner\n\nTOP-SECRET-DIR\n",
    )
    .unwrap();
    let site = Tree::site(CONFIG, &[("README.md", "# Home\n")]);
    let docs = site.root().join("docs");
    symlink(outside.path().join("secret.md"), docs.join("passwd.md")).unwrap();
    symlink(outside.path().join("hosts.txt"), docs.join("hosts.txt")).unwrap();
    symlink(outside.path().join("dir"), docs.join("shared")).unwrap();
    (site, outside)
}

#[test]
fn build_refuses_symlinks_leaving_the_docs_folder() {
    let (site, outside) = site_with_outside_links();
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 1, "{err}");
    for (link, target) in [
        ("passwd.md", "secret.md"),
        ("hosts.txt", "hosts.txt"),
        ("shared", "dir"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("docs/{link}:")))
            .unwrap_or_else(|| panic!("no error for {link}: {err}"));
        assert!(
            line.contains(&outside.path().join(target).display().to_string())
                && line.contains("leaves the docs folder"),
            "{line}"
        );
    }
    assert!(!site.root().join("site").exists(), "nothing written");
}

#[test]
fn check_refuses_symlinks_leaving_the_docs_folder() {
    let (site, _outside) = site_with_outside_links();
    let (code, _, err) = bisk_docs(site.root(), &["check", "--allow-skipped"], &[]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("passwd.md") && err.contains("leaves the docs folder"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_never_serves_files_behind_outside_symlinks() {
    let redis = kit::closed_port();
    let fx = kit::serve::site(&format!("redis://127.0.0.1:{redis}/0"), "");
    let (_, outside) = site_with_outside_links();
    let docs = fx.root().join("docs");
    symlink(outside.path().join("secret.md"), docs.join("passwd.md")).unwrap();
    symlink(outside.path().join("hosts.txt"), docs.join("hosts.txt")).unwrap();
    symlink(outside.path().join("dir"), docs.join("shared")).unwrap();
    let server = fx.serve(true).await;
    let problems: Vec<String> = server
        .state
        .problems()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("passwd.md") && p.contains("leaves the docs folder")),
        "{problems:?}"
    );
    for path in [
        "/passwd.html",
        "/hosts.txt",
        "/shared/inner.html",
        "/shared/index.html",
    ] {
        let resp = kit::serve::get(server.addr, path).await;
        assert_eq!(resp.status, 404, "{path}");
        assert!(!resp.body.contains("TOP-SECRET"), "{path}");
    }
    let nav = kit::serve::get(server.addr, "/_static/nav.js").await;
    assert!(
        !nav.body.contains("passwd") && !nav.body.contains("shared"),
        "{}",
        nav.body
    );
}

#[test]
fn symlinks_inside_the_docs_folder_work() {
    let site = Tree::site(
        CONFIG,
        &[
            (
                "README.md",
                "# Home\n\n[alias](alias/a.md) [b](b.md) [img](pic.png)\n",
            ),
            ("real/a.md", "# A\n\nREAL-A\n"),
            ("real/img.png", "png"),
        ],
    );
    let docs = site.root().join("docs");
    symlink("real", docs.join("alias")).unwrap(); // a folder, relative link
    symlink(docs.join("real/a.md"), docs.join("b.md")).unwrap(); // a page, absolute link
    symlink("real/img.png", docs.join("pic.png")).unwrap(); // an asset
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 0, "{err}");
    let out = site.root().join("site");
    for f in [
        "alias/a.html",
        "real/a.html",
        "b.html",
        "pic.png",
        "alias/img.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let b = std::fs::read_to_string(out.join("b.html")).unwrap();
    assert!(b.contains("REAL-A"));
    let (code, _, err) = bisk_docs(site.root(), &["check", "--allow-skipped"], &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn symlink_loops_are_errors_not_hangs() {
    let site = Tree::site(CONFIG, &[("README.md", "# Home\n"), ("sub/a.md", "# A\n")]);
    let docs = site.root().join("docs");
    symlink("..", docs.join("sub/up")).unwrap();
    symlink("self.md", docs.join("self.md")).unwrap();
    for args in [&["build"][..], &["check"]] {
        let (code, _, err) = bisk_docs(site.root(), args, &[]);
        assert_ne!(code, 0, "{err}");
        assert!(err.contains("sub/up") && err.contains("loop"), "{err}");
        assert!(err.contains("self.md"), "{err}");
    }
}

#[test]
fn a_page_replaced_by_an_outside_link_is_not_read_again() {
    // `serve` re-reads edited pages one by one; the check must hold there too.
    let (site, outside) = site_with_outside_links();
    let docs = site.root().join("docs");
    std::fs::remove_file(docs.join("passwd.md")).unwrap();
    symlink(outside.path().join("secret.md"), docs.join("later.md")).unwrap();
    let err = bisk_docs::content::load::read_page(&docs, Path::new("later.md")).unwrap_err();
    assert!(err.message.contains("leaves the docs folder"), "{err}");
}
