//! The `cuckoo` functions: each asks whether a regular expression matches
//! something the sandbox report lists. Without a report every answer is
//! false, never undefined, as in YARA-X.

use super::report::{Connection, Report};
use crate::modules::functions::{FunctionDef, bool_value, int_arg, overload};
use crate::modules::{CallContext, Value};
use crate::types::Type;

const R: Type = Type::Regex;
const I: Type = Type::Integer;
const B: Type = Type::Bool;

/// `cuckoo.network.*`.
pub(super) static NETWORK_FUNCTIONS: &[FunctionDef] = &[
    FunctionDef { name: "dns_lookup", overloads: &[overload(&[R], B, dns_lookup)] },
    FunctionDef { name: "http_request", overloads: &[overload(&[R], B, http_request)] },
    FunctionDef { name: "http_get", overloads: &[overload(&[R], B, http_get)] },
    FunctionDef { name: "http_post", overloads: &[overload(&[R], B, http_post)] },
    FunctionDef { name: "http_user_agent", overloads: &[overload(&[R], B, http_user_agent)] },
    FunctionDef { name: "host", overloads: &[overload(&[R], B, host)] },
    FunctionDef { name: "tcp", overloads: &[overload(&[R, I], B, tcp)] },
    FunctionDef { name: "udp", overloads: &[overload(&[R, I], B, udp)] },
];

/// `cuckoo.registry.*`.
pub(super) static REGISTRY_FUNCTIONS: &[FunctionDef] =
    &[FunctionDef { name: "key_access", overloads: &[overload(&[R], B, key_access)] }];

/// `cuckoo.filesystem.*`.
pub(super) static FILESYSTEM_FUNCTIONS: &[FunctionDef] =
    &[FunctionDef { name: "file_access", overloads: &[overload(&[R], B, file_access)] }];

/// `cuckoo.sync.*`.
pub(super) static SYNC_FUNCTIONS: &[FunctionDef] =
    &[FunctionDef { name: "mutex", overloads: &[overload(&[R], B, mutex)] }];

/// Whether `regex` (the first argument) matches some text `pick` takes from
/// the report of this scan.
fn any_match<'r, I>(
    ctx: &'r CallContext<'_>,
    args: &[Value],
    pick: impl FnOnce(&'r Report) -> I,
) -> Value
where
    I: IntoIterator<Item = &'r str>,
{
    let (Some(Value::Regex(regex)), Some(report)) = (args.first(), super::report_of(ctx)) else {
        return bool_value(false);
    };
    bool_value(pick(report).into_iter().any(|text| regex.is_match(text.as_bytes())))
}

fn dns_lookup(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_match(ctx, args, |r| {
        r.network.iter().flat_map(|n| n.domains.iter().flatten()).map(String::as_str)
    })
}

/// URIs of the HTTP requests whose method `accepts`; requests without a
/// method or a URI never count.
fn requests(ctx: &CallContext<'_>, args: &[Value], accepts: fn(&str) -> bool) -> Value {
    any_match(ctx, args, |r| {
        r.network.iter().flat_map(|n| &n.http).filter_map(move |request| {
            request.method.as_deref().filter(|m| accepts(m))?;
            request.uri.as_deref()
        })
    })
}

fn http_request(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    requests(ctx, args, |_| true)
}

fn http_get(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    requests(ctx, args, |m| m.eq_ignore_ascii_case("get"))
}

fn http_post(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    requests(ctx, args, |m| m.eq_ignore_ascii_case("post"))
}

fn http_user_agent(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_match(ctx, args, |r| {
        r.network.iter().flat_map(|n| &n.http).filter_map(|request| request.user_agent.as_deref())
    })
}

fn host(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    any_match(ctx, args, |r| r.network.iter().flat_map(|n| &n.hosts).map(String::as_str))
}

/// Whether a connection of `list` went to `port` (the second argument;
/// ports past `i64::MAX` wrap, as in YARA-X) at an address or domain the
/// regex matches.
fn connection(
    ctx: &CallContext<'_>,
    args: &[Value],
    list: fn(&super::report::Network) -> &[Connection],
) -> Value {
    let Some(port) = int_arg(args, 1) else { return bool_value(false) };
    any_match(ctx, args, |r| {
        r.network
            .iter()
            .flat_map(list)
            .filter(move |c| c.dport.is_some_and(|p| p as i64 == port))
            .flat_map(|c| [c.dst.as_deref(), c.dst_domain.as_deref()].into_iter().flatten())
    })
}

fn tcp(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    connection(ctx, args, |n| &n.tcp)
}

fn udp(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    connection(ctx, args, |n| &n.udp)
}

/// The strings of one `behavior.summary` list.
fn summary_list(
    ctx: &CallContext<'_>,
    args: &[Value],
    list: fn(&super::report::Summary) -> &Option<Vec<String>>,
) -> Value {
    any_match(ctx, args, |r| {
        r.summary().and_then(|s| list(s).as_deref()).unwrap_or_default().iter().map(String::as_str)
    })
}

fn key_access(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    summary_list(ctx, args, |s| &s.keys)
}

fn file_access(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    summary_list(ctx, args, |s| &s.files)
}

fn mutex(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    summary_list(ctx, args, |s| &s.mutexes)
}
