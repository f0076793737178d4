//! The `cuckoo` module: what a Cuckoo sandbox saw a file do, from the
//! sandbox's JSON report handed over with `--module-data cuckoo=REPORT`
//! (YARA-X's module metadata). It declares no fields, only functions that
//! ask whether a regular expression matches a resolved domain, an HTTP
//! request, a connection, a mutex, a file or a registry key of the report;
//! without a report they are all false.

mod functions;
mod report;

use std::sync::Arc;

use crate::modules::external::ModuleInput;
use crate::modules::functions::Member;
use crate::modules::schema::{FieldType, Schema, schema};
use crate::modules::{CallContext, Module, ModuleData};
use crate::types::StructType;
use functions::{FILESYSTEM_FUNCTIONS, NETWORK_FUNCTIONS, REGISTRY_FUNCTIONS, SYNC_FUNCTIONS};
use report::Report;

schema! {
    /// Network activity: DNS, HTTP, TCP, UDP and contacted hosts.
    pub(super) struct Network {}
    functions = NETWORK_FUNCTIONS;

    /// Registry keys the sample opened or changed.
    pub(super) struct Registry {}
    functions = REGISTRY_FUNCTIONS;

    /// Files the sample opened or changed.
    pub(super) struct Filesystem {}
    functions = FILESYSTEM_FUNCTIONS;

    /// Synchronisation objects the sample made or opened.
    pub(super) struct Synchronization {}
    functions = SYNC_FUNCTIONS;

    /// The `cuckoo` module.
    pub(super) struct CuckooModule {
        /// `network.*`: resolved domains, HTTP requests, connections.
        network: Network,
        /// `registry.key_access`.
        registry: Registry,
        /// `filesystem.file_access`.
        filesystem: Filesystem,
        /// `sync.mutex`.
        sync: Synchronization,
    }
}

/// The `cuckoo` module.
pub(crate) static CUCKOO: &dyn Module = &Cuckoo;

/// The module; its data is the report, not the scanned input.
struct Cuckoo;

impl Module for Cuckoo {
    fn name(&self) -> &'static str {
        "cuckoo"
    }

    fn declaration(&self) -> Arc<StructType> {
        CuckooModule::declaration()
    }

    fn parse(&self, data: &[u8]) -> ModuleData {
        self.parse_with(data, None)
    }

    fn takes_input(&self) -> bool {
        true
    }

    fn decode_input(&self, bytes: &[u8]) -> Result<ModuleInput, String> {
        Ok(Arc::new(Report::decode(bytes)?))
    }

    fn parse_with(&self, _data: &[u8], input: Option<&ModuleInput>) -> ModuleData {
        let value = CuckooModule {
            network: Some(Network {}),
            registry: Some(Registry {}),
            filesystem: Some(Filesystem {}),
            sync: Some(Synchronization {}),
        };
        ModuleData {
            value: value.into_value(),
            native: input.map(|i| {
                Box::new(Arc::clone(i)) as Box<dyn std::any::Any + Send + std::marker::Sync>
            }),
        }
    }

    fn input_json(&self, input: &ModuleInput) -> serde_json::Value {
        input
            .downcast_ref::<Report>()
            .and_then(|report| serde_json::to_value(report).ok())
            .unwrap_or_default()
    }

    fn member(&self, path: &str) -> Option<Member> {
        CuckooModule::member(path)
    }
}

/// The report of this scan, when one was given.
fn report_of<'a>(ctx: &'a CallContext<'_>) -> Option<&'a Report> {
    ctx.module.native.as_ref()?.downcast_ref::<ModuleInput>()?.downcast_ref::<Report>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::Value;
    use crate::modules::testing::Harness;

    fn regex(pattern: &str) -> Value {
        Value::Regex(Arc::new(regex_automata::meta::Regex::new(pattern).unwrap()))
    }

    #[test]
    fn functions_read_the_report_and_are_false_without_one() {
        let report = br#"{"network":{"http":[{"uri":"http://x/gate.php","method":"POST"}],
            "udp":[{"dst":"8.8.8.8","dport":53}]},
            "behavior":{"summary":{"mutexes":["Global\\m0"]}}}"#;
        let input = CUCKOO.decode_input(report).unwrap();
        let with = Harness::with_input(CUCKOO, b"", &input);
        let without = Harness::new(CUCKOO, b"");
        for (path, args) in [
            ("network.http_post", vec![regex("gate")]),
            ("network.http_request", vec![regex("gate")]),
            ("network.udp", vec![regex(r"^8\.8"), Value::Integer(53)]),
            ("sync.mutex", vec![regex("m0$")]),
        ] {
            assert!(matches!(with.call(path, &args), Value::Integer(1)), "{path}");
            assert!(matches!(without.call(path, &args), Value::Integer(0)), "{path}");
        }
        assert!(matches!(with.call("network.http_get", &[regex("gate")]), Value::Integer(0)));
        let udp_other_port = [regex(r"^8\.8"), Value::Integer(54)];
        assert!(matches!(with.call("network.udp", &udp_other_port), Value::Integer(0)));
    }
}
