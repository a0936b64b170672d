//! Real processes for the `running_pid` checks: a zombie, an unrelated `sleep`, and a live
//! process old enough to stand for an enforcer whose last cycle was a while ago. Each is
//! killed and reaped on drop (also on panic).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bisk_docs::probe::catalogue::process::{Lookup, look_up};

/// A process that has exited and that its parent (a `sleep` that never waits) does not
/// reap: state `Z` in `/proc` for as long as this value lives.
pub struct Zombie {
    parent: Child,
    pub pid: u32,
}

impl Zombie {
    pub fn start() -> Zombie {
        // The shell starts `sleep 0` in the background, prints its PID, then becomes
        // `sleep 60` (exec): the child exits at once, and its parent never waits for it.
        let mut parent = Command::new("sh")
            .args(["-c", "sleep 0 & echo $!; exec sleep 60"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("run sh");
        let mut line = String::new();
        BufReader::new(parent.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid: u32 = line.trim().parse().expect("the child's PID");
        let z = Zombie { parent, pid };
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Lookup::Found(p) = look_up(pid.into())
                && p.state == 'Z'
            {
                return z;
            }
            assert!(Instant::now() < until, "PID {pid} never became a zombie");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Zombie {
    fn drop(&mut self) {
        // Its parent gone, init adopts and reaps the zombie.
        let _ = self.parent.kill();
        let _ = self.parent.wait();
    }
}

/// An unrelated `sleep 300`, started now.
pub struct Sleeper {
    child: Child,
}

impl Sleeper {
    pub fn start() -> Sleeper {
        let child = Command::new("sleep").arg("300").spawn().expect("run sleep");
        Sleeper { child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PID to record as `running_pid` next to a `last_run` of `ago` seconds ago: this test
/// process. The probe fails a process that started after last_run (a reused PID), so a test
/// that wants a live enforcer waits, at most 91 s and only when this process is younger than
/// that, until it started before that last_run. Beyond 90 s there is no waiting:
/// breadcrumbs that old are stale, and their PID then also reads as reused.
pub fn enforcer_pid(ago: i64) -> u32 {
    let me = std::process::id();
    if ago > 90 {
        return me;
    }
    let Lookup::Found(p) = look_up(me.into()) else {
        panic!("this test process is not in /proc");
    };
    let started = p.started.expect("this process's start time");
    let ready = started + jiff::SignedDuration::from_secs(ago.max(0) + 1);
    let wait = jiff::Timestamp::now().duration_until(ready);
    if wait.is_positive() {
        std::thread::sleep(wait.unsigned_abs());
    }
    me
}
