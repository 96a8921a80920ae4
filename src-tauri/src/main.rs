//! The Jinlin desktop app (近邻工作站).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    jinlin_desktop::app::run();
}
