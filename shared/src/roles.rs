//! Who may do what: the operations people perform on elders' records and the central
//! database, and the role table that says which roles may perform each (DOMAIN.md,
//! "Who may do what").
//!
//! The table is data in the policy file, read by the server (which decides what each
//! pushed change does and refuses what its author's role may not do), by the
//! workstation's core (which refuses the same, offline too) and, through the core,
//! by the window (which hides what the role may not do).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize};

use crate::label::labelled_enum;
use crate::user::Role;

labelled_enum! {
    /// One thing a person does, as the role table names it.
    pub enum Operation {
        Enrol = "enrol" => ("登记老人", "Enrol an elder"),
        EditProfile = "editProfile" => ("编辑档案和紧急联系人", "Edit the profile and emergency contacts"),
        RecordVisit = "recordVisit" => ("记录探访", "Record a visit"),
        CorrectVisit = "correctVisit" => ("更正探访", "Correct a visit"),
        VoidOwnVisit = "voidOwnVisit" => ("作废本人记录的探访", "Void a visit one recorded"),
        VoidAnyVisit = "voidAnyVisit" => ("作废任何探访", "Void any visit"),
        AddFollowUp = "addFollowUp" => ("添加跟进事项", "Add a follow-up"),
        CloseFollowUp = "closeFollowUp" => ("关闭跟进事项", "Close a follow-up"),
        ChangeStatus = "changeStatus" => ("记录状态变化", "Record a status change"),
        MoveElder = "moveElder" => ("将老人转到其他社区", "Move an elder to another community"),
        MoveInsuranceCase = "moveInsuranceCase" => ("推进幸福安康险案件（报案、赔付、不予赔付）", "Move an insurance case (report, paid, declined)"),
        SetTier = "setTier" => ("手动设置关爱等级", "Set the care tier by hand"),
        ResolveProfileConflict = "resolveProfileConflict" => ("处理档案字段冲突", "Resolve a conflict in the profile"),
        ResolveAnyConflict = "resolveAnyConflict" => ("处理任何冲突", "Resolve any conflict"),
        CloseAlert = "closeAlert" => ("填写说明关闭预警", "Close an alert with a note"),
        UnmaskedExport = "unmaskedExport" => ("导出未遮蔽数据", "Export unmasked data"),
        ImportRoster = "importRoster" => ("导入名册文件", "Import a roster file"),
        HandOver = "handOver" => ("交接助老员（调动或停用）", "Hand an assistant over (move or take off)"),
        EraseIdentity = "eraseIdentity" => ("删除老人的身份信息", "Erase an elder's identity record"),
    }
}

impl Operation {
    /// The broader operation that also grants this one: voiding any visit covers
    /// voiding one's own, resolving any conflict covers the profile's.
    fn implied_by(self) -> Option<Operation> {
        match self {
            Operation::VoidOwnVisit => Some(Operation::VoidAnyVisit),
            Operation::ResolveProfileConflict => Some(Operation::ResolveAnyConflict),
            _ => None,
        }
    }
}

/// Which roles may perform each operation.
///
/// In a policy file, `[roles]` lists only the operations a city changes; the others
/// keep their default:
///
/// ```toml
/// [roles]
/// setTier = ["admin"]
/// voidAnyVisit = ["supervisor", "admin"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RoleTable(BTreeMap<Operation, BTreeSet<Role>>);

impl RoleTable {
    /// Whether `role` may perform `operation`.
    pub fn permits(&self, role: Role, operation: Operation) -> bool {
        let granted = |op: Operation| self.0.get(&op).is_some_and(|roles| roles.contains(&role));
        granted(operation) || operation.implied_by().is_some_and(granted)
    }

    /// Every operation `role` may perform, in declaration order.
    pub fn operations_of(&self, role: Role) -> Vec<Operation> {
        Operation::ALL.iter().copied().filter(|op| self.permits(role, *op)).collect()
    }

    /// Grants or withdraws an operation (a city's own table, or a test's).
    pub fn set(&mut self, operation: Operation, roles: impl IntoIterator<Item = Role>) {
        self.0.insert(operation, roles.into_iter().collect());
    }
}

impl Default for RoleTable {
    /// DOMAIN.md's table: an assistant enrols, edits profiles, records and corrects
    /// visits, voids the visits they recorded, adds and closes follow-ups, records
    /// status changes and resolves conflicts in the profile; a supervisor also voids
    /// any visit, moves elders, sets tiers, resolves any conflict, closes alerts,
    /// imports roster files, hands assistants over and moves insurance cases, for their area;
    /// an administrator does everything.
    fn default() -> Self {
        use Operation::*;
        use Role::*;
        let everyone = [Assistant, Supervisor, Admin];
        let above_assistant = [Supervisor, Admin];
        let mut table = RoleTable(BTreeMap::new());
        for op in [Enrol, EditProfile, RecordVisit, CorrectVisit, VoidOwnVisit, AddFollowUp, CloseFollowUp] {
            table.set(op, everyone);
        }
        table.set(ChangeStatus, everyone);
        table.set(ResolveProfileConflict, everyone);
        for op in [
            VoidAnyVisit,
            MoveElder,
            SetTier,
            ResolveAnyConflict,
            CloseAlert,
            ImportRoster,
            HandOver,
            MoveInsuranceCase,
        ] {
            table.set(op, above_assistant);
        }
        table.set(UnmaskedExport, [Admin]);
        table.set(EraseIdentity, [Admin]);
        table
    }
}

impl<'de> Deserialize<'de> for RoleTable {
    /// Operations named in the file replace their default; the others keep it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let given = BTreeMap::<Operation, BTreeSet<Role>>::deserialize(deserializer)?;
        let mut table = RoleTable::default();
        for (operation, roles) in given {
            table.set(operation, roles);
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_table_is_domain_md() {
        let table = RoleTable::default();
        assert!(table.permits(Role::Assistant, Operation::VoidOwnVisit));
        assert!(!table.permits(Role::Assistant, Operation::VoidAnyVisit));
        assert!(!table.permits(Role::Assistant, Operation::SetTier));
        assert!(!table.permits(Role::Assistant, Operation::MoveElder));
        assert!(table.permits(Role::Assistant, Operation::ResolveProfileConflict));
        assert!(!table.permits(Role::Assistant, Operation::ResolveAnyConflict));
        assert!(!table.permits(Role::Supervisor, Operation::UnmaskedExport));
        // The broader grant covers the narrower one.
        assert!(table.permits(Role::Supervisor, Operation::VoidOwnVisit));
        assert_eq!(table.operations_of(Role::Admin), Operation::ALL.to_vec());
    }

    #[test]
    fn a_policy_file_changes_only_the_operations_it_names() {
        let table: RoleTable = toml::from_str(r#"setTier = ["admin"]"#).expect("a role table");
        assert!(!table.permits(Role::Supervisor, Operation::SetTier));
        assert!(table.permits(Role::Admin, Operation::SetTier));
        assert!(table.permits(Role::Supervisor, Operation::VoidAnyVisit));
        assert!(toml::from_str::<RoleTable>(r#"fly = ["admin"]"#).is_err());
        assert!(toml::from_str::<RoleTable>(r#"setTier = ["king"]"#).is_err());
    }
}
