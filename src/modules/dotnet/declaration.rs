//! The `dotnet` module's declaration, as YARA-X's `dotnet.proto` has it (a
//! superset of legacy YARA's fields): the one source of the module's
//! types, values and documentation (see [`crate::modules::schema`]). It has
//! no functions or constants.

use crate::modules::schema::schema;

schema! {
    /// A four-part assembly version.
    pub(super) struct Version {
        major: i64,
        minor: i64,
        build_number: i64,
        revision_number: i64,
    }

    /// A method parameter.
    pub(super) struct Param {
        name: Vec<u8>,
        r#type: Vec<u8>,
    }

    /// A method of a class.
    pub(super) struct Method {
        name: Vec<u8>,
        /// `public`, `private`, `protected`, `internal`...
        visibility: Vec<u8>,
        r#abstract: bool,
        r#static: bool,
        r#virtual: bool,
        r#final: bool,
        return_type: Vec<u8>,
        number_of_generic_parameters: i64,
        number_of_parameters: i64,
        generic_parameters: Vec<Vec<u8>>,
        parameters: Vec<Param>,
    }

    /// A type defined by the assembly.
    pub(super) struct Class {
        /// `namespace.name`.
        fullname: Vec<u8>,
        name: Vec<u8>,
        namespace: Vec<u8>,
        visibility: Vec<u8>,
        /// `class` or `interface`.
        r#type: Vec<u8>,
        r#abstract: bool,
        sealed: bool,
        number_of_base_types: i64,
        number_of_generic_parameters: i64,
        number_of_methods: i64,
        base_types: Vec<Vec<u8>>,
        generic_parameters: Vec<Vec<u8>>,
        methods: Vec<Method>,
    }

    /// The assembly itself.
    pub(super) struct Assembly {
        name: Vec<u8>,
        culture: Vec<u8>,
        version: Version,
    }

    /// A referenced assembly.
    pub(super) struct AssemblyRef {
        name: Vec<u8>,
        public_key_or_token: Vec<u8>,
        version: Version,
    }

    /// A metadata stream header.
    pub(super) struct Stream {
        name: Vec<u8>,
        offset: i64,
        size: i64,
    }

    /// A managed resource stored in this file.
    pub(super) struct Resource {
        /// File offset of the resource data.
        offset: i64,
        length: i64,
        name: Vec<u8>,
    }

    /// The `dotnet` module.
    pub(super) struct DotnetModule {
        /// Whether the input is a .NET assembly.
        is_dotnet: bool,
        module_name: Vec<u8>,
        /// The metadata version string.
        version: Vec<u8>,
        number_of_streams: i64,
        number_of_guids: i64,
        number_of_resources: i64,
        number_of_generic_parameters: i64,
        number_of_classes: i64,
        number_of_assembly_refs: i64,
        number_of_modulerefs: i64,
        number_of_user_strings: i64,
        number_of_constants: i64,
        number_of_field_offsets: i64,
        /// The type library GUID of the assembly's `GuidAttribute`.
        typelib: Vec<u8>,
        streams: Vec<Stream>,
        guids: Vec<Vec<u8>>,
        /// String constants of the `Constant` table.
        constants: Vec<Vec<u8>>,
        assembly: Assembly,
        assembly_refs: Vec<AssemblyRef>,
        resources: Vec<Resource>,
        classes: Vec<Class>,
        /// File offsets of the `FieldRVA` rows.
        field_offsets: Vec<i64>,
        user_strings: Vec<Vec<u8>>,
        modulerefs: Vec<Vec<u8>>,
    }
}
