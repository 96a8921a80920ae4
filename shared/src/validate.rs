//! Why a document, or someone's changes to it, is refused: the stable codes of the
//! wire and the errors that carry them, each naming the field at fault. The rules
//! themselves are the document's (`document::rules`, `document::review`).

use crate::ids::{CommunityId, ElderId, VisitId};
use crate::label::Labelled as _;
use crate::label::labelled_enum;
use crate::roles::Operation;
use crate::time::Timestamp;
use crate::user::Role;

labelled_enum! {
    /// Why a document or a set of changes was refused; stable codes for the wire.
    pub enum RejectCode {
        Undecodable = "undecodable" => ("数据无法解析", "The data could not be decoded"),
        MissingDependencies = "missingDependencies" => ("缺少前置修改", "Earlier changes are missing"),
        MissingAuthor = "missingAuthor" => ("修改未注明作者", "A change names no author"),
        Schema = "schema" => ("记录结构不符", "The record does not fit the schema"),
        UnsupportedSchemaVersion = "unsupportedSchemaVersion" => ("记录版本过新", "The record's schema is newer than this version"),
        InvalidField = "invalidField" => ("字段无效", "A field is invalid"),
        VisitInFuture = "visitInFuture" => ("探访时间在未来", "The visit is dated in the future"),
        VoidedVisitEdited = "voidedVisitEdited" => ("已作废的探访被修改", "A voided visit was changed"),
        ElderChanged = "elderChanged" => ("修改属于另一位老人", "The changes belong to another elder"),
        OutOfScope = "outOfScope" => ("超出权限范围", "Outside your area"),
        TooLarge = "tooLarge" => ("数据量超出限制", "The changes are larger than allowed"),
        WrongAuthor = "wrongAuthor" => ("修改者身份不符", "A change names someone other than who made it"),
        NotPermitted = "notPermitted" => ("您的角色无权进行此操作", "Your role may not make this change"),
        FullIdNumber = "fullIdNumber" => ("含有完整身份证号", "A full ID number was written"),
        UnknownField = "unknownField" => ("记录中没有此字段", "The record has no such field"),
        IdInUse = "idInUse" => ("编号已被其他老人的记录使用", "An id is already used in another elder's record"),
        Unstorable = "unstorable" => ("数据无法保存", "The data cannot be stored"),
    }
}

/// Why a document, or a document after someone's changes, breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    #[error("change {index} could not be decoded: {reason}")]
    Undecodable { index: usize, reason: String },
    #[error("the changes depend on {} change(s) this document does not have", missing.len())]
    MissingDependencies { missing: Vec<String> },
    #[error("change {change} does not name its author")]
    MissingAuthor { change: String },
    #[error("field {field}: {reason}")]
    Schema { field: String, reason: String },
    #[error("the document has schema version {found}; this build reads up to {supported}")]
    UnsupportedSchemaVersion { found: u64, supported: u32 },
    #[error("field {field}: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("visit {visit} is dated {visited_at}, after the latest allowed time {latest}")]
    VisitInFuture { visit: VisitId, visited_at: Timestamp, latest: Timestamp },
    #[error("change {change} edits visit {visit}, which was voided before it")]
    VoidedVisitEdited { visit: VisitId, change: String },
    #[error("the changes turn elder {before}'s document into elder {after}'s")]
    ElderChanged { before: ElderId, after: ElderId },
    #[error("the changes are too large: {0}")]
    TooLarge(String),
    #[error("change {change}: {reason}")]
    WrongAuthor { change: String, field: Option<String>, reason: String },
    #[error("change {change}: a {} may not {} (field {field})", role.as_str(), operation.label(crate::label::Language::En).to_lowercase())]
    NotPermitted { change: String, field: String, operation: Operation, role: Role },
    #[error("change {change} was made by someone whose area does not cover community {community}")]
    AuthorOutOfScope { change: String, community: CommunityId },
    #[error("field {field}: holds a full ID number; only its masked form may be written")]
    FullIdNumber { field: String },
    #[error("field {field}: the record has no such field")]
    UnknownField { field: String },
}

impl ValidationError {
    pub fn code(&self) -> RejectCode {
        match self {
            Self::Undecodable { .. } => RejectCode::Undecodable,
            Self::MissingDependencies { .. } => RejectCode::MissingDependencies,
            Self::MissingAuthor { .. } => RejectCode::MissingAuthor,
            Self::Schema { .. } => RejectCode::Schema,
            Self::UnsupportedSchemaVersion { .. } => RejectCode::UnsupportedSchemaVersion,
            Self::InvalidField { .. } => RejectCode::InvalidField,
            Self::VisitInFuture { .. } => RejectCode::VisitInFuture,
            Self::VoidedVisitEdited { .. } => RejectCode::VoidedVisitEdited,
            Self::ElderChanged { .. } => RejectCode::ElderChanged,
            Self::TooLarge(_) => RejectCode::TooLarge,
            Self::WrongAuthor { .. } => RejectCode::WrongAuthor,
            Self::NotPermitted { .. } => RejectCode::NotPermitted,
            Self::AuthorOutOfScope { .. } => RejectCode::OutOfScope,
            Self::FullIdNumber { .. } => RejectCode::FullIdNumber,
            Self::UnknownField { .. } => RejectCode::UnknownField,
        }
    }

    /// The field at fault, as a dotted path, where one field is to blame.
    pub fn field(&self) -> Option<String> {
        match self {
            Self::Schema { field, .. }
            | Self::InvalidField { field, .. }
            | Self::NotPermitted { field, .. }
            | Self::FullIdNumber { field }
            | Self::UnknownField { field } => Some(field.clone()),
            Self::WrongAuthor { field, .. } => field.clone(),
            Self::VisitInFuture { visit, .. } => Some(format!("visits.{visit}.visitedAt")),
            Self::VoidedVisitEdited { visit, .. } => Some(format!("visits.{visit}")),
            Self::ElderChanged { .. } => Some("elderId".into()),
            _ => None,
        }
    }
}
