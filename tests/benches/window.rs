//! The desktop app in a real window (Xvfb, tauri-driver, WebKitWebDriver) over a
//! workstation holding 1,000 elders: the time from launch to the whole roster on
//! screen, and the time from a keystroke in the visit form to the frame showing it.
//! Prints figures; asserts nothing.
//!
//! `cargo build --release -p jinlin-server -p jinlin-desktop --features jinlin-desktop/custom-protocol
//!  && cargo bench -p jinlin-tests --bench window`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jinlin_desktop::Clock;
use jinlin_tests::bench::{BenchCity, PASSWORD};
use jinlin_tests::window::{Window, wait_until, xvfb};
use jinlin_tests::{server_url, station};

const ELDERS: usize = 1_000;
const LAUNCHES: usize = 3;
const KEYS: &str = "老人精神不错，血压正常，家中整洁，燃气已检查。Spoke with daughter 10 min";

/// Records, in the page, the time from each keydown in the notes to the frame after
/// the page has handled it (input event, the form's state, its checks and the DOM):
/// from the keydown handler (WebKit's `event.timeStamp` is too coarse here) to a
/// task queued from the next animation frame, i.e. after that frame was painted.
const MEASURE_KEYSTROKES: &str = "
  window.__latencies = [];
  document.querySelector('.visit-form textarea').addEventListener('keydown', () => {
    const pressed = performance.now();
    requestAnimationFrame(() => setTimeout(() => window.__latencies.push(performance.now() - pressed), 0));
  }, { capture: true });
  return true;";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let city = runtime.block_on(BenchCity::start(dir.path(), ELDERS));
    let data = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let workstation = station(data.path(), city.port, Clock::system()).await;
        workstation.sign_in("large", PASSWORD).await.unwrap();
        workstation.sync_once().await.unwrap();
    });
    println!("window benchmark: a workstation with {ELDERS} elders, 12 visits each, at 1366x768 in Xvfb");

    let (_display, display) = xvfb();
    let server = server_url(city.port);
    let config = data.path().join("config");
    let env = [
        ("JINLIN_SERVER", server.as_ref()),
        ("JINLIN_CA_CERT", jinlin_tests::test_authority().certificate.as_os_str()),
        ("JINLIN_STATION_DATA", data.path().as_os_str()),
        ("JINLIN_SIGN_IN", "large".as_ref()),
        ("JINLIN_PASSWORD", PASSWORD.as_ref()),
        ("XDG_CONFIG_HOME", config.as_os_str()),
    ];
    let shots = data.path().join("shots");
    let mut latencies: Vec<f64> = Vec::new();
    for launch in 1..=LAUNCHES {
        let window = Window::launch(&display, &env, shots.clone());
        let session_ready = window.launched_at.elapsed();
        let mut lines = 0;
        wait_until("the whole roster", || {
            lines = window.run("return document.querySelectorAll('li button.name').length").as_u64().unwrap_or(0);
            lines as usize >= ELDERS
        });
        let shown = window.launched_at.elapsed();
        println!(
            "  launch {launch}: roster of {lines} elders on screen {} after launch (the window's page ready at {})",
            ms(shown),
            ms(session_ready)
        );
        if launch == LAUNCHES {
            window.click("li button.name");
            window.click(".elder > button.primary");
            window.find(".visit-form textarea");
            window.run(MEASURE_KEYSTROKES);
            // One key at a time, at a brisk typist's pace, as a person types.
            window.click(".visit-form textarea");
            for key in KEYS.chars() {
                window.press(&key.to_string());
                std::thread::sleep(Duration::from_millis(120));
            }
            wait_until("every keystroke measured", || {
                window.run("return window.__latencies.length").as_u64().unwrap_or(0) as usize >= KEYS.chars().count()
            });
            let measured = window.run("return window.__latencies");
            latencies = measured.as_array().unwrap().iter().filter_map(|v| v.as_f64()).collect();
        }
        window.close();
        std::thread::sleep(Duration::from_millis(500));
    }
    latencies.sort_by(f64::total_cmp);
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "  keystroke to frame in the visit form: median {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} keys)",
        at(0.5),
        at(0.95),
        at(1.0),
        latencies.len()
    );
    city.server.stop();
}

fn ms(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}
