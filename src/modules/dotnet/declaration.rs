//! The `dotnet` module's declaration, as YARA-X's `dotnet.proto` has it (a
//! superset of legacy YARA's fields). It has no functions or constants.

use std::sync::{Arc, LazyLock};

use crate::types::{StructBuilder, StructType, Type};

/// The declaration, built once.
pub(super) static DECLARATION: LazyLock<Arc<StructType>> = LazyLock::new(build);

fn version() -> Arc<StructType> {
    StructBuilder::new()
        .int("major")
        .int("minor")
        .int("build_number")
        .int("revision_number")
        .build()
}

fn class() -> Arc<StructType> {
    let param = StructBuilder::new().string("name").string("type").build();
    let method = StructBuilder::new()
        .string("name")
        .string("visibility")
        .field("abstract", Type::Bool)
        .field("static", Type::Bool)
        .field("virtual", Type::Bool)
        .field("final", Type::Bool)
        .string("return_type")
        .int("number_of_generic_parameters")
        .int("number_of_parameters")
        .array("generic_parameters", Type::String)
        .array("parameters", Type::Struct(param))
        .build();
    StructBuilder::new()
        .string("fullname")
        .string("name")
        .string("namespace")
        .string("visibility")
        .string("type")
        .field("abstract", Type::Bool)
        .field("sealed", Type::Bool)
        .int("number_of_base_types")
        .int("number_of_generic_parameters")
        .int("number_of_methods")
        .array("base_types", Type::String)
        .array("generic_parameters", Type::String)
        .array("methods", Type::Struct(method))
        .build()
}

fn build() -> Arc<StructType> {
    let assembly =
        StructBuilder::new().string("name").string("culture").structure("version", version());
    let assembly_ref = StructBuilder::new()
        .string("name")
        .string("public_key_or_token")
        .structure("version", version());
    let stream = StructBuilder::new().string("name").int("offset").int("size").build();
    let resource = StructBuilder::new().int("offset").int("length").string("name").build();
    StructBuilder::new()
        .field("is_dotnet", Type::Bool)
        .string("module_name")
        .string("version")
        .int("number_of_streams")
        .int("number_of_guids")
        .int("number_of_resources")
        .int("number_of_generic_parameters")
        .int("number_of_classes")
        .int("number_of_assembly_refs")
        .int("number_of_modulerefs")
        .int("number_of_user_strings")
        .int("number_of_constants")
        .int("number_of_field_offsets")
        .string("typelib")
        .array("streams", Type::Struct(stream))
        .array("guids", Type::String)
        .array("constants", Type::String)
        .structure("assembly", assembly.build())
        .array("assembly_refs", Type::Struct(assembly_ref.build()))
        .array("resources", Type::Struct(resource))
        .array("classes", Type::Struct(class()))
        .array("field_offsets", Type::Integer)
        .array("user_strings", Type::String)
        .array("modulerefs", Type::String)
        .build()
}
