//! What every request shares: the database, the visit policy, the area tree, settings.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jinlin_shared::area::{Area, AreaLevel, AreaTree};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::{RwLock, Semaphore};

use crate::db::entity::area;

/// How long a loaded area tree serves requests before it is read again, so areas
/// imported by the command line reach a running server without a restart.
const AREA_TREE_TTL: Duration = Duration::from_secs(30);

/// Reports made at once over HTTP by default. A city-wide report streams a year of
/// visits over one database connection for seconds, and SQLite's pool has four
/// (`db::connect`): two reports leave the rest to pushes, pulls and sign-ins.
pub const CONCURRENT_REPORTS: usize = 2;

/// What a refused report's `Retry-After` says. A city-wide report takes seconds
/// (`cargo bench -p jinlin-server --bench report` measures it), so a slot is likely
/// free by then; asked sooner, the client would most likely meet the same full slots.
pub const REPORT_RETRY_AFTER_SECONDS: u64 = 5;

/// Password hashes computed at once. Each argon2id hash holds 19 MiB for tens of
/// milliseconds: 500 workstations signing in together would otherwise hold 9 GiB.
pub const CONCURRENT_PASSWORD_HASHES: usize = 4;

/// Stored documents one pull page may name. A page cuts the changes it sends out of the
/// documents' saves, decoding each (about half a millisecond of CPU), so this bounds what
/// one pull costs the server however its cursor was chosen.
pub const PULL_DOCUMENTS_PER_PAGE: usize = 1_000;

/// How long a sign-in waits for a hashing slot before it is answered 503.
pub const HASH_SLOT_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct Limits {
    pub session_days: i64,
    pub request_timeout: Duration,
    /// Password hashes computed at once; a sign-in that cannot get a slot within
    /// [`HASH_SLOT_WAIT`] is answered 503 with `Retry-After`.
    pub concurrent_password_hashes: usize,
    /// Reports made at once; one more is refused with 503 and `Retry-After`, never
    /// queued, so reports cannot pile up behind each other and hold connections.
    pub concurrent_reports: usize,
    /// Documents one pull page may name ([`PULL_DOCUMENTS_PER_PAGE`]).
    pub pull_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            session_days: 30,
            request_timeout: Duration::from_secs(60),
            concurrent_password_hashes: CONCURRENT_PASSWORD_HASHES,
            concurrent_reports: CONCURRENT_REPORTS,
            pull_documents: PULL_DOCUMENTS_PER_PAGE,
        }
    }
}

/// The area tree and when it was read.
type CachedAreas = Option<(Instant, Arc<AreaTree>)>;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub policy: Arc<Policy>,
    /// [`Policy::version`] of `policy`, named in every pull.
    pub policy_version: jinlin_shared::policy::PolicyVersion,
    pub limits: Arc<Limits>,
    /// The clock requests and the warning sweep read ([`AppState::now`]).
    pub clock: crate::clock::Clock,
    /// This process's Automerge actor: unique per process start (ARCHITECTURE.md, "The design").
    pub actor: jinlin_shared::ActorId,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// One permit per report being made ([`Limits::concurrent_reports`]). Public so
    /// a test can hold every permit and see the next report refused.
    pub report_slots: Arc<Semaphore>,
    /// One slot per password hash being computed ([`Limits::concurrent_password_hashes`]).
    pub hash_slots: crate::auth::HashSlots,
    /// A hash of a random password, checked for a login that does not exist so that it
    /// costs what a real one costs (made on first use).
    decoy_hash: Arc<tokio::sync::OnceCell<String>>,
    areas: Arc<RwLock<CachedAreas>>,
    /// What the city says of its apps, answered at `GET version`.
    pub releases: Arc<jinlin_shared::wire::Releases>,
    /// The database's generation, read once: a restore is made with the servers
    /// stopped (the operations guide), so it cannot change under a running one.
    generation: Arc<tokio::sync::OnceCell<jinlin_shared::ids::Generation>>,
    /// The database's writer: on SQLite, this process's writers take turns
    /// ([`AppState::begin_write`]).
    writer: crate::db::writer::Writer,
    /// The push path, with its own queue for SQLite's writer (`sync::push`).
    pub push: crate::sync::push::PushPath,
}

