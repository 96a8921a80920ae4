//! The roster kept true, in the real window (Xvfb, tauri-driver, WebKitWebDriver)
//! against the real server: an administrator records a hospital stay on an elder's
//! page, sets the care tier with a reason, moves the elder to another community, and
//! imports a roster workbook (checked first, then applied). Screenshots of each step
//! are saved under `target/screenshots/roster/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_tests::window::{Window, screenshots_dir, wait_until, xvfb};
use jinlin_tests::{Scenario, server_url};

/// A roster workbook of two new elders in `community`, with a title row and Chinese
/// headers as civil affairs writes them.
fn workbook(path: &std::path::Path, community: &str) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "特殊困难老年人花名册").unwrap();
    for (column, header) in ["序号", "姓名", "性别", "出生日期", "居住地址", "困难类别", "所属社区"].iter().enumerate()
    {
        sheet.write(1, column as u16, *header).unwrap();
    }
    let rows = [
        ["1", "窗口导入甲", "女", "1939-04-01", "导入路1号", "独居", community],
        ["2", "窗口导入乙", "男", "1942-08-15", "导入路2号", "高龄", community],
    ];
    for (row, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            sheet.write(row as u32 + 2, column as u16, *cell).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// Sets a `<select>` by value as a person choosing would (the change event fires).
fn choose(window: &Window, css: &str, value: &str) {
    window.run(&format!(
        "const s = document.querySelector('{css}'); s.value = '{value}'; s.dispatchEvent(new Event('change', {{ bubbles: true }}));"
    ));
}

#[test]
#[expect(clippy::too_many_lines, reason = "one scenario in the real window, step by step")]
fn an_administrator_keeps_the_roster_true_in_the_window() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (scenario, server) = runtime.block_on(Scenario::start_at(0.005, None));
    let (_display, display) = xvfb();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config");
    let exports = tempfile::tempdir().unwrap();
    let server_address = server_url(scenario.port);
    let env = [
        ("JINLIN_SERVER", server_address.as_ref()),
        ("JINLIN_CA_CERT", jinlin_tests::test_authority().certificate.as_os_str()),
        ("JINLIN_STATION_DATA", data.path().as_os_str()),
        ("XDG_CONFIG_HOME", config.as_os_str()),
        ("JINLIN_EXPORT_DIR", exports.path().as_os_str()),
    ];
    let mut window = Window::launch(&display, &env, screenshots_dir("roster"));
    window.wait_for_text("登录");
    window.type_into("input[name=login]", "admin");
    window.type_into("input[name=password]", jinlin_tests::DEMO_PASSWORD);
    window.click("form.sign-in button[type=submit]");
    window.wait_for_sync_bar("已同步");

    // A hospital stay, from today, with a note.
    window.click("li button.name");
    window.wait_for_text("在册状态与关爱等级");
    let name = window.run("return document.getElementById('elder-name').firstChild.textContent.trim()");
    let name = name.as_str().unwrap().to_owned();
    // Each save is pushed, and the sync bar changes height as it goes, moving the page
    // under it: the next click waits for the server to hold the change and the bar to
    // settle.
    let on_server = |window: &Window, column: &str, wanted: &str| {
        let sql = format!("SELECT COALESCE({column}, '') AS v FROM elders WHERE name = '{}'", name.replace('\'', "''"));
        wait_until(&format!("{column} = {wanted} on the server"), || {
            runtime.block_on(scenario.central.text(&sql)) == wanted
        });
        window.wait_for_sync_bar("已同步");
    };
    window.click_element(&window.find_xpath("//button[contains(., '记录状态变化')]"));
    choose(&window, "select[name=status]", "hospitalised");
    window.type_into("input[name=note]", "第一医院");
    window.screenshot("status-form");
    window.click(".standing form button[type=submit]");
    window.wait_for_text("— 第一医院");
    assert!(window.run("return document.querySelector('.standing dd').textContent").as_str().unwrap().contains("住院"));
    window.screenshot("hospitalised");
    on_server(&window, "status", "hospitalised");

    // The tier by hand, with its reason; a blank reason is refused before anything is sent.
    window.click_element(&window.find_xpath("//button[contains(., '设置关爱等级')]"));
    choose(&window, "select[name=tier]", "highRisk");
    window.click(".standing form button[type=submit]");
    window.wait_for_text("人工设定等级需要填写原因。");
    window.type_into("input[name=reason]", "独居且近期住院");
    window.click(".standing form button[type=submit]");
    window.wait_for_text("人工设定（独居且近期住院）");
    window.screenshot("tier");
    on_server(&window, "tier_override", "highRisk");

    // Moved to another community of the city: the page names the new one.
    window.click_element(&window.find_xpath("//button[contains(., '转到其他社区')]"));
    let target = window
        .run("const s = document.querySelector('select[name=community]'); return s.options[s.selectedIndex].text");
    let target = target.as_str().unwrap().to_owned();
    window.screenshot("move-form");
    window.click(".standing form button[type=submit]");
    wait_until("the page to name the new community", || {
        window.run("return document.querySelectorAll('.standing dd')[1].textContent").as_str() == Some(target.as_str())
    });
    window.screenshot("moved");
    wait_until("the move to reach the server", || {
        let sql = format!(
            "SELECT a.name AS v FROM elders e JOIN areas a ON a.id = e.community_id WHERE e.name = '{}'",
            name.replace('\'', "''")
        );
        runtime.block_on(scenario.central.text(&sql)) == target
    });

    // An incident's insurance case: reported with its claim number, then paid; a
    // blank claim number is refused before anything is sent.
    let injured = runtime.block_on(scenario.central.text(
        "SELECT e.name AS v FROM visits v JOIN elders e ON e.elder_id = v.elder_id \
         WHERE v.incident IS NOT NULL AND v.voided = FALSE ORDER BY v.visited_at DESC LIMIT 1",
    ));
    window.click_element(&window.find_xpath("//button[contains(., '返回')]"));
    window.type_into("input[type=search]", &injured);
    window.click_element(
        &window.find_xpath(&format!("//li//button[contains(@class, 'name') and contains(., '{injured}')]")),
    );
    window.wait_for_text("幸福安康险");
    window.click_element(&window.find_xpath("//button[contains(., '登记报案')]"));
    window.click(".insurance form button[type=submit]");
    window.wait_for_text("请填写理赔编号。");
    window.type_into("input[name=claimNumber]", "PICC-2026-0001");
    window.click(".insurance form button[type=submit]");
    window.wait_for_text("PICC-2026-0001");
    // Each save is pushed, and the sync bar changes height as it goes, moving the page
    // under it: the next click waits for the server to hold the step and the bar to
    // settle.
    let reached = |window: &Window, state: &str| {
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM insurance_cases WHERE state = '{state}'");
        wait_until(&format!("a case {state} on the server"), || runtime.block_on(scenario.central.text(&sql)) == "1");
        window.wait_for_sync_bar("已同步");
    };
    reached(&window, "reported");
    window.click_element(&window.find_xpath("//button[contains(., '登记赔付')]"));
    window.type_into("input[name=amount]", "3500");
    window.screenshot("insurance-payment");
    window.click(".insurance form button[type=submit]");
    window.wait_for_text("3500.00 元");
    window.screenshot("insurance-paid");
    reached(&window, "paid");
    // The elder's visit record, printed: saved as a PDF in the export folder.
    window.click("button.print-record");
    window.wait_for_text("已保存：");
    let saved = window.run("return document.querySelector('p.printed').textContent");
    let saved = std::path::PathBuf::from(saved.as_str().unwrap().trim_start_matches("已保存："));
    assert!(saved.starts_with(exports.path()), "{}", saved.display());
    window.picture_of_pdf(&saved, "printed-visit-record");
    // And the day's round list, from the roster.
    window.click_element(&window.find_xpath("//button[contains(., '返回名单')]"));
    window.click("button.print-round");
    window.wait_for_text("已保存：");
    let saved = window.run("return document.querySelector('.day p.printed').textContent");
    let saved = std::path::PathBuf::from(saved.as_str().unwrap().trim_start_matches("已保存："));
    window.screenshot("round-list-printed");
    window.picture_of_pdf(&saved, "printed-round-list");

    // A roster workbook: checked (two new elders listed), then applied.
    let community = runtime
        .block_on(scenario.central.text(&format!("SELECT name AS v FROM areas WHERE id = '{}'", scenario.community)));
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("名册.xlsx");
    workbook(&file, &community);
    window.click("header button.roster-import");
    window.wait_for_text("导入名册文件");
    window.type_into("input[name=rosterFile]", file.to_str().unwrap());
    window.wait_for_text("将新增的老人");
    assert!(window.text().contains("窗口导入甲") && window.text().contains("窗口导入乙"));
    window.screenshot("import-check");
    window.click("button.apply");
    window.wait_for_text("已导入：新增 2 人");
    window.screenshot("import-applied");
    let imported = runtime
        .block_on(scenario.central.text("SELECT CAST(COUNT(*) AS TEXT) AS v FROM elders WHERE name LIKE '窗口导入%'"));
    assert_eq!(imported, "2");

    // Handing an assistant over: the list says nothing of theirs waits; moved to
    // another community, the list shows them there.
    window.click("header button.handover");
    window.wait_for_text("助老员交接");
    window.wait_for_text("没有待同步的记录");
    let login = scenario.other.clone();
    let row = format!("//li[.//span[contains(., '{login}')]]");
    window.click_element(&window.find_xpath(&format!("{row}//button[contains(@class, 'move')]")));
    let moved_to = window.run(&format!(
        "const s = document.evaluate(\"{row}//select\", document, null, 9, null).singleNodeValue; return s.options[s.selectedIndex].text"
    ));
    let moved_to = moved_to.as_str().unwrap().to_owned();
    window.screenshot("handover");
    window.click_element(&window.find_xpath(&format!("{row}//button[contains(., '确认调动')]")));
    wait_until("the list to show the assistant in the new community", || {
        window
            .run(&format!("return document.evaluate(\"{row}\", document, null, 9, null).singleNodeValue.textContent"))
            .as_str()
            .is_some_and(|text| text.contains(&moved_to))
    });
    window.screenshot("handed-over");
    window.close();
    server.stop();
}
