//! Sets stored as maps `value → true` (serde `with`): concurrent adds of different
//! values merge, and a removal deletes one key without touching the others.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn serialize<T: Serialize + Ord, S: Serializer>(set: &BTreeSet<T>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(set.iter().map(|value| (value, true)))
}

pub fn deserialize<'de, T, D>(d: D) -> Result<BTreeSet<T>, D::Error>
where
    T: Deserialize<'de> + Ord,
    D: Deserializer<'de>,
{
    let map = BTreeMap::<T, bool>::deserialize(d)?;
    Ok(map.into_iter().filter(|(_, present)| *present).map(|(value, _)| value).collect())
}
