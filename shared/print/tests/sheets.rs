//! Printed sheets read back from their PDF: the heading and the first rows on page
//! one, a long table running onto more pages with its header again, a long note
//! wrapped rather than lost, and nothing but masked phones.
#![allow(clippy::unwrap_used)]

use jinlin_print::sheet::render;
use jinlin_shared::label::Language;
use jinlin_shared::sheets::{Sheet, SheetTable};

fn sheet(rows: usize, note: &str) -> Sheet {
    Sheet {
        title: "特殊困难老年人探访记录表".into(),
        heading: vec![("姓名".into(), "陈阿婆".into()), ("电话".into(), "*******1234".into())],
        tables: vec![SheetTable {
            title: "探访记录".into(),
            headers: vec!["探访时间".into(), "备注".into()],
            shares: vec![0.3, 0.7],
            rows: (0..rows).map(|i| vec![format!("2026-11-{:02} 10:00", i % 28 + 1), note.to_owned()]).collect(),
            empty: "尚无探访记录。".into(),
        }],
        footer: "近邻 · 电话和身份证号已打码".into(),
        file_name: "探访记录表-陈阿婆.pdf".into(),
    }
}

fn pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"));
    let document = lopdf::Document::load_mem(bytes).unwrap();
    let count = document.get_pages().len() as u32;
    (1..=count).map(|n| document.extract_text(&[n]).unwrap()).collect()
}

#[test]
fn a_short_record_is_one_page_with_its_heading_and_footer() {
    let text = pages(&render(&sheet(3, "血压偏高"), Language::ZhCn).unwrap());
    assert_eq!(text.len(), 1);
    for wanted in ["探访记录表", "陈阿婆", "*******1234", "探访记录", "血压偏高", "1 / 1"] {
        assert!(text[0].contains(wanted), "{wanted:?} on the page: {}", text[0]);
    }
    let empty = pages(&render(&sheet(0, ""), Language::ZhCn).unwrap());
    assert!(empty[0].contains("尚无探访记录。"));
}

#[test]
fn a_long_record_runs_onto_more_pages_each_with_the_header() {
    let text = pages(&render(&sheet(120, "上门"), Language::ZhCn).unwrap());
    assert!(text.len() >= 3, "{} pages", text.len());
    for (n, page) in text.iter().enumerate() {
        assert!(page.contains("探访时间"), "page {} repeats the header", n + 1);
        assert!(page.contains(&format!("{} / {}", n + 1, text.len())));
    }
    let rows: usize = text.iter().map(|page| page.matches("上门").count()).sum();
    assert_eq!(rows, 120, "every row printed once");
}

#[test]
fn a_long_note_is_wrapped_onto_lines_and_only_a_very_long_one_is_cut() {
    // About five lines of the column: printed whole, its last character included.
    let wrapped = format!("{}完", "很".repeat(300));
    let text = pages(&render(&sheet(1, &wrapped), Language::ZhCn).unwrap());
    assert!(text[0].contains('完'), "the note's end is on the page: {}", text[0]);
    assert_eq!(text[0].matches('很').count(), 300);
    // Far past eight lines: cut, and the cut says so.
    let cut = format!("{}完", "很".repeat(2000));
    let text = pages(&render(&sheet(1, &cut), Language::ZhCn).unwrap());
    assert!(!text[0].contains('完') && text[0].contains('…'));
}
