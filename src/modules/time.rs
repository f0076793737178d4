//! The `time` module: the current time, for rules that compare a
//! timestamp in the file (`pe.timestamp`) with now.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::modules::functions::{FunctionDef, FunctionModule, Overload, defined, no_state};
use crate::modules::{CallContext, Value};
use crate::types::Type;

/// The `time` module.
pub static TIME: FunctionModule = FunctionModule::new("time", FUNCTIONS, &[], no_state);

static FUNCTIONS: &[FunctionDef] = &[FunctionDef {
    name: "now",
    overloads: &[Overload { params: &[], result: Type::Integer, implementation: now }],
}];

/// Seconds since the Unix epoch; undefined if the clock is set before it.
fn now(_: &CallContext<'_>, _: &[Value]) -> Value {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).ok();
    defined(seconds.and_then(|d| i64::try_from(d.as_secs()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testing::Harness;

    #[test]
    fn now_is_the_current_unix_time() {
        let time = Harness::new(&TIME, b"");
        let before = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        let Value::Integer(now) = time.call("now", &[]) else {
            panic!("now() is an integer");
        };
        let after = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        assert!((before..=after).contains(&u64::try_from(now).expect("positive")));
    }
}
