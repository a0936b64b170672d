//! What the process-identity evidence of `enforcer.breadcrumbs` costs per probe: looking a
//! live PID up in `/proc` (stat, cmdline and cgroup read and parsed, the start time
//! converted) and judging it.
//!
//! `cargo bench --bench process_identity` (release). Prints the median of N runs; the
//! target is under 0.1 ms per probe.

use std::time::{Duration, Instant};

use bisk_docs::probe::catalogue::breadcrumbs::{Stamp, judge_process};
use bisk_docs::probe::catalogue::process::{Lookup, look_up};
use bisk_docs::probe::decl::BreadcrumbParams;

const N: usize = 20_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // A live process that is not this one: a child `sleep`, as the enforcer would be.
    let mut child = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .expect("run sleep");
    let pid = child.id() as i64;
    let last_run = Stamp::At {
        at: jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1),
        naive: false,
    };
    let p = BreadcrumbParams {
        namespace: "enforcer".into(),
        max_age: Duration::from_secs(900),
        fail_after: Duration::from_secs(3600),
        check_pid: true,
        pid_unit: Some("bisk-enforcer.service".into()),
        pid_cmdline: Some("sleep".into()),
    };
    let mut lookup = Vec::with_capacity(N);
    let mut whole = Vec::with_capacity(N);
    for _ in 0..N {
        let t = Instant::now();
        let found = look_up(pid);
        lookup.push(t.elapsed());
        let Lookup::Found(pr) = found else {
            panic!("the sleep child is not in /proc")
        };
        let (_findings, _words) = judge_process(&pr, &last_run, &p);
        whole.push(t.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    let (l, w) = (median(lookup), median(whole));
    println!(
        "process identity, {N} runs: /proc lookup median {:.1} µs; lookup + judge median {:.1} µs (target < 100 µs)",
        l.as_secs_f64() * 1e6,
        w.as_secs_f64() * 1e6
    );
    assert!(w < Duration::from_micros(100), "over budget: {w:?}");
}
