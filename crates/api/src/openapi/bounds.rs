//! Integer ranges in the document: serde refuses a number outside its Rust type with a 400, so
//! every integer schema states the range of its type unless a tighter one is written on the field.
//! Without this the document would promise that any integer is a valid id or version.

use utoipa::openapi::{
    KnownFormat, Object, OpenApi, RefOr, Schema, SchemaFormat, Type,
    path::Operation,
    schema::{ArrayItems, SchemaType},
};

fn is_integer(schema_type: &SchemaType) -> bool {
    match schema_type {
        SchemaType::Type(kind) => *kind == Type::Integer,
        SchemaType::Array(kinds) => kinds.contains(&Type::Integer),
        SchemaType::AnyValue => false,
    }
}

fn bound_object(object: &mut Object) {
    if is_integer(&object.schema_type) {
        let unsigned = object.minimum.as_ref().is_some_and(|minimum| {
            *minimum == utoipa::Number::UInt(0) || *minimum == utoipa::Number::Int(0)
        });
        let (minimum, maximum): (utoipa::Number, utoipa::Number) = match (&object.format, unsigned)
        {
            (Some(SchemaFormat::KnownFormat(KnownFormat::Int32)), false) => {
                (i32::MIN.into(), i32::MAX.into())
            }
            (Some(SchemaFormat::KnownFormat(KnownFormat::Int32)), true) => {
                (0_u32.into(), u32::MAX.into())
            }
            (_, false) => (i64::MIN.into(), i64::MAX.into()),
            (_, true) => (0_u64.into(), u64::MAX.into()),
        };
        object.minimum.get_or_insert(minimum);
        object.maximum.get_or_insert(maximum);
    }
    for property in object.properties.values_mut() {
        bound(property);
    }
}

fn bound(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => bound_object(object),
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                bound(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(bound),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(bound),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(bound),
        _ => {}
    }
}

fn bound_parameters(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && let Some(schema) = &mut parameter.schema
        {
            bound(schema);
        }
    }
}

/// States the range of every integer schema that has none.
pub fn bound_integers(openapi: &mut OpenApi) {
    if let Some(components) = &mut openapi.components {
        components.schemas.values_mut().for_each(bound);
    }
    for item in openapi.paths.paths.values_mut() {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        .for_each(bound_parameters);
    }
}
