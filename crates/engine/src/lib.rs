//! Drives image builds: runs each image's planned workflows stage by stage, step by step,
//! on simulated actions, committing every transition to the store before it is visible.
//! A build picks up where it stopped after a restart, from the last committed transition.
#![forbid(unsafe_code)]

pub mod components;
pub mod context;
mod execution;
pub mod faults;
pub mod plan;
mod runner;
pub mod simulate;
pub mod step_action;

pub use plan::{
    is_terminal_image_status, ImageRecord, PlannedComponent, PlannedComponentStep, PlannedPhase,
    PlannedWorkflow, TERMINAL_IMAGE_STATUSES,
};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use stepwise_api::time::{Clock, ManualClock};
use stepwise_store::{ResourceKind, Store, StoreResult, Tenant};
use tokio::sync::Notify;

#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Real seconds per simulated second; 0 completes every action at once.
    pub time_scale: f64,
    /// The server-wide fault rules (`stepwise serve --fault-file`).
    pub faults: faults::FaultFile,
}

/// How the engine itself answers steps that wait for action, when nobody else will
/// (`stepwise simulate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitPolicy {
    /// Answer at once, as SendWorkflowStepAction with no reason would.
    Answer(step_action::StepAction),
    /// Let the wait run out its `timeoutSeconds`.
    TimeOut,
}

/// The images being driven, and those to drive once more when their run ends.
#[derive(Default)]
pub(crate) struct Runs {
    active: HashSet<(Tenant, String)>,
    again: HashSet<(Tenant, String)>,
}

/// A handle on the engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: EngineConfig,
    /// Set for a simulation: sleeping advances this clock instead of waiting.
    pub virtual_clock: Option<ManualClock>,
    pub wait_policy: Option<WaitPolicy>,
    /// False for a simulation, which drives its one build itself ([`Engine::run_to_end`]).
    background: bool,
    running: Mutex<Runs>,
    /// Per driven image: woken when a cancellation is requested.
    wakers: Mutex<HashMap<(Tenant, String), Arc<Notify>>>,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: EngineConfig) -> Self {
        Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                virtual_clock: None,
                wait_policy: None,
                background: true,
                running: Mutex::new(Runs::default()),
                wakers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// An engine for a simulation: time passes on `clock` as fast as the build goes, one
    /// simulated second per virtual second, and waits are answered by `wait_policy`.
    pub fn simulated(
        store: Arc<dyn Store>,
        clock: ManualClock,
        wait_policy: WaitPolicy,
        faults: faults::FaultFile,
    ) -> Self {
        Engine {
            inner: Arc::new(Inner {
                store,
                clock: Arc::new(clock.clone()),
                config: EngineConfig {
                    time_scale: 1.0,
                    faults,
                },
                virtual_clock: Some(clock),
                wait_policy: Some(wait_policy),
                background: false,
                running: Mutex::new(Runs::default()),
                wakers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Drives the image's build to its end in this task (a simulation; the service uses
    /// [`Engine::start`]).
    pub async fn run_to_end(&self, tenant: &Tenant, image_arn: &str) -> StoreResult<()> {
        runner::run_image(&self.inner, tenant, image_arn, Arc::new(Notify::new())).await
    }

    /// Starts driving the image's build in the background. If it is being driven already,
    /// the build runs once more when the current run ends (a retry may arrive just as a run
    /// finishes).
    pub fn start(&self, tenant: Tenant, image_arn: String) {
        if !self.inner.background {
            return;
        }
        let key = (tenant.clone(), image_arn.clone());
        {
            let mut runs = self.inner.running.lock().unwrap_or_else(|e| e.into_inner());
            if runs.active.contains(&key) {
                runs.again.insert(key);
                return;
            }
            runs.active.insert(key.clone());
        }
        let wake = Arc::new(Notify::new());
        self.inner
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), wake.clone());
        let inner = self.inner.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = runner::run_image(&inner, &tenant, &image_arn, wake.clone()).await {
                    tracing::error!(image = %image_arn, error = %e, "image build stopped on a store error");
                }
                let mut runs = inner.running.lock().unwrap_or_else(|e| e.into_inner());
                if !runs.again.remove(&key) {
                    runs.active.remove(&key);
                    break;
                }
            }
            inner
                .wakers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        });
    }

    /// Tells the build of an image that a cancellation was requested (it is stored; this
    /// only wakes a build that sleeps), and drives the image if nothing does.
    pub fn cancel(&self, tenant: Tenant, image_arn: String) {
        let key = (tenant, image_arn);
        let waker = self
            .inner
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        match waker {
            Some(w) => w.notify_waiters(),
            None => self.start(key.0, key.1),
        }
    }

    /// Wakes every build that sleeps, so that each looks at the clock again (it moved).
    pub fn wake_all(&self) {
        for waker in self
            .inner
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            waker.notify_waiters();
        }
    }

    /// Picks up every unfinished build in the store (called once at start-up).
    pub async fn resume_all(&self) -> StoreResult<usize> {
        let unfinished = self
            .inner
            .store
            .list_unfinished(ResourceKind::Image, &TERMINAL_IMAGE_STATUSES)
            .await?;
        let n = unfinished.len();
        for (tenant, arn) in unfinished {
            self.start(tenant, arn);
        }
        Ok(n)
    }
}
