//! Modules import one another in one direction only: in each crate of the workspace,
//! no two modules use each other, directly or through others.
//!
//! A use of `crate::a::b::…` (or `super::…`, or a child module by its name) from
//! module `x::y` is an edge between the two modules' branches where they part: from
//! the child of their common ancestor holding `x::y` to the one holding `a::b`. A
//! module reaching into its own ancestor (a child's `super::`) is not an edge: the
//! tree is the crate's layout, not an import. Names the crate root re-exports
//! (`crate::Station`) count as the module that defines them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the shared crate sits in the workspace").to_path_buf()
}

/// Every module of the crate whose sources are in `src`, with its text (the crate
/// root and the binaries left out: they declare the tree rather than use it).
fn modules(src: &Path) -> Vec<(Module, String)> {
    fn walk(dir: &Path, prefix: &[String], out: &mut Vec<(Module, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("a source folder").flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                if name != "bin" {
                    walk(&path, &[prefix, &[name]].concat(), out);
                }
            } else if let Some(stem) = name.strip_suffix(".rs") {
                let module = match stem {
                    "lib" | "main" if prefix.is_empty() => continue,
                    "mod" => prefix.to_vec(),
                    _ => [prefix, &[stem.to_owned()]].concat(),
                };
                out.push((module, std::fs::read_to_string(&path).expect("a source file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, &[], &mut out);
    out
}

/// The paths a text names from `start` on: `a::b::{c, d::e}` gives a::b::c and a::b::d::e.
fn use_tree(text: &str, start: usize, prefix: &[String], out: &mut Vec<Module>) -> usize {
    let bytes = text.as_bytes();
    let mut path = prefix.to_vec();
    let mut at = start;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'{' {
            at += 1;
            loop {
                at = use_tree(text, at, &path, out);
                while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
                    at += 1;
                }
                if at >= bytes.len() || bytes[at] == b'}' {
                    return at + 1;
                }
            }
        }
        let word_start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        if at > word_start {
            path.push(text[word_start..at].to_owned());
        }
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            out.push(path);
            return at;
        }
    }
}

/// Every path module `this` names, made absolute (from the crate root).
fn named_paths(this: &Module, text: &str, children: &BTreeSet<String>) -> Vec<Module> {
    let mut out = Vec::new();
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    for (at, _) in code.match_indices("crate::") {
        if at > 0 && (code.as_bytes()[at - 1].is_ascii_alphanumeric() || code.as_bytes()[at - 1] == b'_') {
            continue;
        }
        use_tree(&code, at + "crate::".len(), &[], &mut out);
    }
    for (at, _) in code.match_indices("super::") {
        if at > 0 && code.as_bytes()[at - 1] == b':' {
            continue;
        }
        let mut base = this.clone();
        let mut rest = at;
        while code[rest..].starts_with("super::") {
            base.pop();
            rest += "super::".len();
        }
        use_tree(&code, rest, &base, &mut out);
    }
    // A child module named from its parent: `use session::Session;`, `session::x()`.
    for child in children {
        for (at, _) in code.match_indices(&format!("{child}::")) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            use_tree(&code, at, this, &mut out);
        }
    }
    out
}

/// What the crate root re-exports: name → the module defining it.
fn root_exports(root: &str) -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    for (at, _) in root.match_indices("pub use ") {
        let mut paths = Vec::new();
        use_tree(root, at + "pub use ".len(), &[], &mut paths);
        for mut path in paths {
            if let Some(name) = path.pop() {
                out.insert(name, path);
            }
        }
    }
    out
}

/// The import edges between sibling branches of the module tree.
fn edges(modules: &[(Module, String)], root: &str) -> BTreeSet<(Module, Module)> {
    let known: BTreeSet<Module> = modules.iter().map(|(m, _)| m.clone()).collect();
    let exports = root_exports(root);
    let mut out = BTreeSet::new();
    for (this, text) in modules {
        let children: BTreeSet<String> = known
            .iter()
            .filter(|m| m.len() == this.len() + 1 && m.starts_with(this))
            .map(|m| m[this.len()].clone())
            .collect();
        for mut path in named_paths(this, text, &children) {
            if path.len() == 1
                && let Some(defined_in) = exports.get(&path[0])
            {
                path = defined_in.clone();
            }
            let Some(target) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| known.contains(p)) else {
                continue;
            };
            let common = this.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == this.len() || common == target.len() {
                continue;
            }
            out.insert((this[..=common].to_vec(), target[..=common].to_vec()));
        }
    }
    out
}

