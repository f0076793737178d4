//! The sandbox report the `cuckoo` functions read, decoded the way YARA-X
//! 1.23 decodes it, so the same report is accepted or refused alike.
//!
//! The report is a JSON object (or, as serde accepts for a structure, a
//! two-element array `[network, behavior]`) of which two parts matter:
//! `network` (DNS answers, HTTP requests, TCP and UDP connections, contacted
//! hosts) and `behavior.summary` (mutexes, files and registry keys touched).
//! Everything else is ignored. A part that is present with the wrong JSON
//! type is an error, a missing or `null` part is simply empty, and so is a
//! missing or `null` string inside an entry (such an entry never matches).
//!
//! Two quirks of YARA-X are kept on purpose. `network` is read entry by
//! entry, so a key repeated inside it keeps its last value, while a key
//! repeated in the report or in `behavior` is an error. And DNS answers come
//! from `network.domains` (newer Cuckoo, `domain` per entry) whenever that
//! key is present, even `null`; only without it are they read from
//! `network.dns` (older Cuckoo, `hostname` per entry), which is then not
//! even checked once `domains` was seen.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The parts of a report the functions read.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct Report {
    pub network: Option<Network>,
    pub behavior: Option<Behavior>,
}

/// `network`.
#[derive(Debug, Default, Serialize)]
pub(super) struct Network {
    /// Names resolved, from `domains` or else `dns`.
    pub domains: Vec<Option<String>>,
    pub http: Vec<HttpRequest>,
    pub tcp: Vec<Connection>,
    pub udp: Vec<Connection>,
    pub hosts: Vec<String>,
}

/// One entry of `network.domains`.
#[derive(Debug, Deserialize)]
struct Domain {
    domain: Option<String>,
}

/// One entry of `network.dns`.
#[derive(Debug, Deserialize)]
struct DnsAnswer {
    hostname: Option<String>,
}

/// One entry of `network.http`.
#[derive(Debug, Deserialize, Serialize)]
pub(super) struct HttpRequest {
    #[serde(rename = "user-agent")]
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub uri: Option<String>,
}

/// One entry of `network.tcp` or `network.udp`.
#[derive(Debug, Deserialize, Serialize)]
pub(super) struct Connection {
    pub dst: Option<String>,
    pub dst_domain: Option<String>,
    pub dport: Option<u64>,
}

/// `behavior`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct Behavior {
    pub summary: Option<Summary>,
}

/// `behavior.summary`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct Summary {
    pub mutexes: Option<Vec<String>>,
    pub files: Option<Vec<String>>,
    pub keys: Option<Vec<String>>,
}

impl Report {
    /// Decodes a report; empty data is no report at all, as in YARA-X.
    pub(super) fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(bytes).map_err(|e| format!("invalid cuckoo report: {e}"))
    }

    /// `behavior.summary`, empty when absent.
    pub(super) fn summary(&self) -> Option<&Summary> {
        self.behavior.as_ref()?.summary.as_ref()
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(NetworkVisitor)
    }
}

/// Reads `network` key by key (see the [module documentation](self)).
struct NetworkVisitor;

impl<'de> Visitor<'de> for NetworkVisitor {
    type Value = Network;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Network, A::Error> {
        fn part<T: for<'a> Deserialize<'a>, E: de::Error>(value: Json) -> Result<T, E> {
            T::deserialize(value).map_err(E::custom)
        }
        let (mut domains, mut dns) = (None::<Json>, None::<Json>);
        let mut network = Network::default();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            match key.as_str() {
                "domains" => domains = Some(value),
                "dns" if domains.is_none() => dns = Some(value),
                "http" => network.http = part::<Option<_>, _>(value)?.unwrap_or_default(),
                "tcp" => network.tcp = part::<Option<_>, _>(value)?.unwrap_or_default(),
                "udp" => network.udp = part::<Option<_>, _>(value)?.unwrap_or_default(),
                "hosts" => network.hosts = part::<Option<_>, _>(value)?.unwrap_or_default(),
                _ => {}
            }
        }
        network.domains = match (domains, dns) {
            (Some(value), _) => part::<Option<Vec<Domain>>, _>(value)?
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.domain)
                .collect(),
            (None, Some(value)) => part::<Option<Vec<DnsAnswer>>, _>(value)?
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.hostname)
                .collect(),
            (None, None) => Vec::new(),
        };
        Ok(network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(report: &str) -> Vec<Option<String>> {
        Report::decode(report.as_bytes()).unwrap().network.unwrap_or_default().domains
    }

    #[test]
    fn domains_win_over_dns_even_when_null() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(names(r#"{"network":{"dns":[{"hostname":"a"}]}}"#), [some("a")]);
        assert_eq!(
            names(r#"{"network":{"dns":[{"hostname":"a"}],"domains":[{"domain":"b"}]}}"#),
            [some("b")]
        );
        assert!(names(r#"{"network":{"domains":null,"dns":[{"hostname":"a"}]}}"#).is_empty());
        assert!(Report::decode(br#"{"network":{"domains":[],"dns":5}}"#).is_ok());
        assert!(Report::decode(br#"{"network":{"dns":5}}"#).is_err());
    }

    #[test]
    fn repeated_keys_follow_yara_x() {
        assert_eq!(names(r#"{"network":{"dns":[{"hostname":"a"}],"dns":[]}}"#), []);
        assert!(Report::decode(br#"{"network":{},"network":{}}"#).is_err());
        assert!(Report::decode(br#"{"behavior":{"summary":{"keys":[],"keys":[]}}}"#).is_err());
    }

    #[test]
    fn wrong_types_are_errors_and_missing_parts_are_empty() {
        for bad in ["null", "[]", "5", "{\"network\":[]}", "{\"network\":{\"hosts\":[1]}}", "{} x"]
        {
            assert!(Report::decode(bad.as_bytes()).is_err(), "{bad}");
        }
        for good in ["", "{}", "{\"network\":null,\"behavior\":{\"summary\":null}}", "[null,null]"]
        {
            assert!(Report::decode(good.as_bytes()).is_ok(), "{good}");
        }
        let err = Report::decode(b"{\"network\":{\"tcp\":[{\"dport\":-1}]}}").unwrap_err();
        assert!(err.starts_with("invalid cuckoo report: invalid value: integer `-1`"), "{err}");
    }
}