pub use crate::db::writer::WriteTxn;

impl AppState {
    pub fn new(db: DatabaseConnection, policy: Policy, limits: Limits) -> Self {
        let (policy_version, policy) = (policy.version(), Arc::new(policy));
        let (actor, clock, metrics) =
            (jinlin_shared::ActorId::random(), crate::clock::Clock::default(), Arc::default());
        let writer = crate::db::writer::Writer::new(db.clone());
        let push = crate::sync::push::PushPath::new(
            writer.clone(),
            (policy.clone(), policy_version.clone()),
            actor.clone(),
            clock.clone(),
            Arc::clone(&metrics),
        );
        Self {
            policy_version,
            policy,
            report_slots: Arc::new(Semaphore::new(limits.concurrent_reports)),
            hash_slots: crate::auth::HashSlots::new(limits.concurrent_password_hashes),
            decoy_hash: Arc::default(),
            limits: Arc::new(limits),
            actor,
            clock,
            metrics,
            areas: Arc::new(RwLock::new(None)),
            releases: Arc::default(),
            generation: Arc::default(),
            writer,
            push,
            db,
        }
    }

    /// The time by this server's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The same, answering `releases` at `GET version`.
    pub fn with_releases(mut self, releases: jinlin_shared::wire::Releases) -> Self {
        self.releases = Arc::new(releases);
        self
    }

    /// The database's generation, named in every sync answer.
    pub async fn generation(&self) -> Result<jinlin_shared::ids::Generation, crate::generation::GenerationError> {
        self.generation.get_or_try_init(|| crate::generation::read(&self.db)).await.copied()
    }

    /// The decoy hash, made once.
    pub async fn decoy_hash(&self) -> anyhow::Result<String> {
        let hash = self
            .decoy_hash
            .get_or_try_init(|| async {
                let mut bytes = [0u8; 24];
                rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
                crate::auth::hash_password(hex::encode(bytes)).await
            })
            .await?;
        Ok(hash.clone())
    }

    /// Begins a transaction that will write: on SQLite in this process's turn (the
    /// writers of this process take turns rather than poll for SQLite's lock).
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        self.writer.begin().await
    }

    /// How many groups of pushed documents wait for SQLite's writer.
    pub fn writes_waiting(&self) -> usize {
        self.push.groups_waiting()
    }

    /// The city's areas, read from the database at most every thirty seconds.
    pub async fn areas(&self) -> anyhow::Result<Arc<AreaTree>> {
        if let Some((loaded, tree)) = self.areas.read().await.as_ref()
            && loaded.elapsed() < AREA_TREE_TTL
        {
            return Ok(tree.clone());
        }
        let tree = Arc::new(load_area_tree(&self.db).await?);
        *self.areas.write().await = Some((Instant::now(), tree.clone()));
        Ok(tree)
    }

    /// Forgets the cached area tree (after an import in this process).
    pub async fn forget_areas(&self) {
        *self.areas.write().await = None;
    }
}

pub async fn load_area_tree(db: &DatabaseConnection) -> anyhow::Result<AreaTree> {
    let rows = area::Entity::find().all(db).await?;
    let areas = rows
        .into_iter()
        .map(|row| {
            Ok(Area {
                id: row.id.parse()?,
                code: row.code,
                name: row.name,
                level: AreaLevel::parse(&row.level)
                    .ok_or_else(|| anyhow::anyhow!("unknown area level {}", row.level))?,
                parent: row.parent_id.map(|p| p.parse()).transpose()?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(AreaTree::new(areas)?)
}

/// The system's clock (the command line's; requests read [`AppState::now`]).
pub fn now() -> Timestamp {
    crate::clock::system_now()
}
