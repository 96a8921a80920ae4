//! The built app's first start in a real window (Xvfb): a workstation that knows no
//! server asks for its address and the city's authority, tests the connection (a
//! plain-HTTP address to another computer is refused, in Chinese), and saves only a
//! tested one; the sign-in screen follows. Screenshots go to `target/screenshots/first-run/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_tests::window::{Window, screenshots_dir, xvfb};
use jinlin_tests::{Scenario, server_url, test_authority};

#[test]
fn a_new_workstation_asks_for_its_server_tests_it_and_saves_it_before_the_sign_in() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (scenario, server) = runtime.block_on(Scenario::start());
    let (_display, display) = xvfb();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config");
    // No JINLIN_SERVER and no settings file: nothing says which server this is.
    let env = [("JINLIN_STATION_DATA", data.path().as_os_str()), ("XDG_CONFIG_HOME", config.as_os_str())];
    let mut window = Window::launch(&display, &env, screenshots_dir("first-run"));

    window.wait_for_text("连接服务器");
    window.screenshot("first-run");
    window.replace_text("input[name=server]", "http://192.168.1.10:8080");
    window.click("form.first-run button[type=submit]");
    window.wait_for_text("不能用 http:// 连接其他电脑上的服务器");
    window.screenshot("first-run-refused");

    window.replace_text("input[name=server]", &server_url(scenario.port));
    window.replace_text("input[name=caCertificate]", &test_authority().certificate.display().to_string());
    window.click("form.first-run button[type=submit]");
    window.wait_for_text("连接成功");
    window.screenshot("first-run-connected");
    window.click("form.first-run button.primary");
    window.wait_for_text("登录");
    window.screenshot("first-run-saved");
    let saved = std::fs::read_to_string(config.join("cn.jinlin.desktop/settings.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["server"], server_url(scenario.port));
    assert_eq!(saved["caCertificate"], test_authority().certificate.display().to_string());
    window.close();
    server.stop();
}
