//! The `console` module: rules print values while they are evaluated, for
//! debugging. Every function returns true so it can sit in a condition
//! (`console.log(pe.number_of_sections) and ...`); the message goes to the
//! call's message list and the scanner decides where it ends up.

use crate::modules::functions::{
    FunctionDef, FunctionModule, Overload, bool_arg, bool_value, float_arg, int_arg, no_state,
    string_arg,
};
use crate::modules::{CallContext, Value};
use crate::types::Type;

const I: Type = Type::Integer;
const F: Type = Type::Float;
const S: Type = Type::String;
const B: Type = Type::Bool;

/// The `console` module.
pub static CONSOLE: FunctionModule = FunctionModule::new("console", FUNCTIONS, &[], no_state);

static FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "log",
        overloads: &[
            Overload { params: &[S], result: B, implementation: log_string },
            Overload { params: &[S, S], result: B, implementation: log_message_string },
            Overload { params: &[S, I], result: B, implementation: log_message_int },
            Overload { params: &[S, F], result: B, implementation: log_message_float },
            Overload { params: &[I], result: B, implementation: log_int },
            Overload { params: &[F], result: B, implementation: log_float },
            // The boolean forms are YARA-X's; YARA has none.
            Overload { params: &[B], result: B, implementation: log_bool },
            Overload { params: &[S, B], result: B, implementation: log_message_bool },
        ],
    },
    FunctionDef {
        name: "hex",
        overloads: &[
            Overload { params: &[I], result: B, implementation: hex_int },
            Overload { params: &[S, I], result: B, implementation: hex_message_int },
        ],
    },
];

/// Appends `message` (a missing piece makes the call undefined, and
/// nothing is printed) and returns true.
fn emit(ctx: &CallContext<'_>, message: Option<String>) -> Value {
    match message {
        Some(m) => {
            ctx.messages.borrow_mut().push(m);
            bool_value(true)
        }
        None => Value::Undefined,
    }
}

/// A byte string for printing: UTF-8 as is, other bytes replaced.
fn text(args: &[Value], index: usize) -> Option<String> {
    string_arg(args, index).map(|s| String::from_utf8_lossy(s).into_owned())
}

/// The message argument followed by `value`.
fn prefixed(args: &[Value], value: Option<String>) -> Option<String> {
    Some(text(args, 0)? + &value?)
}

fn log_string(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, text(args, 0))
}

fn log_message_string(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, prefixed(args, text(args, 1)))
}

fn log_message_int(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, prefixed(args, int_arg(args, 1).map(|i| i.to_string())))
}

fn log_message_float(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, prefixed(args, float_arg(args, 1).map(|f| f.to_string())))
}

fn log_message_bool(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, prefixed(args, bool_arg(args, 1).map(|b| b.to_string())))
}

fn log_int(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, int_arg(args, 0).map(|i| i.to_string()))
}

fn log_float(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, float_arg(args, 0).map(|f| f.to_string()))
}

fn log_bool(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, bool_arg(args, 0).map(|b| b.to_string()))
}

fn hex_int(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, int_arg(args, 0).map(|i| format!("0x{i:x}")))
}

fn hex_message_int(ctx: &CallContext<'_>, args: &[Value]) -> Value {
    emit(ctx, prefixed(args, int_arg(args, 1).map(|i| format!("0x{i:x}"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::testing::Harness;

    #[test]
    fn messages_are_appended_in_call_order() {
        let console = Harness::new(&CONSOLE, b"");
        assert!(matches!(console.call("log", &["n=".into(), 5.into()]), Value::Integer(1)));
        assert!(matches!(console.call("hex", &[255.into()]), Value::Integer(1)));
        let logged = console.call_as("log", &["b=".into(), 0.into()], &[S, B]);
        assert!(matches!(logged, Value::Integer(1)));
        assert_eq!(console.messages(), ["n=5", "0xff", "b=false"]);
    }

    #[test]
    fn an_undefined_argument_prints_nothing() {
        let console = Harness::new(&CONSOLE, b"");
        let logged = console.call_as("log", &["n=".into(), Value::Undefined], &[S, I]);
        assert!(logged.is_undefined());
        assert!(console.messages().is_empty());
    }
}
