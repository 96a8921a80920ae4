//! After the server's database was restored from a backup, it may lack changes it had
//! acknowledged, and its log numbers start again below the cursor held here. Every
//! sync answer names the database's generation; a new one heals this workstation:
//! the pull starts again from the first change, and every change made here (by
//! whoever signed in) waits to be sent again. The server stores a change it already
//! has once, so nothing is doubled; a colleague's change it lacks comes back from
//! the colleague's workstation, which heals too.

use jinlin_shared::ids::Generation;

use super::round::Round;
use crate::error::StationError;
use crate::station::blocking;
use crate::store::SealedChange;

impl Round<'_> {
    /// Compares the generation an answer names with the one last seen; answers whether
    /// it healed (the pull's cursor then starts again from nothing). The first one
    /// seen is only noted, and a server of protocol 2 names none.
    pub(super) async fn note_generation(&self, seen: Option<Generation>) -> Result<bool, StationError> {
        let station = self.station;
        let Some(seen) = seen else { return Ok(false) };
        if station.store().generation().await? == Some(seen) {
            return Ok(false);
        }
        let _turn = station.writing().await;
        let Some(known) = station.store().generation().await? else {
            station.store().set_generation(seen).await?;
            return Ok(false);
        };
        if known == seen {
            return Ok(false);
        }
        let own = self.own_changes().await?;
        tracing::warn!(
            from = %known, to = %seen, changes = own.len(),
            "the server's database was restored: pulling from the start and sending again what it may lack"
        );
        station.store().heal(seen, own, station.now()).await?;
        station.publish_counts().await?;
        station.sync_now();
        Ok(true)
    }

    /// Every change made on this device, per document in causal order, sealed to wait.
    async fn own_changes(&self) -> Result<Vec<SealedChange>, StationError> {
        let station = self.station;
        let Some(device) = station.store().device_id().await? else { return Ok(Vec::new()) };
        let rows = station.store().documents(None).await?;
        let (vault, actor) = (self.session.vault.clone(), station.actor().clone());
        // Every document opened and walked: CPU work, off the runtime's threads.
        blocking(move || {
            let mut own = Vec::new();
            for row in &rows {
                let doc = vault.open_document(row, &actor)?;
                for (hash, bytes) in doc.changes_made_on(device) {
                    own.push(SealedChange { elder: row.elder, hash, change: vault.seal_change(row.elder, &bytes) });
                }
            }
            Ok::<_, StationError>(own)
        })
        .await?
    }
}
