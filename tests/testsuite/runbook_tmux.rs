//! The terminal runbook in a real 80x24 terminal (tmux), as the browser does it: tick a
//! task, add a note, reopen a step, quit; start the guide again and be offered the open
//! run (Enter resumes it, with a recap); abandon it. No line the operator saw was wider
//! than the terminal: nothing wrapped in the middle of a word.

use crate::kit;

use kit::django::crumbs;
use kit::runbook::{events, kinds, run_ids};
use kit::tmux::{self, Tmux};
use kit::{RedisServer, Tree};

fn guide() -> String {
    "---\ntitle: Deploy the enforcer and the web process of the billing cluster, with checks\n---\n\n\
     # Deploy\n\n## Check Redis {#check}\n\nRedis answers before anything is touched.\n\n\
     ```probe\nid = \"t-ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n\n\
     ## Restart the enforcer {#restart}\n\nRestart it, then:\n\n\
     - [ ] Announce the restart in the ops channel\n- [ ] Watch the journal for a minute\n\n\
     ## Verify the breadcrumbs {#verify}\n\n\
     ```probe\nid = \"t-crumbs\"\ncheck = \"enforcer.breadcrumbs\"\ntitle = \"Breadcrumbs are fresh\"\n```\n"
        .to_string()
}

/// Every line the program wrote fits the 80 columns (so none wrapped mid-token); what the
/// operator typed after a prompt is theirs.
#[track_caller]
fn fits(t: &Tmux) {
    for line in t.lines().lines() {
        // A prompt line goes on with what the operator typed: only the prompt is ours.
        let ours = match line.find(" > ") {
            Some(i) if line.starts_with('[') => &line[..i + 3],
            _ => line,
        };
        let width = ours.trim_end().chars().count();
        assert!(
            width <= 80,
            "a line of {width} columns wrapped:\n{line}\n\n{}",
            t.rows()
        );
    }
}

#[test]
fn the_terminal_runbook_ticks_reopens_resumes_and_abandons_at_80x24() {
    if !tmux::available() {
        eprintln!("tmux is not installed: the 80x24 terminal test did not run");
        return;
    }
    let redis = RedisServer::start();
    crumbs(&redis, 5);
    let site = Tree::site(
        &format!(
            "title = \"t\"\n[redis]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n",
            redis.url(1)
        ),
        &[("ops/DEPLOY.md", &guide())],
    );
    let root = site.root();

    let t = Tmux::start(
        root,
        &["runbook", "ops/DEPLOY.md", "--operator", "alice"],
        80,
        24,
    );
    t.wait_for("[q]uit [?] > ");
    t.send("d");
    t.wait_for("Tasks (t N ticks, u N unticks):");
    t.wait_for_n("[q]uit [?] > ", 2);
    t.send("t 1");
    t.wait_for("Task 1 ticked.");
    t.wait_for("[x] 1. Announce the restart in the ops channel (ticked by alice)");
    t.send("n restarted at 03:10, journal clean");
    t.wait_for("Noted.");
    t.send("d");
    t.wait_for("━━ Step 3 of 3 ━━");
    t.wait_for_n("[q]uit [?] > ", 5);
    // Reopen step 2: the walk goes back to it.
    t.send("reopen 2 the journal showed a traceback");
    t.wait_for("Step 2 reopened.");
    t.wait_for_n("━━ Step 2 of 3 ━━", 2);
    t.wait_for_n("[q]uit [?] > ", 6);
    t.send("q");
    let out = t.wait_for("[exit 0]");
    assert!(out.contains("left open at step 2 of 3"), "{out}");
    fits(&t);
    drop(t);
    let id = run_ids(root).remove(0);

    // The same guide again: the open run is offered; Enter resumes it, with a recap.
    let t = Tmux::start(
        root,
        &["runbook", "ops/DEPLOY.md", "--operator", "bob"],
        80,
        24,
    );
    t.wait_for(&format!("Run {id} of ops/DEPLOY.md on default is open"));
    t.wait_for("[r]esume it (Enter), start a [n]ew run, [q]uit > ");
    t.send("");
    let out = t.wait_for("[q]uit [?] > ");
    assert!(out.contains("Already settled (1 of 3 steps):"), "{out}");
    assert!(
        out.contains("Note on step 2 by alice: restarted at 03:10, journal clean"),
        "{out}"
    );
    assert!(
        out.contains("Next: step 2 of 3, Restart the enforcer."),
        "{out}"
    );
    t.send("abandon the maintenance window closed");
    let out = t.wait_for("[exit 0]");
    assert!(out.contains("abandoned."), "{out}");
    fits(&t);
    drop(t);
    assert_eq!(
        run_ids(root),
        std::slice::from_ref(&id),
        "no second run was started"
    );

    let log = events(root, &id);
    let k = kinds(&log);
    for want in [
        "task_ticked",
        "note",
        "step_reopened",
        "resumed",
        "run_finished",
    ] {
        assert!(k.iter().any(|x| x == want), "{want} in {k:?}");
    }
    let tick = log.iter().find(|e| e["event"] == "task_ticked").unwrap();
    assert_eq!(tick["text"], "Announce the restart in the ops channel");
    assert_eq!(tick["via"], "terminal");
    assert_eq!(log.last().unwrap()["outcome"], "abandoned");
    assert_eq!(log.last().unwrap()["operator"], "bob");
}
