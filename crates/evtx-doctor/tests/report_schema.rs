//! The JSON Schema lists every problem kind the library can write, by the name it writes.

use evtx_doctor::report::ProblemKind;

#[test]
fn the_schema_lists_every_problem_kind_by_its_json_name() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/report.schema.json")).expect("json");
    let listed: Vec<&str> = schema["$defs"]["Problem"]["properties"]["kind"]["enum"]
        .as_array()
        .expect("the problem kinds are an enum in the schema")
        .iter()
        .filter_map(|name| name.as_str())
        .collect();
    let written: Vec<String> = ProblemKind::ALL
        .iter()
        .map(|kind| serde_json::to_value(kind).expect("serializes"))
        .map(|value| value.as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(listed, written);
    for kind in ProblemKind::ALL {
        assert_eq!(
            serde_json::to_value(kind).expect("serializes"),
            kind.as_str()
        );
        let back: ProblemKind = serde_json::from_value(kind.as_str().into()).expect("reads back");
        assert_eq!(back, *kind);
    }
}
