//! The `crx` module's function, `permhash()`.

use sha2::{Digest, Sha256};

use crate::modules::functions::{FunctionDef, overload};
use crate::modules::hash::hex;
use crate::modules::{CallContext, Value};
use crate::types::Type;

/// Native data: the manifest's permissions, for packages only.
pub(super) struct Native {
    pub permissions: Vec<String>,
}

/// The functions of the `crx` module.
pub(super) static CRX_FUNCTIONS: &[FunctionDef] =
    &[FunctionDef { name: "permhash", overloads: &[overload(&[], Type::String, permhash)] }];

/// SHA-256, in lowercase hex, of the manifest's `permissions` joined with
/// nothing between them (of nothing when the manifest has none or could
/// not be read); undefined for other files.
fn permhash(ctx: &CallContext<'_>, _: &[Value]) -> Value {
    let native = ctx.module.native.as_ref().and_then(|n| n.downcast_ref::<Native>());
    let Some(native) = native else { return Value::Undefined };
    let mut sha = Sha256::new();
    for permission in &native.permissions {
        sha.update(permission.as_bytes());
    }
    Value::String(hex(&sha.finalize()).into_bytes())
}
