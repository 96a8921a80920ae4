//! `jinlin-server demo`: a synthetic Xiamen-like city loaded through the same push
//! path workstations use: the six districts, streets, about 525 communities, 14,000
//! special-hardship elders with a year of visits, two assistants per community and a
//! supervisor per street (`--scale` builds a fraction of it).

use std::time::Instant;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::AreaLevel;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::ids::{CommunityId, DeviceId, ElderId, UserId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::Role;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::admin;
use crate::auth::hash_password;
use crate::db::entity::{device, document, user};
use crate::state::{AppState, load_area_tree};
use crate::sync::push::push_documents;
use crate::sync::push::sender::Sender;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "jinlin-demo";

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub communities: usize,
    pub elders: usize,
    pub visits: usize,
    pub first_assistant: String,
    pub seconds: f64,
}

/// Elders built and pushed together: whole communities at a time, about this many
/// documents, so each community's elders land in one transaction.
const BATCH: usize = 200;

/// Loads the demo city; `progress` hears (elders loaded, elders in all) after each batch.
pub async fn load_demo_city(
    state: &AppState,
    scale: f64,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    let scale = scale.clamp(0.0001, 1.0);
    let now = state.now();
    let mut rng = Rng::new(seed);
    let communities = ((525.0 * scale).round() as usize).max(1);
    let elders = ((14_000.0 * scale).round() as usize).max(communities);
    let city = synthetic::city(&mut rng, communities, now);
    if document::Entity::find().one(&state.db).await?.is_some() {
        anyhow::bail!("the database already holds elders; load the demo city into an empty database");
    }

    admin::import_area_list(&state.db, &city.areas).await?;
    state.forget_areas().await;
    let tree = std::sync::Arc::new(load_area_tree(&state.db).await?);
    // The demo's own areas, by code (an area already present keeps its id).
    let codes: std::collections::HashSet<&str> = city.areas.iter().map(|a| a.code.as_str()).collect();
    let demo_areas: Vec<_> = tree.areas().filter(|a| codes.contains(a.code.as_str())).collect();
    let assistants = demo_people(state, &demo_areas, now).await?;

    // Elder i belongs to community i mod n; its seed is drawn in order, then the elders
    // are taken community by community.
    let mut plan: Vec<(usize, u64)> = (0..elders).map(|i| (i % assistants.len(), rng.next_u64())).collect();
    plan.sort_by_key(|(community, _)| *community);
    let batches: Vec<Vec<(usize, u64)>> = plan.chunks(BATCH).map(<[_]>::to_vec).collect();
    let make = std::sync::Arc::new(DemoElders {
        assistants,
        year_ago: now.plus_hours(-24 * 365),
        now,
        // The city's own policy: the demo's visits must pass the checks its pushes meet.
        policy: (*state.policy).clone(),
    });
    // The next batches are built while these are pushed.
    let (sender, mut built) = tokio::sync::mpsc::channel(2);
    let builder = tokio::spawn(async move {
        for batch in batches {
            let make = make.clone();
            let documents =
                tokio::task::spawn_blocking(move || make.build(&batch)).await.context("the demo task failed")?;
            if sender.send(documents).await.is_err() {
                break;
            }
        }
        anyhow::Ok(())
    });
    // Two batches are pushed at once, so that one is applied and checked while the
    // other waits for or holds the writer.
    let push = |documents: anyhow::Result<Vec<DemoElder>>| async {
        let documents = documents?;
        let visits = documents.iter().map(|d| d.visits).sum::<usize>();
        let pushes: Vec<_> = documents.into_iter().map(|d| (d.elder, d.changes)).collect();
        let count = pushes.len();
        let outcomes = push_documents(&state.push, Sender::Demo, &tree, pushes).await?;
        if let Some(refused) = outcomes.iter().find(|o| !o.outcome.is_accepted()) {
            anyhow::bail!("a demo elder was refused: {refused:?}");
        }
        anyhow::Ok((count, visits))
    };
    let mut pushed = futures_util::stream::poll_fn(|cx| built.poll_recv(cx)).map(push).buffered(2);
    let (mut loaded, mut visits) = (0, 0);
    progress(0, elders);
    while let Some(result) = pushed.next().await {
        let (count, batch_visits) = result?;
        loaded += count;
        visits += batch_visits;
        progress(loaded, elders);
    }
    builder.await.context("the demo builder failed")??;
    let first_assistant =
        tree.areas().find(|a| a.level == AreaLevel::Community).map(|c| format!("c{}a", c.code)).unwrap_or_default();
    Ok(DemoSummary { communities, elders, visits, first_assistant, seconds: started.elapsed().as_secs_f64() })
}

/// What building a demo elder needs, shared with the blocking pool.
struct DemoElders {
    /// Each community with its two assistants.
    assistants: Vec<(CommunityId, Vec<Author>)>,
    year_ago: Timestamp,
    now: Timestamp,
    policy: Policy,
}

/// One demo elder's document, as its changes.
struct DemoElder {
    elder: ElderId,
    changes: Vec<Vec<u8>>,
    visits: usize,
}

