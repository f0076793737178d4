//! Test helper: calls module functions the way the evaluator does, so a
//! module's unit tests exercise its declaration, its overload resolution
//! and its implementation together.

use std::cell::RefCell;

use crate::modules::{CallContext, Module, ModuleData, Value};
use crate::types::Type;

/// One module parsed over one input, ready for calls.
pub(crate) struct Harness<'a> {
    module: &'a dyn Module,
    data: &'a [u8],
    parsed: ModuleData,
    messages: RefCell<Vec<String>>,
}

impl<'a> Harness<'a> {
    /// Parses `data` with `module`.
    pub(crate) fn new(module: &'a dyn Module, data: &'a [u8]) -> Self {
        Self { module, data, parsed: module.parse(data), messages: RefCell::default() }
    }

    /// Parses `data` with `module` and the outside data `input`.
    pub(crate) fn with_input(
        module: &'a dyn Module,
        data: &'a [u8],
        input: &crate::modules::external::ModuleInput,
    ) -> Self {
        let parsed = module.parse_with(data, Some(input));
        Self { module, data, parsed, messages: RefCell::default() }
    }

    /// The module's data for the input.
    pub(crate) fn parsed(&self) -> &ModuleData {
        &self.parsed
    }

    /// Messages the calls so far have printed.
    pub(crate) fn messages(&self) -> Vec<String> {
        self.messages.borrow().clone()
    }

    /// Calls the function at `path` (`entropy`, `rich_signature.version`)
    /// with the overload whose parameters match the argument values:
    /// integers as `integer`, so a `bool` parameter needs [`Self::call_as`].
    ///
    /// # Panics
    /// If no declared overload takes such arguments.
    pub(crate) fn call(&self, path: &str, args: &[Value]) -> Value {
        let types: Vec<Type> = args.iter().map(type_of).collect();
        self.call_as(path, args, &types)
    }

    /// Calls the function at `path` with the overload for `types`.
    ///
    /// # Panics
    /// If `path` is not a declared function or no overload takes `types`.
    pub(crate) fn call_as(&self, path: &str, args: &[Value], types: &[Type]) -> Value {
        let declaration = Type::Struct(self.module.declaration());
        let declared = path.split('.').try_fold(declaration, |ty, name| match ty {
            Type::Struct(s) => s.field(name).map(|f| f.ty.clone()),
            _ => None,
        });
        let Some(Type::Function(function)) = declared else {
            panic!("{}.{path} is not a declared function", self.module.name());
        };
        let (overload, _) = function
            .resolve(types)
            .unwrap_or_else(|| panic!("{}.{path} takes no {types:?}", self.module.name()));
        let implementation =
            self.module.function(path, overload).expect("every overload is implemented");
        let ctx = CallContext {
            data: self.data,
            module: &self.parsed,
            messages: &self.messages,
            deadline: &Default::default(),
        };
        implementation(&ctx, args)
    }
}

fn type_of(value: &Value) -> Type {
    match value {
        Value::Integer(_) => Type::Integer,
        Value::Float(_) => Type::Float,
        Value::String(_) => Type::String,
        Value::Regex(_) => Type::Regex,
        other => panic!("{other:?} cannot be a function argument"),
    }
}
