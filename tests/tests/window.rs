//! The built desktop app in a real window (Xvfb), driven through tauri-driver and
//! WebKitWebDriver against the real server: sign in, find an elder, record a visit
//! with the server down, see it waiting, start the server, see it arrive, switch to
//! English and 150 % text, settle a conflict made with a second (headless)
//! workstation, lock and unlock, sign out to the choice of users, and sign in and
//! open an elder by keyboard alone; then a supervisor drills the coverage down, closes
//! an alert with a note and saves the month's PDF. Screenshots of each
//! screen are saved under `target/screenshots/window/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::Clock;
use jinlin_shared::document::ProfileChange;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::window::{ENTER, Window, screenshots_dir, wait_until, xvfb};
use jinlin_tests::{Scenario, server_url};
use serde_json::{Value, json};

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario in the real window, step by step")]
fn an_assistant_records_a_visit_offline_in_the_window_and_sees_it_arrive() {
    // The harness is async; WebDriver calls here are plain blocking HTTP.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (scenario, server) = runtime.block_on(Scenario::start());
    let (_display, display) = xvfb();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config");
    let exports = tempfile::tempdir().unwrap();
    let server_address = server_url(scenario.port);
    let env = [
        ("JINLIN_SERVER", server_address.as_ref()),
        ("JINLIN_CA_CERT", jinlin_tests::test_authority().certificate.as_os_str()),
        ("JINLIN_STATION_DATA", data.path().as_os_str()),
        // The settings file the window saves: this test's own.
        ("XDG_CONFIG_HOME", config.as_os_str()),
        ("JINLIN_EXPORT_DIR", exports.path().as_os_str()),
    ];
    let mut window = Window::launch(&display, &env, screenshots_dir("window"));

    window.wait_for_text("登录");
    window.screenshot("sign-in");
    window.type_into("input[name=login]", &scenario.login);
    window.type_into("input[name=password]", jinlin_tests::DEMO_PASSWORD);
    window.click("form.sign-in button[type=submit]");
    window.wait_for_sync_bar("已同步");
    window.wait_for_text("共 28 人");
    // The assistant's day above the roster, from the warning rules the server keeps.
    window.find("div.day[role=group]");
    window.screenshot("roster");

    // The server goes away; the assistant finds an elder and records a visit anyway.
    server.stop();
    let first = window.find("li button.name");
    let name = window.call(reqwest::Method::GET, &format!("/element/{first}/text"), None);
    window.type_into("input[type=search]", name.as_str().unwrap());
    window.wait_for_text("共 1 人");
    window.click("li button.name");
    window.wait_for_text("基本信息");
    window.screenshot("elder");
    window.click(".elder > button.primary");
    window.wait_for_text("五项查看");
    window.type_into(".visit-form textarea", "窗口中离线记录");
    window.screenshot("visit-form");
    window.click(".visit-form button[type=submit]");
    window.wait_for_text("1 条修改待同步");
    let bar = window.wait_for_sync_bar("离线");
    assert!(bar.contains("1 条待同步"), "the visit is counted as waiting: {bar}");
    window.screenshot("saved-offline");

    // The server returns; the visit arrives with nobody doing anything.
    let server = scenario.restart_server();
    let bar = window.wait_for_sync_bar("已同步");
    assert!(!bar.contains("待同步"), "nothing waits once synced: {bar}");
    wait_until("the elder page to show the visit synced", || !window.text().contains("待同步"));
    window.screenshot("synced");
    let arrived = runtime.block_on(async {
        use sea_orm::{ConnectionTrait, Statement};
        let db = scenario.central.connect().await;
        let sql = "SELECT COUNT(*) AS n FROM visits WHERE row LIKE '%窗口中离线记录%'".to_owned();
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    });
    assert_eq!(arrived, 1, "the visit reached the central database");

    // The same screens in English.
    window.click(".elder > button");
    let english = json!({ "script": "const s = document.querySelector('header select'); s.value = 'en'; s.dispatchEvent(new Event('change', { bubbles: true })); return s.value;", "args": [] });
    window.call(reqwest::Method::POST, "/execute/sync", Some(english));
    window.wait_for_text("Visit roster");
    window.wait_for_sync_bar("Up to date");
    window.screenshot("roster-english");

    // Settings: text at 150 %, saved to the settings file and applied at once.
    window.click("header button.settings");
    window.wait_for_text("Server address");
    window.click("input[name=textSize][value=extraLarge]");
    window.click("form.settings button[type=submit]");
    window.wait_for_text("Settings saved.");
    window.screenshot("settings-150");
    let settings: Value =
        serde_json::from_slice(&std::fs::read(config.join("cn.jinlin.desktop/settings.json")).unwrap()).unwrap();
    assert_eq!((settings["language"].as_str(), settings["textSize"].as_str()), (Some("en"), Some("extraLarge")));
    window.click("form.settings button[type=button]");
    window.wait_for_text("Visit roster");

    // A conflict: this window and a second, headless workstation write different
    // phones for the same elder while the server is away.
    let other_dir = tempfile::tempdir().unwrap();
    let other = runtime.block_on(scenario.signed_in(other_dir.path(), &scenario.other, Clock::system()));
    let elder = runtime.block_on(async {
        let query = RosterQuery { filters: vec![], search: name.as_str().unwrap().to_owned() };
        other.roster(&query).await.unwrap().lines[0].entry.elder_id
    });
    server.stop();
    window.click("li button.name");
    window.click("button.edit");
    window.replace_text("input[name=phone]", "13800000001");
    window.click("form.profile-edit button[type=submit]");
    window.wait_for_text("1 change waiting to sync");
    runtime.block_on(other.update_profile(elder, vec![ProfileChange::Phone(Some("13900000002".into()))])).unwrap();
    let server = scenario.restart_server();
    runtime.block_on(other.sync_once()).unwrap();
    window.click(".sync-bar button");
    window.wait_for_text("Keep which?");
    window.wait_for_sync_bar("Up to date");
    let page = window.text();
    assert!(page.contains("*******0001") && page.contains("*******0002"), "both phones, masked: {page}");
    assert!(!page.contains("13900000002"), "no full phone on the page: {page}");
    window.run("document.querySelector('.conflicts').scrollIntoView({ block: 'center' })");
    window.screenshot("conflict");
    let keep = window.find_xpath("//li[contains(., '*******0002')]/button");
    window.click_element(&keep);
    wait_until("the conflict to go", || !window.text().contains("Keep which?"));
    window.wait_for_sync_bar("Up to date");
    window.screenshot("conflict-resolved");
    let settled = runtime.block_on(async {
        other.sync_once().await.unwrap();
        other.elder(elder).await.unwrap()
    });
    assert!(settled.rows.conflicts.is_empty(), "resolved in the window, cleared on the other workstation too");
    assert_eq!(settled.rows.elder.profile.phone.as_deref(), Some("13900000002"), "the kept phone");

    // Lock and unlock; then sign out, and the next person chooses who they are.
    window.click("header button.lock");
    window.wait_for_text("The screen is locked");
    window.screenshot("locked");
    window.type_into("form.lock input[name=password]", &format!("{}{ENTER}", jinlin_tests::DEMO_PASSWORD));
    window.wait_for_text("Visits");
    window.click("header button.sign-out");
    window.wait_for_text("People who have signed in on this computer");
    window.screenshot("choose-user");

    // By keyboard alone: choose who you are, type the password, open an elder.
    window.tab_to("the known user", |focused| focused.contains(&scenario.login));
    window.press(ENTER);
    assert!(window.focused().contains("| password |"), "choosing moves to the password: {}", window.focused());
    window.press(&format!("{}{ENTER}", jinlin_tests::DEMO_PASSWORD));
    window.wait_for_text("Visit roster");
    let opened = window.tab_to("an elder's name", |focused| focused.starts_with("BUTTON | name"));
    window.press(ENTER);
    window.wait_for_text("Profile");
    let heading = window.focused();
    assert!(heading.starts_with("H2") && heading.contains("elder-name"), "the elder page takes the focus: {heading}");
    let name = opened.rsplit(" | ").next().unwrap();
    assert!(heading.contains(name), "the page of the elder chosen ({name}): {heading}");
    window.screenshot("keyboard-elder");

    // The street's supervisor at the same workstation: a red-risk fall recorded on the
    // other workstation is an alert; the coverage drills down to the community; a
    // note closes the alert; the month's one-page PDF is saved.
    runtime.block_on(async {
        use jinlin_shared::visit::{Incident, IncidentKind, RiskLevel};
        let mut red = jinlin_tests::home_visit("卫生间跌倒，膝盖擦伤");
        red.record.risk = RiskLevel::Red;
        red.record.incident = Some(Incident { kind: IncidentKind::Fall, note: "卫生间跌倒".into() });
        red.follow_up = Some(jinlin_desktop::forms::FollowUpForm {
            action: "明天上午再次上门".into(),
            due_at: other.now().plus_hours(20),
        });
        other.record_visit(elder, red).await.unwrap();
        other.sync_once().await.unwrap();
    });
    let street = runtime.block_on(scenario.street_code());
    window.click("header button.sign-out");
    window.wait_for_text("People who have signed in on this computer");
    let someone_else = window.find_xpath("//button[contains(., 'Someone else')]");
    window.click_element(&someone_else);
    window.type_into("input[name=login]", &format!("s{street}"));
    window.type_into("input[name=password]", jinlin_tests::DEMO_PASSWORD);
    window.click("form.sign-in button[type=submit]");
    // The sync bar changes height as its state changes, which moves everything under
    // it: let it settle before clicking in the page.
    window.click(".sync-bar button");
    window.wait_for_sync_bar("Up to date");
    window.click("header button.supervision");
    window.wait_for_text("Visit coverage");
    window.wait_for_text("1 open alert");
    assert!(window.text().contains("Fall"), "the alert names the incident: {}", window.text());
    window.screenshot("supervision");
    window.wait_for_any(&["open warning", "No open warnings."]);
    window.run("document.querySelector('section.warnings').scrollIntoView()");
    window.screenshot("supervision-warnings");
    // The street's twelve months as a chart; its month's unvisited list one click away.
    window.run("document.querySelector('figure.rate-chart').scrollIntoView()");
    let bars = window.run("return document.querySelectorAll('figure.rate-chart rect.bar').length");
    assert!(bars.as_u64().is_some_and(|n| n > 0), "the chart draws the months with elders due: {bars}");
    window.click("button.unvisited");
    window.wait_for_any(&["not visited this month", "Everyone has been visited"]);
    // Clear of the header and the sync bar, which stay at the top.
    window.run("document.querySelector('figure.rate-chart').scrollIntoView(); window.scrollBy(0, -240)");
    window.screenshot("supervision-chart");
    window.click("button.unvisited");
    window.run("window.scrollTo(0, 0)");
    window.click("table.coverage tbody tr:nth-child(2) button.link");
    window.wait_for_any(&["not visited this month", "Everyone has been visited"]);
    window.type_into(".alerts li input[name=note]", "Called the family; visiting tomorrow");
    window.click(".alerts li form.close button[type=submit]");
    window.wait_for_text("No open alerts.");
    window.run("const s = document.querySelector('select[name=format]'); s.value = 'pdf'; s.dispatchEvent(new Event('change', { bubbles: true }));");
    window.click("form.export button[type=submit]");
    window.wait_for_text("Saved to");
    window.screenshot("supervision-community");
    let saved: Vec<std::path::PathBuf> =
        std::fs::read_dir(exports.path()).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].extension().is_some_and(|e| e == "pdf"));
    assert!(std::fs::read(&saved[0]).unwrap().starts_with(b"%PDF-"), "the saved file is the PDF");
    window.close();
    server.stop();
}
