//! A synthetic, Xiamen-like city for demos, benchmarks and tests: areas, elders with
//! plausible Chinese names and categories, and a history of visits.
//!
//! Deterministic: everything comes from a seed through a small generator kept here
//! (SplitMix64), so the same seed gives the same city on every machine and every
//! version of every dependency. Nothing here reads a clock; callers pass "today".

use std::collections::BTreeSet;

use chrono::Datelike;

use crate::area::{Area, AreaLevel};
use crate::author::Author;
use crate::document::{Enrolment, NewFollowUp, NewVisit};
use crate::elder::{Gender, HardshipCategory, LivingArrangement, Profile, SeriousCondition};
use crate::ids::{AreaId, CommunityId, DeviceId, ElderId, EntryId, FollowUpId, UserId, VisitId};
use crate::time::{Date, Timestamp};
use crate::visit::{
    Check, CheckState, Checks, Incident, IncidentKind, Referral, RiskLevel, VisitMode, VisitOutcome, VisitRecord,
};

/// SplitMix64: tiny, fast, and fully specified, so generated data never drifts.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn bytes10(&mut self) -> [u8; 10] {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }

    pub fn actor_bytes(&mut self) -> Vec<u8> {
        let mut bytes = self.next_u64().to_le_bytes().to_vec();
        bytes.extend_from_slice(&self.next_u64().to_le_bytes());
        bytes
    }
}

macro_rules! id_maker {
    ($name:ident, $ty:ty) => {
        pub fn $name(&mut self, at: Timestamp) -> $ty {
            <$ty>::from_parts(at.as_millis().max(0) as u64, self.bytes10())
        }
    };
}

impl Rng {
    id_maker!(elder_id, ElderId);
    id_maker!(visit_id, VisitId);
    id_maker!(follow_up_id, FollowUpId);
    id_maker!(entry_id, EntryId);
    id_maker!(user_id, UserId);
    id_maker!(device_id, DeviceId);
    id_maker!(area_id, AreaId);
}

const DISTRICTS: [(&str, &str); 6] = [
    ("350203", "思明区"),
    ("350206", "湖里区"),
    ("350211", "集美区"),
    ("350205", "海沧区"),
    ("350212", "同安区"),
    ("350213", "翔安区"),
];
const STREET_WORDS: [&str; 16] = [
    "鹭江", "中华", "滨海", "嘉莲", "莲前", "开元", "殿前", "禾山", "金山", "江头", "侨英", "杏林", "新阳", "大同",
    "祥平", "新店",
];
const COMMUNITY_WORDS: [&str; 40] = [
    "和平", "光明", "幸福", "安康", "长青", "春晖", "东坪", "西林", "南山", "北溪", "海景", "湖滨", "松柏", "梧桐",
    "凤凰", "金湖", "银湖", "紫薇", "桂园", "兰亭", "瑞景", "盈翠", "明发", "育秀", "文灶", "槟榔", "莲花", "龙山",
    "乌石", "古楼", "浦南", "湖边", "坂美", "后埔", "塘边", "县后", "吕厝", "殿后", "高林", "枋湖",
];
const SURNAMES: [&str; 40] = [
    "陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨", "许", "郑", "谢", "洪", "郭", "邱", "曾", "廖", "赖",
    "徐", "周", "叶", "苏", "庄", "吕", "江", "何", "萧", "罗", "高", "潘", "简", "朱", "钟", "彭", "游", "詹", "胡",
    "施", "沈",
];
const GIVEN_FEMALE: [&str; 24] = [
    "秀英", "桂英", "秀兰", "玉兰", "淑珍", "美华", "丽珠", "月娥", "阿梅", "宝珠", "金花", "素琴", "凤英", "惠珍",
    "碧霞", "雪梅", "秋菊", "玉珍", "春花", "瑞珠", "彩云", "美玉", "丽华", "翠兰",
];
const GIVEN_MALE: [&str; 24] = [
    "建国", "国强", "志明", "文华", "德福", "金水", "天赐", "水生", "振华", "永福", "清泉", "明辉", "荣华", "宝山",
    "庆丰", "玉成", "福生", "长春", "松林", "海涛", "木兴", "文彬", "水木", "阿土",
];

