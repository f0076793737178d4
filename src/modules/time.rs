//! The `time` module: the current time, for rules that compare a
//! timestamp in the file (`pe.timestamp`) with now.

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::modules::functions::{FunctionDef, Overload, declare, defined, find_function};
use crate::modules::{CallContext, FunctionImpl, Module, ModuleData, Value};
use crate::types::{StructBuilder, StructType, Type};

/// The `time` module.
#[derive(Debug)]
pub struct Time;

impl Module for Time {
    fn name(&self) -> &'static str {
        "time"
    }

    fn declaration(&self) -> Arc<StructType> {
        static DECLARATION: OnceLock<Arc<StructType>> = OnceLock::new();
        DECLARATION.get_or_init(|| declare(StructBuilder::new(), FUNCTIONS).build()).clone()
    }

    fn parse(&self, _data: &[u8]) -> ModuleData {
        ModuleData {
            value: Value::Struct(vec![Value::Undefined; self.declaration().fields.len()]),
            native: None,
        }
    }

    fn function(&self, path: &str, overload: usize) -> Option<FunctionImpl> {
        find_function(FUNCTIONS, path, overload)
    }
}

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
        let time = Harness::new(&Time, b"");
        let before = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        let Value::Integer(now) = time.call("now", &[]) else {
            panic!("now() is an integer");
        };
        let after = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        assert!((before..=after).contains(&u64::try_from(now).expect("positive")));
    }
}
