//! serde helpers that store byte vectors as one byte string each, for the
//! compiled ruleset's payload: serde's default for `Vec<u8>` is a sequence
//! of numbers, one value to decode per byte, which made loading a large
//! ruleset spend a sixth of its time on pattern texts alone.

/// A byte vector stored as one byte string (serde's default is a sequence
/// of numbers, one value to decode per byte).
pub(crate) mod bytes {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_byte_buf(super::BytesVisitor)
    }
}

/// An optional byte vector stored as one byte string.
pub(crate) mod optional_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wrapped(#[serde(with = "super::bytes")] Vec<u8>);

    // serde's `with` hands `&Option<Vec<u8>>` to this function.
    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        bytes.as_ref().map(|b| Wrapped(b.clone())).serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
    }
}

/// A 256-entry byte table stored as one byte string of exactly 256 bytes.
pub(crate) mod byte_table {
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};

    // serde's `with` hands `&Box<[u8; 256]>` to this function.
    #[allow(clippy::borrowed_box)]
    pub(crate) fn serialize<S: Serializer>(
        table: &Box<[u8; 256]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&table[..])
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Box<[u8; 256]>, D::Error> {
        let bytes = deserializer.deserialize_byte_buf(super::BytesVisitor)?;
        let table: Box<[u8; 256]> = bytes
            .into_boxed_slice()
            .try_into()
            .map_err(|_| D::Error::custom("a byte table of other than 256 bytes"))?;
        Ok(table)
    }
}

/// Accepts a byte string, borrowed or owned.
struct BytesVisitor;

impl serde::de::Visitor<'_> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(bytes)
    }
}
