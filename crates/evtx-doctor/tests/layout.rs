//! The modules form a flow, not a web: no top-level module of the library imports, through
//! any chain, one that imports it back (docs/architecture.md). Test code is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules each module's code (comments and test modules aside) names as
/// `crate::MODULE`.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let Some(top) = relative.iter().next().and_then(|c| c.to_str()) else {
                continue;
            };
            let top = top.trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines() {
                let line = line.split("//").next().unwrap_or_default();
                for (at, _) in line.match_indices("crate::") {
                    let name: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        graph.entry(top.clone()).or_default().insert(name);
                    }
                }
            }
        }
    }
    graph
}

fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(module) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph.contains_key("engine"),
        "the walk found the modules: {graph:?}"
    );
    let cycles: Vec<_> = graph
        .iter()
        .flat_map(|(from, to)| to.iter().map(move |to| (from, to)))
        .filter(|(from, to)| reaches(&graph, to, from))
        .collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:?} in {graph:#?}");
    // The flow's ends: sources and report import nothing downstream.
    for upstream in ["sources", "formats", "report", "rules"] {
        for downstream in ["engine", "diagnose", "render"] {
            assert!(
                !reaches(&graph, upstream, downstream),
                "{upstream} imports {downstream}"
            );
        }
    }
}
