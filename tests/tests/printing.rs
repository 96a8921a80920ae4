//! Printed sheets from a workstation, against the demo city: the day's round list and
//! an elder's visit record saved as PDF in the export folder, with phones masked and
//! no full number anywhere on the page, and made with the server gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::Clock;
use jinlin_shared::label::Language;
use jinlin_shared::privacy::mask_phone;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::Scenario;

fn text_of(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "{} is a PDF", path.display());
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assistant_prints_the_round_list_and_a_visit_record_offline() {
    let (scenario, server) = Scenario::start_at(0.005, None).await;
    let (data, exports) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let station = scenario.signed_in(data.path(), &scenario.login, Clock::system()).await;
    let roster = station.roster(&RosterQuery::default()).await.unwrap();
    let elder = roster.lines[0].entry.elder_id;
    let page = station.elder(elder).await.unwrap();
    server.stop();

    let round = station.print_round_list(Language::ZhCn, exports.path()).await.unwrap();
    assert!(round.starts_with(exports.path()) && round.extension().is_some_and(|e| e == "pdf"));
    let text = text_of(&round);
    assert!(text.contains("助老员每日探访名单") && text.contains("待探访"), "{text}");

    let record = station.print_visit_record(elder, Language::ZhCn, exports.path()).await.unwrap();
    let text = text_of(&record);
    assert!(text.contains("探访记录表") && text.contains(&page.rows.elder.profile.name), "{text}");
    if let Some(phone) = &page.rows.elder.profile.phone {
        assert!(!text.contains(phone.as_str()), "the full phone is never printed");
        assert!(text.contains(&mask_phone(phone)), "the masked phone is: {text}");
    }
    // Printed again: a second file beside the first, never over it.
    let again = station.print_visit_record(elder, Language::ZhCn, exports.path()).await.unwrap();
    assert_ne!(again, record);
    assert_eq!(std::fs::read_dir(exports.path()).unwrap().count(), 3);
}