/// The areas of a synthetic city, with its communities in order.
#[derive(Debug, Clone)]
pub struct City {
    pub areas: Vec<Area>,
    pub communities: Vec<CommunityId>,
}

/// Builds the six districts of Xiamen, about `communities` communities under streets
/// of five to twelve communities each.
pub fn city(rng: &mut Rng, communities: usize, at: Timestamp) -> City {
    let mut areas = Vec::new();
    let mut community_ids = Vec::new();
    let per_district = communities.div_ceil(DISTRICTS.len()).max(1);
    for (d, (code, name)) in DISTRICTS.iter().enumerate() {
        let district = rng.area_id(at);
        areas.push(Area {
            id: district,
            code: (*code).into(),
            name: (*name).into(),
            level: AreaLevel::District,
            parent: None,
        });
        let mut made = 0;
        let mut s = 0;
        while made < per_district && community_ids.len() < communities {
            let street = rng.area_id(at);
            let street_word = STREET_WORDS[(d * 3 + s) % STREET_WORDS.len()];
            areas.push(Area {
                id: street,
                code: format!("{code}{:03}", s + 1),
                name: format!(
                    "{street_word}街道{}",
                    if s >= STREET_WORDS.len() { format!("{}", s + 1) } else { String::new() }
                ),
                level: AreaLevel::Street,
                parent: Some(district),
            });
            let in_street = 5 + rng.below(8) as usize;
            for c in 0..in_street {
                if made >= per_district || community_ids.len() >= communities {
                    break;
                }
                let community = rng.area_id(at);
                let word = COMMUNITY_WORDS[(made + d * 7) % COMMUNITY_WORDS.len()];
                let suffix = if made >= COMMUNITY_WORDS.len() {
                    format!("{}", made / COMMUNITY_WORDS.len() + 1)
                } else {
                    String::new()
                };
                areas.push(Area {
                    id: community,
                    code: format!("{code}{:03}{:03}", s + 1, c + 1),
                    name: format!("{word}{suffix}社区"),
                    level: AreaLevel::Community,
                    parent: Some(street),
                });
                community_ids.push(community);
                made += 1;
            }
            s += 1;
        }
    }
    City { areas, communities: community_ids }
}

