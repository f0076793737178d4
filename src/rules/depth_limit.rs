//! A serde [`Deserializer`] adapter that bounds nesting depth.
//!
//! The payload of a compiled ruleset holds recursive types (conditions,
//! hex alternatives), and a recursive-descent decoder recurses once per
//! level of nesting: a forged file nested a million levels deep would
//! overflow the stack, which aborts the process. The payload's decoder has
//! no depth limit of its own, so every value goes through [`Limited`],
//! which counts how many values enclose the one being decoded and refuses
//! to go past a budget.
//!
//! Every decoded value, and every value a sequence, map, option, newtype or
//! enum variant hands on, passes through a wrapper that holds one unit of
//! the shared budget while the value is being decoded.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// Decodes a `T` from `deserializer`, nesting at most `max_depth` values.
pub(crate) fn deserialize<'de, T, D>(deserializer: D, max_depth: usize) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let budget = Cell::new(max_depth);
    T::deserialize(Limited { inner: deserializer, budget: &budget })
}

/// A deserializer whose values may nest only as deep as `budget` allows.
struct Limited<'b, D> {
    inner: D,
    budget: &'b Cell<usize>,
}

/// One unit of the budget, given back when the value is decoded.
struct Level<'b>(&'b Cell<usize>);

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn enter<E: de::Error>(budget: &Cell<usize>) -> Result<Level<'_>, E> {
    match budget.get() {
        0 => Err(E::custom("values nested too deeply")),
        left => {
            budget.set(left - 1);
            Ok(Level(budget))
        }
    }
}

/// Forwards a `deserialize_*` method, with the visitor wrapped.
macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let _level = enter::<D::Error>(self.budget)?;
            self.inner.$method($($arg,)* Wrap { inner: visitor, budget: self.budget })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Limited<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A visitor whose nested values go through [`Limited`].
struct Wrap<'b, V> {
    inner: V,
    budget: &'b Cell<usize>,
}

/// Forwards `visit_*` methods that hand on no nested value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Limited { inner, budget: self.budget })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Limited { inner, budget: self.budget })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, inner: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(Wrap { inner, budget: self.budget })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, inner: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Wrap { inner, budget: self.budget })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, inner: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Wrap { inner, budget: self.budget })
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Limited { inner, budget: self.budget })
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.inner.next_element_seed(Wrap { inner: seed, budget: self.budget })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(Wrap { inner: seed, budget: self.budget })
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.next_value_seed(Wrap { inner: seed, budget: self.budget })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, 'b, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Wrap<'b, A> {
    type Error = A::Error;
    type Variant = Wrap<'b, A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let budget = self.budget;
        let (value, variant) = self.inner.variant_seed(Wrap { inner: seed, budget })?;
        Ok((value, Wrap { inner: variant, budget }))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.newtype_variant_seed(Wrap { inner: seed, budget: self.budget })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let _level = enter::<A::Error>(self.budget)?;
        self.inner.tuple_variant(len, Wrap { inner: visitor, budget: self.budget })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let _level = enter::<A::Error>(self.budget)?;
        self.inner.struct_variant(fields, Wrap { inner: visitor, budget: self.budget })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, serde::Serialize, PartialEq)]
    enum Tree {
        Leaf(u8),
        Node(Vec<Tree>),
        Boxed { inner: Box<Tree> },
    }

    fn nested(depth: usize) -> Tree {
        (0..depth).fold(Tree::Leaf(7), |tree, i| match i % 2 {
            0 => Tree::Node(vec![tree]),
            _ => Tree::Boxed { inner: Box::new(tree) },
        })
    }

    fn decode(bytes: &[u8], max_depth: usize) -> postcard::Result<Tree> {
        let mut decoder = postcard::Deserializer::from_bytes(bytes);
        deserialize(&mut decoder, max_depth)
    }

    #[test]
    fn values_within_the_budget_decode_unchanged() {
        let tree = nested(20);
        let bytes = postcard::to_allocvec(&tree).unwrap();
        assert_eq!(decode(&bytes, 100).unwrap(), tree);
    }

    #[test]
    fn deep_values_are_refused_without_overflowing_the_stack() {
        let bytes = postcard::to_allocvec(&nested(40)).unwrap();
        assert!(decode(&bytes, 30).is_err());
        // A forged input: a million nested one-element lists.
        let forged: Vec<u8> = [1u8, 1].repeat(1_000_000);
        assert!(decode(&forged, 100).is_err());
    }
}
