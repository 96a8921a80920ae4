//! What a person's input to a document operation can get wrong, said in zh-CN and
//! English: the operation refuses it and the document is left unchanged.

use crate::ids::{CommunityId, EntryId, FollowUpId, VisitId};
use crate::insurance::StepError;
use crate::label::Language;
use crate::time::{Date, Timestamp};

/// A person's input that an operation refuses; the document is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{field} must not be blank")]
    Blank { field: &'static str },
    #[error("birth date {birth_date} is after the enrolment date {enrolled_on}")]
    BornAfterEnrolment { birth_date: Date, enrolled_on: Date },
    #[error("visit {0} does not exist in this elder's document")]
    UnknownVisit(VisitId),
    #[error("visit {0} already exists")]
    DuplicateVisit(VisitId),
    #[error("visit {0} is voided and can no longer be changed")]
    VisitVoided(VisitId),
    #[error("the visit time {visited_at} is in the future (latest allowed {latest})")]
    VisitInFuture { visited_at: Timestamp, latest: Timestamp },
    #[error("a red-risk visit needs a follow-up due within {hours} hours of the visit")]
    RedRiskNeedsFollowUp { hours: i64 },
    #[error("follow-up {0} does not exist in this elder's document")]
    UnknownFollowUp(FollowUpId),
    #[error("follow-up {0} already exists")]
    DuplicateFollowUp(FollowUpId),
    #[error("follow-up {0} is already resolved")]
    FollowUpResolved(FollowUpId),
    #[error("entry {0} already exists")]
    DuplicateEntry(EntryId),
    #[error("the effective date {effective_on} is before the enrolment date {enrolled_on}")]
    EffectiveBeforeEnrolment { effective_on: Date, enrolled_on: Date },
    #[error("the elder is already in community {0}")]
    AlreadyInCommunity(CommunityId),
    #[error("the field {path} has no conflicting values to resolve")]
    NotInConflict { path: String },
    #[error("the chosen value is not one of the values in conflict at {path}")]
    NotAConflictValue { path: String },
    #[error(transparent)]
    Insurance(#[from] StepError),
}

impl InputError {
    /// The sentence for a person in `language` (English is the error's own).
    pub fn message(&self, language: Language) -> String {
        if language == Language::En {
            return self.to_string();
        }
        match self {
            InputError::Blank { field } => format!("“{field}”不能为空。"),
            InputError::BornAfterEnrolment { birth_date, enrolled_on } => {
                format!("出生日期 {birth_date} 晚于登记日期 {enrolled_on}。")
            }
            InputError::UnknownVisit(_) => "这条探访记录不存在。".into(),
            InputError::DuplicateVisit(_) => "这条探访记录已经存在。".into(),
            InputError::VisitVoided(_) => "这条探访记录已作废，不能再修改。".into(),
            InputError::VisitInFuture { latest, .. } => {
                format!("探访时间不能晚于现在（最晚 {}）。", latest.shanghai_date())
            }
            InputError::RedRiskNeedsFollowUp { hours } => format!("红色风险必须安排 {hours} 小时内的跟进。"),
            InputError::UnknownFollowUp(_) => "这个跟进事项不存在。".into(),
            InputError::DuplicateFollowUp(_) => "这个跟进事项已经存在。".into(),
            InputError::FollowUpResolved(_) => "这个跟进事项已经完成。".into(),
            InputError::DuplicateEntry(_) => "这条记录已经存在。".into(),
            InputError::EffectiveBeforeEnrolment { effective_on, enrolled_on } => {
                format!("生效日期 {effective_on} 早于登记日期 {enrolled_on}。")
            }
            InputError::AlreadyInCommunity(_) => "老人已在这个社区。".into(),
            InputError::NotInConflict { .. } => "这个字段没有需要处理的冲突。".into(),
            InputError::NotAConflictValue { .. } => "所选的值不是冲突中的任何一个。".into(),
            InputError::Insurance(error) => error.message(language),
        }
    }
}