/// A plausible special-hardship elder living in `community`, enrolled on `enrolled_on`.
pub fn enrolment(rng: &mut Rng, community: CommunityId, enrolled_on: Date, at: Timestamp) -> Enrolment {
    use HardshipCategory::*;
    let gender = if rng.chance(58) { Gender::Female } else { Gender::Male };
    let surname = rng.pick(&SURNAMES);
    let given = if gender == Gender::Female { rng.pick(&GIVEN_FEMALE) } else { rng.pick(&GIVEN_MALE) };
    let age = 60 + rng.below(38) as i32;
    let birth_date = Date::from_ymd_opt(enrolled_on.year() - age, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
        .unwrap_or(enrolled_on);
    let mut categories = BTreeSet::new();
    let living_arrangement = match rng.below(10) {
        0..=3 => {
            categories.insert(LivingAlone);
            LivingArrangement::Alone
        }
        4..=6 => {
            categories.insert(EmptyNest);
            LivingArrangement::SpouseOnly
        }
        7 => LivingArrangement::WithCarer,
        _ => LivingArrangement::WithFamily,
    };
    for (category, percent) in [
        (Disabled, 12),
        (SeverelyDisabled, 6),
        (MinimumLivingAllowance, 15),
        (ExtremePoverty, 5),
        (SpecialFamilyPlanning, 4),
        (LeftBehind, 5),
    ] {
        if rng.chance(percent) {
            categories.insert(category);
        }
    }
    if age >= 80 {
        categories.insert(AdvancedAge);
    }
    if categories.is_empty() {
        categories.insert(MinimumLivingAllowance);
    }
    let mut conditions = BTreeSet::new();
    if rng.chance(6) {
        conditions.insert(SeriousCondition::Dementia);
        categories.insert(CognitivelyImpaired);
    }
    if rng.chance(8) {
        conditions.insert(SeriousCondition::SevereHypertension);
    }
    if rng.chance(6) {
        conditions.insert(SeriousCondition::HeartDisease);
    }
    let phone = format!("1{}{:09}", rng.pick(&[3, 5, 7, 8, 9]), rng.below(1_000_000_000));
    Enrolment {
        elder: rng.elder_id(at),
        community,
        enrolled_on,
        profile: Profile {
            name: format!("{surname}{given}"),
            gender,
            birth_date,
            id_number_masked: None,
            phone: rng.chance(85).then_some(phone),
            address: format!("{}路{}号{}室", rng.pick(&STREET_WORDS), 1 + rng.below(300), 101 + rng.below(20) * 100),
            living_arrangement,
            unable_to_communicate: conditions.contains(&SeriousCondition::Dementia) && rng.chance(50),
            categories,
            conditions,
            emergency_contacts: Default::default(),
            notes: String::new(),
        },
        status_entry: rng.entry_id(at),
        placement_entry: rng.entry_id(at),
    }
}

fn check(rng: &mut Rng, note: &str) -> Check {
    match rng.below(20) {
        0 => Check { state: CheckState::Serious, note: note.into() },
        1..=3 => Check { state: CheckState::Concern, note: note.into() },
        4 => Check::not_checked(),
        _ => Check { state: CheckState::Good, note: String::new() },
    }
}

/// A plausible visit at `visited_at`; red-risk visits come with their follow-up.
pub fn visit(rng: &mut Rng, visited_at: Timestamp) -> NewVisit {
    let mode = match rng.below(20) {
        0..=13 => VisitMode::Home,
        14..=18 => VisitMode::Phone,
        _ => VisitMode::Video,
    };
    let outcome = match rng.below(40) {
        0..=33 => VisitOutcome::MetElder,
        34..=35 => VisitOutcome::MetFamilyOnly,
        36..=37 => VisitOutcome::NotAtHome,
        38 => VisitOutcome::InHospital,
        _ => VisitOutcome::Refused,
    };
    let risk = match rng.below(50) {
        0 => RiskLevel::Red,
        1..=6 => RiskLevel::Yellow,
        _ => RiskLevel::Green,
    };
    let checks = Checks {
        health: check(rng, "血压偏高，已提醒按时服药"),
        economic: check(rng, "低保金按时到账"),
        family: check(rng, "子女每月探望一次"),
        safety: check(rng, "燃气软管老化，建议更换"),
        service_needs: check(rng, "需要助浴服务"),
    };
    let mut referrals = std::collections::BTreeMap::new();
    if rng.chance(8) {
        referrals.insert(Referral::CommunityHealthCentre, "预约上门体检".to_owned());
    }
    if rng.chance(4) {
        referrals.insert(Referral::DayCareCentre, String::new());
    }
    let incident = rng.chance(2).then(|| Incident {
        kind: *rng.pick(&[IncidentKind::Fall, IncidentKind::Injury, IncidentKind::HospitalStay]),
        note: "在家中跌倒，已送医".into(),
    });
    let follow_up = (risk == RiskLevel::Red).then(|| NewFollowUp {
        id: rng.follow_up_id(visited_at),
        action: "24小时内再次上门确认情况".into(),
        due_at: visited_at.plus_hours(24),
    });
    NewVisit {
        id: rng.visit_id(visited_at),
        visited_at,
        record: VisitRecord { mode, outcome, checks, risk, referrals, incident, notes: String::new() },
        follow_up,
    }
}

/// A synthetic assistant on a synthetic workstation.
pub fn author(rng: &mut Rng, at: Timestamp) -> Author {
    Author { user: rng.user_id(at), device: rng.device_id(at) }
}