impl DemoElders {
    /// Builds a batch of elders (community index, seed) on every core.
    fn build(&self, batch: &[(usize, u64)]) -> anyhow::Result<Vec<DemoElder>> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let share = batch.len().div_ceil(cores).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = batch
                .chunks(share)
                .map(|part| scope.spawn(move || part.iter().map(|&(c, seed)| self.elder(c, seed)).collect::<Vec<_>>()))
                .collect();
            let mut documents = Vec::with_capacity(batch.len());
            for part in parts {
                let part = part.join().map_err(|_| anyhow::anyhow!("a demo builder thread panicked"))?;
                documents.extend(part.into_iter().collect::<anyhow::Result<Vec<_>>>()?);
            }
            Ok(documents)
        })
    }

    fn elder(&self, community: usize, seed: u64) -> anyhow::Result<DemoElder> {
        let (community, authors) = &self.assistants[community];
        let (changes, elder, visits) = demo_elder(seed, *community, authors, self.year_ago, self.now, &self.policy)?;
        Ok(DemoElder { elder, changes, visits })
    }
}

/// The demo's people: an administrator, a supervisor per street, and two assistants
/// per community, each with a workstation of the community; the assistants by community.
async fn demo_people(
    state: &AppState,
    demo_areas: &[&jinlin_shared::area::Area],
    now: Timestamp,
) -> anyhow::Result<Vec<(CommunityId, Vec<Author>)>> {
    // One hash for every demo account: argon2 is slow on purpose, and a thousand
    // hashes of the same demo password would take a minute.
    let hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    ensure_user(state, "admin", "管理员", Role::Admin, None, &hash).await?;
    let mut assistants: Vec<(CommunityId, Vec<Author>)> = Vec::new();
    for street in demo_areas.iter().filter(|a| a.level == AreaLevel::Street) {
        ensure_user(
            state,
            &format!("s{}", street.code),
            &format!("{}督导", street.name),
            Role::Supervisor,
            Some(&street.code),
            &hash,
        )
        .await?;
    }
    for community in demo_areas.iter().filter(|a| a.level == AreaLevel::Community) {
        let mut pair = Vec::new();
        for suffix in ["a", "b"] {
            let login = format!("c{}{suffix}", community.code);
            let user: UserId = ensure_user(
                state,
                &login,
                &format!("{}助老员{suffix}", community.name),
                Role::Assistant,
                Some(&community.code),
                &hash,
            )
            .await?;
            let device = DeviceId::from_uuid(uuid::Uuid::now_v7())?;
            device::Entity::insert(device::ActiveModel {
                id: Set(device.to_string()),
                name: Set(format!("{} 工作站 {suffix}", community.name)),
                registered_at: Set(now.as_millis()),
                registered_by: Set(user.to_string()),
                revoked_at: Set(None),
                data_key: Set(Some(crate::auth::new_device_key().as_bytes().to_vec())),
                area_id: Set(Some(community.id.to_string())),
            })
            .exec_without_returning(&state.db)
            .await?;
            pair.push(Author { user, device });
        }
        assistants.push((community.id, pair));
    }
    Ok(assistants)
}

/// Adds a demo account, or keeps the account already holding that login.
async fn ensure_user(
    state: &AppState,
    login: &str,
    name: &str,
    role: Role,
    scope: Option<&str>,
    hash: &str,
) -> anyhow::Result<UserId> {
    match admin::add_user_with_hash(&state.db, login, name, role, scope, hash).await {
        Ok(id) => Ok(id),
        Err(admin::AdminError::DuplicateLogin(_)) => {
            let existing = user::Entity::find()
                .filter(user::Column::Login.eq(login))
                .one(&state.db)
                .await?
                .context("a user that exists")?;
            Ok(existing.id.parse()?)
        }
        Err(other) => Err(other.into()),
    }
}

/// One elder enrolled a year ago and visited about monthly since, by the community's
/// two assistants: the document's changes.
fn demo_elder(
    seed: u64,
    community: CommunityId,
    authors: &[Author],
    year_ago: Timestamp,
    now: Timestamp,
    policy: &Policy,
) -> anyhow::Result<(Vec<Vec<u8>>, ElderId, usize)> {
    let mut rng = Rng::new(seed);
    let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
    let elder = enrolment.elder;
    let (mut doc, _) = ElderDocument::enrol(enrolment, &Edit { author: authors[0], at: year_ago }, ActorId::random())?;
    let mut at = year_ago.plus_hours(24 * rng.below(25) as i64 + 9);
    let mut count = 0;
    while at < now.plus_hours(-2) {
        if rng.chance(92) {
            let author = authors[rng.below(authors.len() as u64) as usize];
            let visit = synthetic::visit(&mut rng, at);
            let follow_up = visit.follow_up.as_ref().map(|f| f.id);
            doc.record_visit(&Edit { author, at: at.plus_minutes(30) }, visit, policy)?;
            count += 1;
            // Most red-risk follow-ups are done the next morning, by a visit that
            // closes them; the rest stay open, as in life.
            let next = at.plus_hours(20);
            if let Some(follow_up) = follow_up.filter(|_| rng.chance(85))
                && next < now.plus_hours(-2)
            {
                let mut check = synthetic::visit(&mut rng, next);
                check.record.risk = jinlin_shared::visit::RiskLevel::Yellow;
                check.follow_up = None;
                let visit = check.id;
                let edit = Edit { author, at: next.plus_minutes(30) };
                doc.record_visit(&edit, check, policy)?;
                doc.resolve_follow_up(&edit, follow_up, Some(visit), "")?;
                count += 1;
            }
        }
        at = at.plus_hours(24 * (26 + rng.below(8) as i64));
    }
    Ok((doc.changes_since(&[]), elder, count))
}
