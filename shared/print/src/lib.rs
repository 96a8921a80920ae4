//! Drawing PDFs with a Chinese font: finding the font on this machine (Debian, Windows
//! or macOS), measuring and setting text, and laying printed sheets out on A4 pages.
//! The server draws its one-page report with the pen; the workstation prints an
//! elder's visit record and the day's round list with `sheet`.

mod font;
mod pen;
pub mod sheet;

pub use font::{PdfError, PrintFont, font};
pub use pen::{ALERT, BAND, BAR, Column, GREEN, INK, MUTED, Pen, RULE, Rgb, rect};
