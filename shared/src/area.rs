//! Areas: district > street > community, and the communities an area covers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{AreaId, CommunityId};
use crate::label::labelled_enum;

labelled_enum! {
    /// The level of an area. A community is the smallest and owns elders' records.
    pub enum AreaLevel {
        District = "district" => ("区", "District"),
        Street = "street" => ("街道", "Street"),
        Community = "community" => ("社区", "Community"),
    }
}

impl AreaLevel {
    /// The level an area's parent must have; a district has none.
    pub fn parent_level(self) -> Option<AreaLevel> {
        match self {
            AreaLevel::District => None,
            AreaLevel::Street => Some(AreaLevel::District),
            AreaLevel::Community => Some(AreaLevel::Street),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Area {
    pub id: AreaId,
    /// The administrative code (e.g. the civil-affairs division code).
    pub code: String,
    pub name: String,
    pub level: AreaLevel,
    pub parent: Option<AreaId>,
}

/// A community as a person chooses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NamedCommunity {
    pub id: CommunityId,
    pub name: String,
}

/// What a user may see: the whole city, or one area and everything under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "area")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Scope {
    City,
    Area(AreaId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AreaTreeError {
    #[error("area {0} appears twice")]
    Duplicate(AreaId),
    #[error("area code {0:?} appears twice")]
    DuplicateCode(String),
    #[error("area {area} ({level}) names parent {parent}, which is not in the tree")]
    UnknownParent { area: AreaId, level: AreaLevel, parent: AreaId },
    #[error("area {area} is a {level} and needs a parent that is a {expected}")]
    WrongParent { area: AreaId, level: AreaLevel, expected: AreaLevel },
    #[error("area {0} is a district and cannot have a parent")]
    DistrictWithParent(AreaId),
    #[error("area {0} has an empty name or code")]
    Blank(AreaId),
}

/// The city's areas, checked to form a proper district > street > community tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaTree {
    areas: BTreeMap<AreaId, Area>,
    children: BTreeMap<AreaId, Vec<AreaId>>,
}

impl AreaTree {
    pub fn new(areas: impl IntoIterator<Item = Area>) -> Result<Self, AreaTreeError> {
        let mut by_id = BTreeMap::new();
        let mut codes = BTreeSet::new();
        for area in areas {
            if area.name.trim().is_empty() || area.code.trim().is_empty() {
                return Err(AreaTreeError::Blank(area.id));
            }
            if !codes.insert(area.code.clone()) {
                return Err(AreaTreeError::DuplicateCode(area.code));
            }
            if by_id.insert(area.id, area.clone()).is_some() {
                return Err(AreaTreeError::Duplicate(area.id));
            }
        }
        let mut children: BTreeMap<AreaId, Vec<AreaId>> = BTreeMap::new();
        for area in by_id.values() {
            match (area.level.parent_level(), area.parent) {
                (None, None) => {}
                (None, Some(_)) => return Err(AreaTreeError::DistrictWithParent(area.id)),
                (Some(expected), None) => {
                    return Err(AreaTreeError::WrongParent { area: area.id, level: area.level, expected });
                }
                (Some(expected), Some(parent_id)) => {
                    let parent = by_id.get(&parent_id).ok_or(AreaTreeError::UnknownParent {
                        area: area.id,
                        level: area.level,
                        parent: parent_id,
                    })?;
                    if parent.level != expected {
                        return Err(AreaTreeError::WrongParent { area: area.id, level: area.level, expected });
                    }
                    children.entry(parent_id).or_default().push(area.id);
                }
            }
        }
        Ok(Self { areas: by_id, children })
    }

    pub fn get(&self, id: AreaId) -> Option<&Area> {
        self.areas.get(&id)
    }

    pub fn areas(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    pub fn children(&self, id: AreaId) -> &[AreaId] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The chain from the district down to `id` (inclusive).
    pub fn ancestry(&self, id: AreaId) -> Vec<&Area> {
        let mut chain = Vec::new();
        let mut next = self.areas.get(&id);
        while let Some(area) = next {
            chain.push(area);
            next = area.parent.and_then(|p| self.areas.get(&p));
        }
        chain.reverse();
        chain
    }

    /// Every community inside a scope (a community's scope is itself).
    pub fn communities_in(&self, scope: Scope) -> BTreeSet<CommunityId> {
        match scope {
            Scope::City => self.areas.values().filter(|a| a.level == AreaLevel::Community).map(|a| a.id).collect(),
            Scope::Area(root) => {
                let mut found = BTreeSet::new();
                let mut stack = vec![root];
                while let Some(id) = stack.pop() {
                    match self.areas.get(&id) {
                        Some(area) if area.level == AreaLevel::Community => {
                            found.insert(id);
                        }
                        Some(_) => stack.extend_from_slice(self.children(id)),
                        None => {}
                    }
                }
                found
            }
        }
    }

    /// The communities inside a scope with their names, by name.
    pub fn named_communities_in(&self, scope: Scope) -> Vec<NamedCommunity> {
        let mut named: Vec<_> = self
            .communities_in(scope)
            .into_iter()
            .filter_map(|id| self.get(id))
            .map(|area| NamedCommunity { id: area.id, name: area.name.clone() })
            .collect();
        named.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        named
    }

    /// Whether everything `inner` holds lies inside `outer` (the city covers every
    /// scope; only the city covers the city).
    pub fn scope_covers(&self, outer: Scope, inner: Scope) -> bool {
        match (outer, inner) {
            (Scope::City, _) => true,
            (Scope::Area(_), Scope::City) => false,
            (Scope::Area(root), Scope::Area(area)) => self.ancestry(area).iter().any(|a| a.id == root),
        }
    }

    /// Whether `community` lies inside `scope`.
    pub fn scope_contains(&self, scope: Scope, community: CommunityId) -> bool {
        match scope {
            Scope::City => self.areas.contains_key(&community),
            Scope::Area(root) => self.ancestry(community).iter().any(|a| a.id == root),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> AreaId {
        AreaId::from_parts(1_700_000_000_000, [n; 10])
    }

    fn area(n: u8, level: AreaLevel, parent: Option<u8>) -> Area {
        Area { id: id(n), code: format!("c{n}"), name: format!("area {n}"), level, parent: parent.map(id) }
    }

    fn city() -> AreaTree {
        AreaTree::new([
            area(1, AreaLevel::District, None),
            area(2, AreaLevel::Street, Some(1)),
            area(3, AreaLevel::Community, Some(2)),
            area(4, AreaLevel::Community, Some(2)),
            area(5, AreaLevel::District, None),
            area(6, AreaLevel::Street, Some(5)),
            area(7, AreaLevel::Community, Some(6)),
        ])
        .unwrap()
    }

    #[test]
    fn scopes_cover_exactly_the_communities_beneath_them() {
        let tree = city();
        assert_eq!(tree.communities_in(Scope::Area(id(1))), BTreeSet::from([id(3), id(4)]));
        assert_eq!(tree.communities_in(Scope::Area(id(7))), BTreeSet::from([id(7)]));
        assert_eq!(tree.communities_in(Scope::City).len(), 3);
        assert!(tree.scope_contains(Scope::Area(id(2)), id(4)));
        assert!(!tree.scope_contains(Scope::Area(id(2)), id(7)));
        assert_eq!(tree.ancestry(id(3)).iter().map(|a| a.id).collect::<Vec<_>>(), [id(1), id(2), id(3)]);
    }

    #[test]
    fn a_scope_covers_itself_and_what_lies_beneath_it_and_only_the_city_covers_the_city() {
        let tree = city();
        assert!(tree.scope_covers(Scope::Area(id(1)), Scope::Area(id(3))));
        assert!(tree.scope_covers(Scope::Area(id(2)), Scope::Area(id(2))));
        assert!(!tree.scope_covers(Scope::Area(id(3)), Scope::Area(id(2))), "a community does not cover its street");
        assert!(!tree.scope_covers(Scope::Area(id(2)), Scope::Area(id(7))));
        assert!(tree.scope_covers(Scope::City, Scope::Area(id(7))));
        assert!(!tree.scope_covers(Scope::Area(id(1)), Scope::City));
    }

    #[test]
    fn a_community_must_hang_under_a_street() {
        let err = AreaTree::new([area(1, AreaLevel::District, None), area(3, AreaLevel::Community, Some(1))]);
        assert_eq!(
            err,
            Err(AreaTreeError::WrongParent { area: id(3), level: AreaLevel::Community, expected: AreaLevel::Street })
        );
        let err = AreaTree::new([area(2, AreaLevel::Street, Some(9))]);
        assert!(matches!(err, Err(AreaTreeError::UnknownParent { .. })));
    }
}
