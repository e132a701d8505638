//! The wait loop: independent tracks of checks run concurrently, each track's checks in order;
//! every check is retried with backoff until it passes, the deadline comes, or SIGINT arrives.
//! Worker threads sleep on a condition variable, so waiting costs no CPU.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::attempt::Failure;
use crate::backoff::Backoff;
use crate::probe::Probe;
use crate::records::{CheckState, Outcome, Status};

/// Checks that run one after the other (a later one needs the earlier ones to have passed).
pub type Track = Vec<Box<dyn Probe>>;

/// Something that follows the wait as it goes (the event stream, the live status).
pub trait Observer {
    /// A check changed (an attempt finished, or the initial pending state).
    fn changed(&mut self, state: &CheckState, elapsed: Duration) -> Result<()>;
    /// Time passed without news.
    fn tick(&mut self, checks: &[CheckState], elapsed: Duration);
}

/// What the workers and the signal handler tell the loop.
enum Message {
    Attempted {
        id: usize,
        status: Status,
        detail: String,
    },
    Fatal(anyhow::Error),
    TrackDone,
    Interrupt,
}

/// A flag the workers sleep on, set when the wait ends.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn set(&self) {
        if let Ok(mut stopped) = self.stopped.lock() {
            *stopped = true;
        }
        self.wake.notify_all();
    }

    fn is_set(&self) -> bool {
        self.stopped.lock().map(|s| *s).unwrap_or(true)
    }

    /// Sleeps up to `duration`; true when the wait ended meanwhile.
    fn sleep(&self, duration: Duration) -> bool {
        let Ok(guard) = self.stopped.lock() else {
            return true;
        };
        match self
            .wake
            .wait_timeout_while(guard, duration, |stopped| !*stopped)
        {
            Ok((stopped, _)) => *stopped,
            Err(_) => true,
        }
    }
}

/// The wait's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The overall deadline, from the start.
    pub timeout: Duration,
    /// Delays between failed attempts.
    pub backoff: Backoff,
    /// How often the observer gets a tick while nothing happens.
    pub tick: Duration,
}

/// A wait over some tracks of checks.
pub struct Waiter {
    tracks: Vec<Track>,
    sender: Sender<Message>,
    receiver: Receiver<Message>,
}

/// How the wait ended and where every check stood.
#[derive(Debug)]
pub struct Finish {
    /// Ready, not ready by the deadline, or interrupted.
    pub outcome: Outcome,
    /// Every check's final state, in track order.
    pub checks: Vec<CheckState>,
    /// Time from start to finish.
    pub elapsed: Duration,
}

impl Waiter {
    /// A wait over the given tracks.
    pub fn new(tracks: Vec<Track>) -> Self {
        let (sender, receiver) = mpsc::channel();
        Waiter {
            tracks,
            sender,
            receiver,
        }
    }

    /// A function that interrupts the wait (for the SIGINT handler).
    pub fn interrupter(&self) -> impl Fn() + Send + 'static {
        let sender = self.sender.clone();
        move || {
            let _ = sender.send(Message::Interrupt);
        }
    }

    /// Runs the checks until all pass, the deadline, or an interrupt. A fatal check error
    /// (configuration) ends the wait with that error.
    pub fn run(self, timing: Timing, observer: &mut dyn Observer) -> Result<Finish> {
        let start = Instant::now();
        let mut checks: Vec<CheckState> = self
            .tracks
            .iter()
            .flatten()
            .map(|p| CheckState {
                check: p.check().to_string(),
                target: p.target().to_string(),
                status: Status::Pending,
                attempts: 0,
                detail: "not attempted yet".to_string(),
            })
            .collect();
        for state in &checks {
            observer.changed(state, start.elapsed())?;
        }
        let stop = Arc::new(Stop::default());
        let track_count = self.tracks.len();
        let mut first_id = 0;
        for track in self.tracks {
            let len = track.len();
            let (sender, stop) = (self.sender.clone(), stop.clone());
            std::thread::spawn(move || run_track(track, first_id, timing.backoff, &sender, &stop));
            first_id += len;
        }
        let result = listen(
            &self.receiver,
            &mut checks,
            track_count,
            timing,
            start,
            observer,
        );
        stop.set();
        let outcome = result?;
        Ok(Finish {
            outcome,
            checks,
            elapsed: start.elapsed(),
        })
    }
}

fn listen(
    receiver: &Receiver<Message>,
    checks: &mut [CheckState],
    mut tracks_left: usize,
    timing: Timing,
    start: Instant,
    observer: &mut dyn Observer,
) -> Result<Outcome> {
    let deadline = start + timing.timeout;
    while tracks_left > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Outcome::NotReady);
        }
        match receiver.recv_timeout(left.min(timing.tick)) {
            Ok(Message::Attempted { id, status, detail }) => {
                let state = checks
                    .get_mut(id)
                    .ok_or_else(|| anyhow!("internal: unknown check {id}"))?;
                state.status = status;
                state.attempts += 1;
                state.detail = detail;
                observer.changed(state, start.elapsed())?;
            }
            Ok(Message::TrackDone) => tracks_left -= 1,
            Ok(Message::Fatal(err)) => return Err(err),
            Ok(Message::Interrupt) => return Ok(Outcome::Interrupted),
            Err(RecvTimeoutError::Timeout) => observer.tick(checks, start.elapsed()),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(anyhow!("internal: the checks stopped reporting"));
            }
        }
    }
    Ok(Outcome::Ready)
}

