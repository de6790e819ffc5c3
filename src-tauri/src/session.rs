//! The open profile and store behind the window: the configured profile, or
//! the built-in test environment started in the data directory (the one the
//! `kuvert` command uses too, see [`kuvert_core::paths`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kuvert_core::department::DepartmentClient;
use kuvert_core::lifecycle::RetryPolicy;
use kuvert_core::paths::Paths;
use kuvert_core::profile::{Profile, ProfileError};
use kuvert_core::{Connection, Error, Kuvert};
use kuvert_sandbox::{Sandbox, SandboxConfig};

use crate::department::Link;
use crate::dto::{CommandError, ErrorKind};

/// How often the Outbox is worked through in the background.
pub const OUTBOX_INTERVAL: Duration = Duration::from_secs(5);

/// In the test environment the mailbox answers at once, so statuses are
/// fetched every 2 s instead of the production 30 s, and the background
/// loop runs every second: a training send becomes "delivered" while the
/// officer watches.
const TEST_STATUS_INTERVAL: Duration = Duration::from_secs(2);
const TEST_OUTBOX_INTERVAL: Duration = Duration::from_secs(1);

/// What is open.
pub struct Opened {
    /// The application handle the commands use.
    pub kuvert: Kuvert,
    /// How to open another handle on the same profile and store.
    pub recipe: Recipe,
    /// The test environment, when that is what is open (kept running).
    pub test_environment: Option<Sandbox>,
}

/// How to open a second handle on the same profile and store (for the
/// background Outbox loop). Every handle opened from a recipe or its clones
/// shares one connection: one signing key, one pool of kept-alive TLS
/// connections to the intermediary.
#[derive(Debug, Clone)]
pub struct Recipe {
    profile: Profile,
    /// The profile file read alone (the test environment's, or
    /// `KUVERT_PROFILE`), `None` for the layered files.
    explicit_profile: Option<PathBuf>,
    database: PathBuf,
    policy: RetryPolicy,
    connection: Connection,
    /// The department server, when the profile is in department mode
    /// (shared by every handle).
    department: Option<Arc<Link>>,
    /// How often the background loop runs.
    pub interval: Duration,
}

impl Recipe {
    /// The profile it opens.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The department server's link, in department mode.
    pub fn department(&self) -> Option<&Link> {
        self.department.as_deref()
    }

    /// Opens a handle.
    pub fn open(&self) -> Result<Kuvert, Error> {
        Ok(Kuvert::open(self.profile.clone(), &self.database)?
            .with_retry_policy(self.policy)
            .with_connection(self.connection.clone()))
    }
}

/// The session state Tauri manages.
pub struct Session {
    paths: Paths,
    opened: Mutex<Option<Opened>>,
    problem: Mutex<Option<CommandError>>,
    /// Whether opening at start has finished (see [`Session::mark_started`]).
    started: (Mutex<bool>, Condvar),
}

impl Session {
    /// A session keeping its files under `data_dir`, usable at once.
    pub fn new(data_dir: PathBuf) -> Self {
        let session = Session::starting(data_dir);
        session.mark_started();
        session
    }

    /// A session keeping its files under `data_dir`, whose commands wait
    /// until [`Session::mark_started`]: the app opens the profile in the
    /// background while the window appears.
    pub fn starting(data_dir: PathBuf) -> Self {
        Session::starting_with(Paths::in_dir(data_dir))
    }

    /// [`Session::starting`] keeping its files where `paths` say.
    pub fn starting_with(paths: Paths) -> Self {
        Session {
            paths,
            opened: Mutex::new(None),
            problem: Mutex::new(None),
            started: (Mutex::new(false), Condvar::new()),
        }
    }

    /// Says that opening the profile at start has finished (opened, none
    /// found, or failed): the window is shown while it runs, and the
    /// commands wait for it.
    pub fn mark_started(&self) {
        let (done, changed) = &self.started;
        *done.lock().unwrap_or_else(PoisonError::into_inner) = true;
        changed.notify_all();
    }