/// A cycle among the edges, if there is one.
fn cycle(edges: &BTreeSet<(Module, Module)>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        edges: &BTreeSet<(Module, Module)>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some([&path[start..], std::slice::from_ref(node)].concat());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for (_, next) in edges.iter().filter(|(from, _)| from == node) {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges.iter().find_map(|(from, _)| visit(from, edges, &mut Vec::new(), &mut done))
}

/// The groups of modules that reach one another (for the message).
fn tangles(edges: &BTreeSet<(Module, Module)>) -> Vec<Vec<String>> {
    let reach = |from: &Module| {
        let mut seen = BTreeSet::new();
        let mut next = vec![from.clone()];
        while let Some(node) = next.pop() {
            for (_, to) in edges.iter().filter(|(f, _)| *f == node) {
                if seen.insert(to.clone()) {
                    next.push(to.clone());
                }
            }
        }
        seen
    };
    let nodes: BTreeSet<Module> = edges.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
    let reaches: BTreeMap<Module, BTreeSet<Module>> = nodes.iter().map(|n| (n.clone(), reach(n))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for node in &nodes {
        let group: Vec<String> =
            reaches[node].iter().filter(|other| reaches[*other].contains(node)).map(|m| m.join("::")).collect();
        if group.len() > 1 {
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

fn crate_edges(krate: &str) -> BTreeSet<(Module, Module)> {
    let src = workspace().join(krate).join("src");
    let root = std::fs::read_to_string(src.join("lib.rs")).expect("a library crate");
    let modules = modules(&src);
    assert!(modules.len() > 5, "the modules of {krate} are found");
    edges(&modules, &root)
}

#[test]
fn no_two_modules_of_a_crate_import_each_other() {
    for krate in ["src-tauri", "server", "shared"] {
        let edges = crate_edges(krate);
        assert!(!edges.is_empty(), "{krate}'s modules use one another");
        if let Some(found) = cycle(&edges) {
            let names: Vec<String> = found.iter().map(|m| m.join("::")).collect();
            let tangled: Vec<String> = tangles(&edges).iter().map(|group| group.join(", ")).collect();
            panic!(
                "in {krate}, these modules import each other: {}\nevery group that does: {}",
                names.join(" → "),
                tangled.join("; ")
            );
        }
    }
}

#[test]
fn the_workstation_engine_uses_the_station_and_not_the_other_way_round() {
    let edges = crate_edges("src-tauri");
    let engine = vec!["engine".to_owned()];
    let station = vec!["station".to_owned()];
    assert!(edges.contains(&(engine.clone(), station.clone())), "the engine drives the station");
    assert!(!edges.contains(&(station, engine)));
}

#[test]
fn a_planted_cycle_is_found_through_a_group_a_parent_and_a_re_export() {
    let m = |path: &str| path.split("::").map(str::to_owned).collect::<Module>();
    let modules = vec![
        (m("station"), "use crate::status::Status;".to_owned()),
        (m("station::edits"), "use super::Station;\nuse super::views::Page;".to_owned()),
        (m("station::views"), "use crate::{engine::plan, vault::Vault};".to_owned()),
        (m("engine"), "use crate::Station;".to_owned()),
        (m("engine::plan"), String::new()),
        (m("status"), String::new()),
        (m("vault"), String::new()),
    ];
    let root = "pub use station::Station;";
    let found = edges(&modules, root);
    assert!(found.contains(&(m("station::edits"), m("station::views"))), "siblings under one parent");
    assert!(!found.iter().any(|(from, to)| from.starts_with(to) || to.starts_with(from)), "no edge to an ancestor");
    assert!(found.contains(&(m("station"), m("engine"))), "a view reaching into the engine lifts to its branch");
    assert!(found.contains(&(m("engine"), m("station"))), "a re-export counts as its module");
    let planted = cycle(&found).expect("station and engine use each other");
    assert_eq!(planted.first(), planted.last());
    let acyclic: BTreeSet<_> = found.into_iter().filter(|(from, _)| from != &m("engine")).collect();
    assert_eq!(cycle(&acyclic), None, "without the engine's use of the station, no cycle");
}