/// Runs a track's checks in order, each until it passes; returns early when the wait ends.
fn run_track(
    track: Track,
    first_id: usize,
    backoff: Backoff,
    sender: &Sender<Message>,
    stop: &Stop,
) {
    for (offset, probe) in track.iter().enumerate() {
        let id = first_id + offset;
        let mut failures = 0;
        loop {
            if stop.is_set() {
                return;
            }
            let (status, detail) = match probe.attempt() {
                Ok(detail) => (Status::Passed, detail),
                Err(Failure::NotYet(detail)) => (Status::Failed, detail),
                Err(Failure::Fatal(err)) => {
                    let _ = sender.send(Message::Fatal(err.context(format!(
                        "{} {}",
                        probe.check(),
                        probe.target()
                    ))));
                    return;
                }
            };
            if sender
                .send(Message::Attempted { id, status, detail })
                .is_err()
            {
                return;
            }
            if status == Status::Passed {
                break;
            }
            failures += 1;
            if stop.sleep(backoff.delay(failures)) {
                return;
            }
        }
    }
    let _ = sender.send(Message::TrackDone);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attempt::{Attempt, not_yet};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Passes from the `pass_at`-th attempt on.
    struct Counting {
        name: &'static str,
        pass_at: u32,
        calls: AtomicU32,
    }

    impl Probe for Counting {
        fn check(&self) -> &str {
            self.name
        }
        fn target(&self) -> &str {
            "t"
        }
        fn attempt(&self) -> Attempt {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= self.pass_at {
                Ok(format!("passed at {n}"))
            } else {
                Err(not_yet(format!("attempt {n}")))
            }
        }
    }

    struct Fatal;

    impl Probe for Fatal {
        fn check(&self) -> &str {
            "fatal"
        }
        fn target(&self) -> &str {
            "t"
        }
        fn attempt(&self) -> Attempt {
            Err(Failure::Fatal(anyhow!("bad key")))
        }
    }

    #[derive(Default)]
    struct Log(Vec<(String, Status, u32)>);

    impl Observer for Log {
        fn changed(&mut self, state: &CheckState, _: Duration) -> Result<()> {
            self.0
                .push((state.check.clone(), state.status, state.attempts));
            Ok(())
        }
        fn tick(&mut self, _: &[CheckState], _: Duration) {}
    }

    fn probe(name: &'static str, pass_at: u32) -> Box<dyn Probe> {
        Box::new(Counting {
            name,
            pass_at,
            calls: AtomicU32::new(0),
        })
    }

    fn timing(timeout_ms: u64) -> Timing {
        let backoff = Backoff {
            interval: Duration::from_millis(5),
            max: Duration::from_millis(20),
        };
        Timing {
            timeout: Duration::from_millis(timeout_ms),
            backoff,
            tick: Duration::from_millis(50),
        }
    }

    #[test]
    fn tracks_run_in_order_until_all_pass() {
        let tracks = vec![vec![probe("a", 3), probe("b", 1)], vec![probe("c", 2)]];
        let mut log = Log::default();
        let finish = Waiter::new(tracks).run(timing(5000), &mut log).unwrap();
        assert_eq!(finish.outcome, Outcome::Ready);
        assert!(finish.checks.iter().all(|c| c.status == Status::Passed));
        assert_eq!(finish.checks[0].attempts, 3);
        assert_eq!(finish.checks[0].detail, "passed at 3");
        let a_passed = log
            .0
            .iter()
            .position(|e| e.0 == "a" && e.1 == Status::Passed)
            .unwrap();
        let b_first = log.0.iter().position(|e| e.0 == "b" && e.2 > 0).unwrap();
        assert!(a_passed < b_first, "b starts after a passed: {:?}", log.0);
        assert_eq!(log.0.iter().filter(|e| e.1 == Status::Pending).count(), 3);
    }

    #[test]
    fn the_deadline_ends_a_wait_that_never_passes() {
        let mut log = Log::default();
        let finish = Waiter::new(vec![vec![probe("never", u32::MAX), probe("later", 1)]])
            .run(timing(200), &mut log)
            .unwrap();
        assert_eq!(finish.outcome, Outcome::NotReady);
        assert_eq!(finish.checks[0].status, Status::Failed);
        assert!(finish.checks[0].attempts >= 2);
        assert_eq!(finish.checks[1].status, Status::Pending);
    }

    #[test]
    fn an_interrupt_ends_the_wait() {
        let waiter = Waiter::new(vec![vec![probe("never", u32::MAX)]]);
        let interrupt = waiter.interrupter();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            interrupt();
        });
        let finish = waiter.run(timing(10_000), &mut Log::default()).unwrap();
        assert_eq!(finish.outcome, Outcome::Interrupted);
    }

    #[test]
    fn a_fatal_error_ends_the_wait_with_its_context() {
        let err = Waiter::new(vec![vec![Box::new(Fatal)]])
            .run(timing(5000), &mut Log::default())
            .unwrap_err();
        assert_eq!(format!("{err:#}"), "fatal t: bad key");
    }

    #[test]
    fn stop_wakes_sleepers() {
        let stop = Arc::new(Stop::default());
        let sleeper = {
            let stop = stop.clone();
            std::thread::spawn(move || stop.sleep(Duration::from_secs(30)))
        };
        std::thread::sleep(Duration::from_millis(20));
        stop.set();
        assert!(sleeper.join().unwrap());
    }
}
