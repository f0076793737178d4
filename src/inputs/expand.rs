//! Walking containers recursively: every member of every level, in stored
//! order, each read whole under the limits of one [`Meter`].

use std::borrow::Cow;
use std::ops::ControlFlow;

use super::containers::{self, Body, Member};
use super::limits::{ArchiveLimits, LimitHit, Meter, read_member};

/// What [`expand`] reports, one event per member or problem.
#[derive(Debug)]
pub enum Event<'e> {
    /// A member's bytes, to scan.
    Member {
        /// The member's path at each level, outermost first.
        chain: &'e [String],
        /// Its bytes.
        data: &'e [u8],
        /// Set when the member is a container nested too deep to open.
        warning: Option<String>,
    },
    /// A member that could not be read (`chain` names it), or a container
    /// whose remaining members could not be listed (`chain` names the
    /// container; empty for the top-level file).
    Problem {
        /// The path of the member or container at each level.
        chain: &'e [String],
        /// Why, for people.
        reason: String,
    },
}

/// Reports every member of `data` (a top-level file named `name`) to `sink`,
/// recursively, when `data` is a container; nothing otherwise.
pub fn expand(data: &[u8], name: &str, limits: &ArchiveLimits, sink: &mut dyn FnMut(Event<'_>)) {
    if limits.max_depth == 0 {
        return;
    }
    if let Some(kind) = containers::detect(data) {
        let mut expander =
            Expander { meter: Meter::new(limits), members: 0, chain: Vec::new(), sink };
        expander.container(kind, data, name);
    }
}

struct Expander<'s> {
    meter: Meter,
    members: u64,
    chain: Vec<String>,
    sink: &'s mut dyn FnMut(Event<'_>),
}

impl Expander<'_> {
    fn container(&mut self, kind: containers::Kind, data: &[u8], name: &str) {
        let listed = containers::open(kind, data, name, &self.meter)
            .and_then(|mut container| container.for_each_member(&mut |member| self.member(member)));
        if let Err(reason) = listed {
            self.problem(reason);
        }
    }

    fn member(&mut self, member: Member<'_>) -> ControlFlow<()> {
        let limits = self.meter.limits().clone();
        self.members += 1;
        if self.members > limits.max_members {
            self.problem(LimitHit::Members(limits.max_members).to_string());
            return ControlFlow::Break(());
        }
        self.chain.push(member.name);
        let data: Result<Cow<'_, [u8]>, (String, bool)> = match member.body {
            Body::Bytes(bytes) if bytes.len() as u64 > limits.max_member => {
                Err((LimitHit::Member(limits.max_member).to_string(), false))
            }
            Body::Bytes(bytes) => Ok(Cow::Borrowed(bytes)),
            Body::Problem(reason) => Err((reason, false)),
            Body::Reader(reader) => {
                read_member(reader, limits.max_member, member.size_hint).map(Cow::Owned).map_err(
                    |e| {
                        // A spent budget ends this container: every member
                        // left would hit it again.
                        let spent = matches!(LimitHit::from_io(&e), Some(LimitHit::Expanded(_)));
                        (containers::io_reason("cannot read member", &e), spent)
                    },
                )
            }
        };
        let flow = match data {
            Ok(data) => {
                self.found(&data, &limits);
                ControlFlow::Continue(())
            }
            Err((reason, stop)) => {
                self.problem(reason);
                if stop { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            }
        };
        let _ = self.chain.pop();
        flow
    }

    /// Reports a member's bytes, then opens them when they are a container
    /// and the depth allows.
    fn found(&mut self, data: &[u8], limits: &ArchiveLimits) {
        let nested = containers::detect(data);
        let depth = u32::try_from(self.chain.len()).unwrap_or(u32::MAX);
        let too_deep = nested.filter(|_| depth >= limits.max_depth).map(|kind| {
            format!(
                "limit hit: {} archive nested deeper than {} levels; its members are not scanned",
                kind.name(),
                limits.max_depth
            )
        });
        let open = nested.filter(|_| too_deep.is_none());
        (self.sink)(Event::Member { chain: &self.chain, data, warning: too_deep });
        if let Some(kind) = open {
            let name = self.chain.last().cloned().unwrap_or_default();
            self.container(kind, data, &name);
        }
    }

    fn problem(&mut self, reason: String) {
        (self.sink)(Event::Problem { chain: &self.chain, reason });
    }
}
