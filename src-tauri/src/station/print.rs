//! Printed sheets, made on the workstation with no server: an elder's visit record
//! (探访记录表) and the day's round list, as PDF files saved in the export folder.
//! They show phones and ID numbers masked only (`jinlin_shared::sheets`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jinlin_shared::ids::{ElderId, UserId};
use jinlin_shared::label::Language;
use jinlin_shared::roster::RosterEntry;
use jinlin_shared::sheets::{self, Sheet};

use super::Station;
use crate::StationError;

impl Station {
    /// Saves the elder's visit record as a PDF in `folder`; answers where.
    pub async fn print_visit_record(
        &self,
        elder: ElderId,
        language: Language,
        folder: &Path,
    ) -> Result<PathBuf, StationError> {
        let page = self.elder(elder).await?;
        let community = page.rows.elder.community;
        let community = page.communities.iter().find(|c| c.id == community).map(|c| c.name.clone()).unwrap_or_default();
        let people: BTreeMap<UserId, String> =
            self.known_users().await?.into_iter().map(|user| (user.id, user.display_name)).collect();
        let person = |user: UserId| people.get(&user).cloned().unwrap_or_default();
        let sheet = sheets::visit_record(&page.rows, &community, &person, self.now(), language);
        render_and_save(sheet, language, folder).await
    }

    /// Saves the signed-in user's round list of today as a PDF in `folder`; answers where.
    pub async fn print_round_list(&self, language: Language, folder: &Path) -> Result<PathBuf, StationError> {
        let session = self.session()?;
        let now = self.now();
        let rows = self.visible_rows(&session).await?;
        let policy = &self.policy().policy;
        let elders: Vec<(RosterEntry, &_)> = rows.iter().map(|r| (RosterEntry::new(r, policy, now), r)).collect();
        let sheet = sheets::round_list(&elders, &session.user.display_name, now.shanghai_date(), now, language);
        render_and_save(sheet, language, folder).await
    }
}

/// Draws the sheet and saves it whole, off the async threads (a long record is many pages).
async fn render_and_save(sheet: Sheet, language: Language, folder: &Path) -> Result<PathBuf, StationError> {
    let folder = folder.to_owned();
    tokio::task::spawn_blocking(move || {
        let bytes = jinlin_print::sheet::render(&sheet, language).map_err(StationError::Print)?;
        crate::saved_file::save(&folder, &sheet.file_name, &bytes)
    })
    .await
    .map_err(StationError::internal)?
}
