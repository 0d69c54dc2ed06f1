//! Whole numbers in JSON bodies. JSON has one kind of number and JSON Schema counts `12.0` as the
//! integer 12, so the API does too: an integer field takes `12` or `12.0`, and refuses `12.5`, a
//! number outside the field's type, and anything that is not a number. Use with
//! `#[serde(deserialize_with = "crate::whole::…")]`.

use std::fmt;

use serde::{Deserialize, Deserializer, de};

/// The largest float that still names exactly one integer.
const EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// A whole number read as `i128`, then narrowed to the field's type.
struct Whole(i128);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Whole, E> {
                Ok(Whole(value.into()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Whole, E> {
                Ok(Whole(value.into()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Whole, E> {
                if value.fract() == 0.0 && value.abs() <= EXACT_FLOAT {
                    // Exact: a whole float within ±2^53 converts without loss.
                    #[expect(clippy::cast_possible_truncation, reason = "checked just above")]
                    Ok(Whole(value as i128))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(value), &self))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn narrow<T: TryFrom<i128>, E: de::Error>(whole: Whole) -> Result<T, E> {
    T::try_from(whole.0).map_err(|_| {
        E::custom(format!(
            "the number {} is out of range for this field",
            whole.0
        ))
    })
}

/// An `i32`.
pub fn i32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    narrow(Whole::deserialize(deserializer)?)
}

/// A `u8`.
pub fn u8<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    narrow(Whole::deserialize(deserializer)?)
}

/// A `u32`.
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    narrow(Whole::deserialize(deserializer)?)
}

/// An `i64`.
pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    narrow(Whole::deserialize(deserializer)?)
}

/// A `u64`.
pub fn u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    narrow(Whole::deserialize(deserializer)?)
}

/// An optional `u64`: absent (with `#[serde(default)]`) or `null` is `None`.
pub fn option_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Option::<Whole>::deserialize(deserializer)?
        .map(narrow)
        .transpose()
}

/// An optional `i64`: absent (with `#[serde(default)]`) or `null` is `None`.
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<Whole>::deserialize(deserializer)?
        .map(narrow)
        .transpose()
}

/// An `i64` that may be `null`, told apart from an absent field (with `#[serde(default)]`):
/// absent is `None`, `null` is `Some(None)`.
pub fn present_option_i64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    option_i64(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::i32")]
        version: i32,
        #[serde(default, deserialize_with = "super::option_i64")]
        park_id: Option<i64>,
        #[serde(default, deserialize_with = "super::u64")]
        capacity: u64,
    }

    fn parse(text: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn integral_floats_are_whole_numbers() {
        let body = parse(r#"{"version": 7.0, "park_id": -3.0, "capacity": 9267.0}"#).unwrap();
        assert_eq!(
            (body.version, body.park_id, body.capacity),
            (7, Some(-3), 9267)
        );
        let body = parse(r#"{"version": 7, "park_id": null}"#).unwrap();
        assert_eq!((body.version, body.park_id), (7, None));
    }

    #[test]
    fn fractions_strings_and_out_of_range_numbers_are_refused() {
        for text in [
            r#"{"version": 7.5}"#,
            r#"{"version": "7"}"#,
            r#"{"version": 2147483648}"#,
            r#"{"version": 1e300}"#,
            r#"{"version": 1, "capacity": -1}"#,
            r#"{"version": 1, "park_id": 9223372036854775808}"#,
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
