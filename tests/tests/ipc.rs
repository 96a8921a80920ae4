//! The desktop app booted on Tauri's mock runtime, its real commands invoked through
//! IPC as the page invokes them, against the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use jinlin_desktop::app::{DesktopSettings, Launch, build};
use jinlin_tests::{CentralDb, DEMO_PASSWORD, ServerProcess, server_url};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

fn invoke(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario through the window's commands, step by step")]
fn the_pages_commands_sign_in_list_record_and_sync_through_ipc() {
    let central = CentralDb::demo(0.002);
    let (login, _, _) = tauri::async_runtime::block_on(central.assistants());
    let server = ServerProcess::start(&central);
    let port = server.port;
    let dir = tempfile::tempdir().unwrap();
    let settings = DesktopSettings {
        server: server_url(port),
        ca_certificate: Some(jinlin_tests::test_authority().certificate.clone()),
        data_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let exports = dir.path().join("exports");
    let launch = Launch {
        settings,
        settings_file: Some(dir.path().join("settings.json")),
        sign_in: None,
        export_folder: Some(exports.clone()),
    };
    let app = build(mock_builder(), launch).unwrap().build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

    let refused = invoke(&webview, "roster", json!({ "query": {} })).unwrap_err();
    assert_eq!(refused["code"], "signedOut", "{refused}");
    let wrong = invoke(&webview, "sign_in", json!({ "login": login, "password": "not the password" })).unwrap_err();
    assert_eq!(wrong["code"], "wrongPassword");

    let signed_in = invoke(&webview, "sign_in", json!({ "login": login, "password": DEMO_PASSWORD })).unwrap();
    assert_eq!(signed_in["user"]["role"], "assistant");
    assert_eq!(signed_in["offline"], serde_json::Value::Null, "the server signed them in");
    assert_eq!(invoke(&webview, "current_user", json!({})).unwrap()["login"], login);
    let status = wait_for_status(&webview, |s| s["state"]["kind"] == "upToDate");
    assert_eq!(status["pending"], 0);

    let roster = invoke(&webview, "roster", json!({ "query": { "filters": [{ "kind": "dueThisMonth" }] } })).unwrap();
    let lines = roster["lines"].as_array().unwrap();
    assert!(!lines.is_empty(), "someone is due: {roster}");
    assert!(lines.iter().all(|l| l["dueThisMonth"] == true));
    let elder = lines[0]["elderId"].as_str().unwrap().to_owned();

    let checks = serde_json::to_value(jinlin_shared::visit::Checks::not_checked()).unwrap();
    let form = json!({
        "mode": "home", "outcome": "metElder", "risk": "green", "referrals": {}, "incident": null,
        "notes": "经 IPC 记录", "checks": checks
    });
    let recorded = invoke(&webview, "record_visit", json!({ "elder": elder, "form": form })).unwrap();
    let visit = recorded["visit"].as_str().unwrap().to_owned();
    assert!(recorded["page"]["rows"]["visits"].as_array().unwrap().iter().any(|v| v["visitId"] == visit.as_str()));
    assert_eq!(recorded["page"]["entry"]["visitedThisMonth"], true);

    invoke(&webview, "sync_now", json!({})).unwrap();
    wait_for_status(&webview, |s| s["state"]["kind"] == "upToDate" && s["pending"] == 0);
    let arrived = tauri::async_runtime::block_on(central.count_where("visits", "visit_id", &visit));
    assert_eq!(arrived, 1, "the visit reached the central database");

    // The supervisor's commands as the page calls them: an assistant's report is their
    // community's; the file lands in the export folder.
    let month = jinlin_shared::time::Month::containing(jinlin_server::state::now().shanghai_date()).to_string();
    let coverage = invoke(&webview, "coverage", json!({ "month": month, "area": null })).unwrap();
    assert_eq!(coverage["summary"][0]["level"], "community", "{coverage}");
    assert!(coverage["summary"][0]["visited"].as_u64().unwrap() >= 1);
    assert!(invoke(&webview, "alerts", json!({ "all": true })).unwrap().is_array());
    let saved =
        invoke(&webview, "export_report", json!({ "month": month, "area": null, "format": "pdf", "language": "en" }))
            .unwrap();
    let saved = std::path::PathBuf::from(saved.as_str().unwrap());
    assert_eq!(saved.parent(), Some(exports.as_path()));
    assert!(std::fs::read(&saved).unwrap().starts_with(b"%PDF-"));
    let bad = invoke(&webview, "coverage", json!({ "month": "2026-13", "area": null })).unwrap_err();
    assert!(bad.is_string() || bad["code"].is_string(), "a bad month is refused: {bad}");

    let invalid =
        invoke(&webview, "void_visit", json!({ "elder": elder, "visit": visit, "reason": "  " })).unwrap_err();
    assert_eq!(invalid["code"], "invalid", "a blank reason is refused: {invalid}");
    let stranger = jinlin_shared::ids::ElderId::from_parts(1_700_000_000_000, [9; 10]);
    let unknown = invoke(&webview, "elder", json!({ "elder": stranger })).unwrap_err();
    assert_eq!(unknown["code"], "unknownElder");
    let malformed = invoke(&webview, "elder", json!({ "elder": "not an id" })).unwrap_err();
    assert!(malformed.as_str().is_some_and(|m| m.contains("elder")), "a malformed id is refused: {malformed}");

    // Locked: the page's operations wait for the password; sync goes on.
    invoke(&webview, "lock", json!({})).unwrap();
    assert_eq!(invoke(&webview, "is_locked", json!({})).unwrap(), true);
    let locked = invoke(&webview, "roster", json!({ "query": {} })).unwrap_err();
    assert_eq!(locked["code"], "locked", "{locked}");
    invoke(&webview, "sync_now", json!({})).unwrap();
    wait_for_status(&webview, |s| s["state"]["kind"] == "upToDate");
    // Every other command of the list is refused before it runs, whatever it is sent:
    // the settings too, so nobody at a locked screen points it (and its token) elsewhere.
    for command in jinlin_desktop::app::COMMANDS.iter().filter(|c| !jinlin_desktop::app::WHILE_LOCKED.contains(c)) {
        let refused = invoke(&webview, command, json!({})).unwrap_err();
        assert_eq!(refused["code"], "locked", "{command} while locked: {refused}");
    }
    let mut elsewhere = invoke(&webview, "settings", json!({})).unwrap();
    let before_lock = elsewhere.clone();
    elsewhere["server"] = json!("https://attacker.example");
    let refused = invoke(&webview, "save_settings", json!({ "chosen": elsewhere })).unwrap_err();
    assert_eq!(refused["code"], "locked", "{refused}");
    assert_eq!(invoke(&webview, "settings", json!({})).unwrap(), before_lock, "nothing changed");
    let wrong = invoke(&webview, "unlock", json!({ "password": "not the password" })).unwrap_err();
    assert_eq!(wrong["code"], "wrongPassword");
    assert_eq!(invoke(&webview, "is_locked", json!({})).unwrap(), true);
    assert_eq!(invoke(&webview, "unlock", json!({ "password": DEMO_PASSWORD })).unwrap()["login"], login);
    assert!(invoke(&webview, "roster", json!({ "query": {} })).is_ok());

    // The first-run screen's test of an address: the real server answers; a page's
    // address, plain HTTP to another computer and an authority that is no PEM file are
    // each named, and nothing is saved.
    let ca = jinlin_tests::test_authority().certificate.display().to_string();
    let checked = invoke(&webview, "check_server", json!({ "server": server_url(port), "caCertificate": ca })).unwrap();
    assert_eq!(checked["server"], server_url(port));
    assert_eq!(checked["app"]["kind"], "upToDate");
    let with_path = format!("{}/login", server_url(port));
    let refused = invoke(&webview, "check_server", json!({ "server": with_path, "caCertificate": ca })).unwrap_err();
    assert_eq!(refused["code"], "badSettings", "{refused}");
    let refused =
        invoke(&webview, "check_server", json!({ "server": "http://192.168.1.10:8080", "caCertificate": null }))
            .unwrap_err();
    assert_eq!(refused["code"], "plainHttp", "{refused}");
    let not_pem = dir.path().join("not-a-certificate.txt");
    std::fs::write(&not_pem, "hello").unwrap();
    let refused =
        invoke(&webview, "check_server", json!({ "server": server_url(port), "caCertificate": not_pem })).unwrap_err();
    assert_eq!(refused["code"], "badSettings", "{refused}");
    let untrusted =
        invoke(&webview, "check_server", json!({ "server": server_url(port), "caCertificate": null })).unwrap_err();
    assert_eq!(untrusted["code"], "untrustedServer", "{untrusted}");
    let nobody = invoke(&webview, "check_server", json!({ "server": "https://127.0.0.1:9", "caCertificate": null }))
        .unwrap_err();
    assert_eq!(nobody["code"], "offline", "{nobody}");

    // Settings: a refused choice changes nothing; a good one is saved to the file.
    let before = invoke(&webview, "settings", json!({})).unwrap();
    assert_eq!((before["language"].as_str(), before["textSize"].as_str()), (Some("zh-CN"), Some("standard")));
    let mut chosen = before.clone();
    chosen["server"] = json!("not a server");
    let refused = invoke(&webview, "save_settings", json!({ "chosen": chosen })).unwrap_err();
    assert_eq!(refused["code"], "badSettings", "{refused}");
    assert_eq!(invoke(&webview, "settings", json!({})).unwrap(), before);
    chosen["server"] = json!("http://192.168.1.10:8080");
    let refused = invoke(&webview, "save_settings", json!({ "chosen": chosen })).unwrap_err();
    assert_eq!(refused["code"], "plainHttp", "plain HTTP to another computer: {refused}");
    assert_eq!(invoke(&webview, "settings", json!({})).unwrap(), before);
    chosen["server"] = json!(format!("{}/", server_url(port)));
    chosen["language"] = json!("en");
    chosen["textSize"] = json!("extraLarge");
    let saved = invoke(&webview, "save_settings", json!({ "chosen": chosen })).unwrap();
    assert_eq!(saved["server"], server_url(port), "the trailing slash is trimmed");
    let file: Value = serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!((file["language"].as_str(), file["textSize"].as_str()), (Some("en"), Some("extraLarge")));

    jinlin_desktop::app::stop(app.handle());
    server.stop();
}

fn wait_for_status(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let status = invoke(webview, "sync_status", json!({})).unwrap();
        if done(&status) {
            return status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "timed out; last status {status}");
        std::thread::sleep(Duration::from_millis(25));
    }
}