    /// Waits until [`Session::mark_started`] (at once afterwards).
    pub fn wait_started(&self) {
        let (done, changed) = &self.started;
        let mut started = done.lock().unwrap_or_else(PoisonError::into_inner);
        while !*started {
            started = changed
                .wait(started)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Records why the configured profile could not be opened at start.
    pub fn set_problem(&self, problem: CommandError) {
        *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = Some(problem);
    }

    /// Why the configured profile could not be opened, if so.
    pub fn problem(&self) -> Option<CommandError> {
        self.problem
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.paths.data_dir()
    }

    /// Where the app keeps its files, as it started (the profile named by
    /// `KUVERT_PROFILE`, if any).
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The paths of what is open (once opening at start has finished): the
    /// profile files the open profile was read from, and its store (the
    /// test environment has its own); as at start when nothing is open.
    pub fn paths_in_use(&self) -> (Paths, PathBuf) {
        self.wait_started();
        match self.lock().as_ref() {
            Some(opened) => (
                self.paths
                    .clone()
                    .with_profile(opened.recipe.explicit_profile.clone()),
                opened.recipe.database.clone(),
            ),
            None => (self.paths.clone(), self.paths.database()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Opened>> {
        // A panic in one command must not lock the officer out.
        self.opened.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the configured profile (`explicit`, else the system-wide and
    /// per-user files). `Ok(None)` when no profile file exists (first run).
    pub fn open_configured(&self, explicit: Option<&Path>) -> Result<Option<Recipe>, CommandError> {
        let profile = match Profile::load(explicit) {
            Ok(profile) => profile,
            Err(ProfileError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(Error::from(e).into()),
        };
        let recipe = Recipe {
            department: Link::of(&profile).map(Arc::new),
            profile,
            explicit_profile: explicit.map(Path::to_path_buf),
            database: self.paths.database(),
            policy: RetryPolicy::default(),
            connection: Connection::default(),
            interval: OUTBOX_INTERVAL,
        };
        self.install(recipe.clone(), None)?;
        Ok(Some(recipe))
    }

    /// Starts the built-in test environment in the data directory and opens
    /// its profile with a store of its own (test sends never mix with real ones).
    pub fn open_test_environment(&self) -> Result<Recipe, CommandError> {
        // Before the test environment writes into the data directory: the
        // old app folder's test environment may be there to move first.
        self.paths.prepare().map_err(Error::from)?;
        let mut config = SandboxConfig::new(self.paths.test_environment_dir());
        if let Some(seconds) = kuvert_test_hooks::slow_seconds() {
            config.slow_delay = std::time::Duration::from_secs(seconds);
        }
        let sandbox = Sandbox::start(config)
            .map_err(|e| CommandError::new(ErrorKind::Configuration, e.to_string()))?;
        let profile = Profile::load(Some(&sandbox.profile_path())).map_err(Error::from)?;
        let recipe = Recipe {
            department: None,
            profile,
            explicit_profile: Some(sandbox.profile_path()),
            database: self.paths.test_environment_database(),
            policy: RetryPolicy {
                status_interval: TEST_STATUS_INTERVAL,
                ..RetryPolicy::default()
            },
            connection: Connection::default(),
            interval: TEST_OUTBOX_INTERVAL,
        };
        self.install(recipe.clone(), Some(sandbox))?;
        Ok(recipe)
    }

    fn install(&self, recipe: Recipe, sandbox: Option<Sandbox>) -> Result<(), CommandError> {
        // Creates the data directory; the first time, moves the old app
        // folder's data into it (never opening a new store before that).
        self.paths.prepare().map_err(Error::from)?;
        let kuvert = recipe.open()?;
        let previous = self.lock().replace(Opened {
            kuvert,
            recipe,
            test_environment: sandbox,
        });
        // Whatever stopped the configured profile at start no longer applies.
        *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if let Some(Opened {
            test_environment: Some(old),
            ..
        }) = previous
        {
            old.shutdown();
        }
        Ok(())
    }

    /// Runs `f` on the open application; `not_configured` before first run.
    pub fn with<T>(&self, f: impl FnOnce(&Opened) -> Result<T, Error>) -> Result<T, CommandError> {
        self.wait_started();
        let guard = self.lock();
        let opened = guard
            .as_ref()
            .ok_or_else(|| CommandError::new(ErrorKind::NotConfigured, "no profile is open"))?;
        Ok(f(opened)?)
    }

    /// Runs `f` on a handle of its own on the open profile and store,
    /// without holding the session: for calls that wait on the network (a
    /// recipient check, a send, a status refresh), so that the window's
    /// other commands (folders, messages, drafts) go on meanwhile. SQLite
    /// and the Outbox lock keep the handles consistent, as between the app
    /// and the background loop.
    pub fn with_own_handle<T>(
        &self,
        f: impl FnOnce(&Kuvert) -> Result<T, Error>,
    ) -> Result<T, CommandError> {
        self.wait_started();
        let recipe = self
            .lock()
            .as_ref()
            .map(|o| o.recipe.clone())
            .ok_or_else(|| CommandError::new(ErrorKind::NotConfigured, "no profile is open"))?;
        let kuvert = recipe.open()?;
        Ok(f(&kuvert)?)
    }

    /// The department server's client when the open profile is in
    /// department mode (`None` otherwise), for calls made without holding
    /// the session.
    pub fn department(&self) -> Result<Option<DepartmentClient>, CommandError> {
        self.wait_started();
        let link = self
            .lock()
            .as_ref()
            .and_then(|o| o.recipe.department.clone());
        match link {
            Some(link) => Ok(Some(link.client()?)),
            None => Ok(None),
        }
    }

    /// Whether the open profile is in department mode (builds no client:
    /// for refusing what the mode does not offer).
    pub fn in_department_mode(&self) -> bool {
        self.wait_started();
        self.lock()
            .as_ref()
            .is_some_and(|o| o.recipe.department.is_some())
    }

    /// Forgets the department client, so the next call builds it anew
    /// (with a password just stored).
    pub fn reset_department(&self) {
        if let Some(link) = self
            .lock()
            .as_ref()
            .and_then(|o| o.recipe.department.clone())
        {
            link.reset();
        }
    }

    /// Whether a profile is open, and whether it is the test environment
    /// (once opening at start has finished).
    pub fn state(&self) -> Option<(kuvert_core::profile::Profile, bool)> {
        self.wait_started();
        self.lock()
            .as_ref()
            .map(|o| (o.kuvert.profile().clone(), o.test_environment.is_some()))
    }
}
