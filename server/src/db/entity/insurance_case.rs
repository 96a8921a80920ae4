//! Table `insurance_cases`: one insurance case per incident visit, as materialised.

use jinlin_shared::insurance::{CaseState, InsuranceCase};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::IncidentKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_id: String,
    pub elder_id: String,
    pub community_id: String,
    pub kind: String,
    pub incident_at: i64,
    pub state: String,
    pub reported_on: Option<String>,
    pub claim_number: Option<String>,
    pub paid_on: Option<String>,
    pub amount_fen: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub declined_reason: Option<String>,
    /// The steps, as JSON, oldest first.
    #[sea_orm(column_type = "Text")]
    pub steps: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The case the row holds; why not, when a column does not read.
    pub fn case(&self) -> Result<InsuranceCase, String> {
        let bad = |what: &str| format!("insurance case {}: {what}", self.visit_id);
        let date = |text: &Option<String>| text.as_deref().map(str::parse).transpose().map_err(|_| bad("a date"));
        Ok(InsuranceCase {
            elder_id: self.elder_id.parse().map_err(|_| bad("elder id"))?,
            visit_id: self.visit_id.parse().map_err(|_| bad("visit id"))?,
            kind: IncidentKind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            incident_at: Timestamp::from_millis(self.incident_at),
            state: CaseState::parse(&self.state).ok_or_else(|| bad("state"))?,
            reported_on: date(&self.reported_on)?,
            claim_number: self.claim_number.clone(),
            paid_on: date(&self.paid_on)?,
            amount_fen: self.amount_fen,
            declined_reason: self.declined_reason.clone(),
            steps: serde_json::from_str(&self.steps).map_err(|e| bad(&e.to_string()))?,
        })
    }
}
