//! A city for benchmarks: one community of `big` elders and one of a usual 27, each
//! elder with a year of visits, pushed through the real server as an administrator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_shared::ActorId;
use jinlin_shared::area::AreaLevel;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    DeviceRegistration, DocumentPush, LoginRequest, LoginResponse, PROTOCOL_VERSION, PushRequest, PushResponse,
};

use crate::{CentralDb, ServerProcess};

/// The password of the benchmark city's users: `admin`, `large` (the assistant of the
/// big community) and `small`.
pub const PASSWORD: &str = "benchmark password";

/// The city, in an SQLite database under `dir`, served on a free port.
#[derive(Debug)]
pub struct BenchCity {
    pub central: CentralDb,
    pub server: ServerProcess,
    pub port: u16,
}

impl BenchCity {
    pub async fn start(dir: &std::path::Path, big: usize) -> Self {
        let now = jinlin_desktop::Clock::system().now();
        let url = format!("sqlite://{}", dir.join("central.db").display());

        let mut rng = Rng::new(2026);
        let city = synthetic::city(&mut rng, 2, now);
        let (large, small) = (city.communities[0], city.communities[1]);
        let db = jinlin_server::db::connect(&url, true).await.unwrap();
        jinlin_server::admin::import_area_list(&db, &city.areas).await.unwrap();
        let tree = jinlin_server::state::load_area_tree(&db).await.unwrap();
        let code = |id| tree.areas().find(|a| a.id == id && a.level == AreaLevel::Community).unwrap().code.clone();
        jinlin_server::admin::add_user(&db, "admin", "admin", Role::Admin, None, PASSWORD.into()).await.unwrap();
        jinlin_server::admin::add_user(
            &db,
            "large",
            "大社区助老员",
            Role::Assistant,
            Some(&code(large)),
            PASSWORD.into(),
        )
        .await
        .unwrap();
        jinlin_server::admin::add_user(
            &db,
            "small",
            "小社区助老员",
            Role::Assistant,
            Some(&code(small)),
            PASSWORD.into(),
        )
        .await
        .unwrap();
        db.close().await.unwrap();

        let central = CentralDb::at(url);
        let server = ServerProcess::start(&central);
        let port = server.port;
        let http = crate::http_builder().build().unwrap();
        let base = crate::server_url(port);
        let admin = sign_in(&http, &base, "admin").await;
        let year_ago = now.plus_hours(-24 * 365);
        // Every change by the uploading administrator: the server binds each change
        // to the one who sends it.
        let author = Author { user: admin.user.id, device: admin.device };
        let documents: Vec<ElderDocument> = (0..big + 27)
            .map(|i| {
                let community = if i < big { large } else { small };
                let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
                let (mut doc, _) =
                    ElderDocument::enrol(enrolment, &Edit { author, at: year_ago }, ActorId::random()).unwrap();
                for month in 0..12 {
                    let at = year_ago.plus_hours(24 * (30 * month + 3) + 10);
                    doc.record_visit(&Edit { author, at }, synthetic::visit(&mut rng, at), &Policy::default()).unwrap();
                }
                doc
            })
            .collect();
        for chunk in documents.chunks(100) {
            let push = PushRequest::new(chunk.iter().map(DocumentPush::whole).collect());
            let answer: PushResponse = http
                .post(format!("{base}/api/v1/sync/push"))
                .bearer_auth(&admin.token)
                .json(&push)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(answer.results.iter().all(|r| r.outcome.is_accepted()));
        }
        Self { central, server, port }
    }
}

/// Signs in to the benchmark city as `login` from a fresh device.
pub async fn sign_in(http: &reqwest::Client, base: &str, login: &str) -> LoginResponse {
    let request = LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: "bench uploader".into() },
    };
    http.post(format!("{base}/api/v1/auth/login")).json(&request).send().await.unwrap().json().await.unwrap()
}
